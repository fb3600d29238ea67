"""The PostgreSQL store: the server's store when one host is not enough.

Several `warroom serve` replicas (and commands run with `--db
postgresql://...`) share one database.  The SQL is the one both engines run
(`warroom.store.sql`); this module is PostgreSQL's part:

- connections: psycopg 3 with a connection pool (`psycopg_pool`), every
  statement in autocommit unless a write transaction is open; `?`
  placeholders become psycopg's `%s` (`_Conn`);
- writes: an append (and every other serial write) first updates the store's
  one `store_id` row, which locks it until commit, so appends run one at a
  time: the next gseq and INC number are the largest + 1, gseq increases in
  commit order (a watcher reading by gseq never skips one committed late),
  and a refused request leaves no trace, not even a gap;
- watching: the write sends `NOTIFY` with the new largest gseq as it
  commits; one listening connection per process (`_Listener`, LISTEN needs a
  session: a transaction-pooling PgBouncer does not carry it) wakes the
  watchers, which also read every `SAFETY_READ` seconds in case a
  notification was lost.  A watcher subscribes before it reads its backlog.

The URL is a libpq URL, passed to libpq unchanged (several hosts and
`target_session_attrs=read-write` work); a password inside it is refused
(`check_url`): command lines are visible to other users.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

import psycopg
import psycopg_pool

from warroom.core.catalog import Catalog
from warroom.core.clock import SYSTEM_CLOCK, Clock
from warroom.core.errors import StoreUnavailable
from warroom.core.events import Event
from warroom.core.times import format_time
from warroom.store import pg_schema
from warroom.store.pg_url import CONNECT_TIMEOUT, check_url, connect_kwargs, describe, first_line
from warroom.store.sql.append import after_query, row_event
from warroom.store.sql.store import SQLStore
from warroom.store.sql.wake import Notifier

log = logging.getLogger(__name__)

POOL_SIZE = 8  # connections at most, per process
SAFETY_READ = 1.0  # seconds between a watcher's reads when no notification comes


class PostgresStore(SQLStore):
    """The Store contract on one PostgreSQL database (a schema of it: the
    URL's `options=-csearch_path=...` chooses another than `public`)."""

    reads_over_network = True  # each read is a round trip: not on an event loop

    def __init__(
        self,
        url: str,
        catalog: Catalog | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        password: str | None = None,
        migrate: bool = False,
    ) -> None:
        check_url(url)
        self.url = url
        self.password = password
        self.label = describe(url)
        if migrate:
            pg_schema.create_or_upgrade(url, password)
        else:
            pg_schema.check(url, password)
        self._db = _Database(url, password, self.label)
        super().__init__(self._db, catalog, clock)
        self._store_id = str(self._db.read('SELECT id FROM store_id WHERE "only" = 1')[0][0])
        self._db.channel = f"warroom_{self._store_id[:16]}"
        self._listener = _Listener(url, password, self._db.channel, self._notifier)

    def store_id(self) -> str:
        """The store's id, the same for every replica (`StoreIdentity`)."""
        return self._store_id

    # -- watching --------------------------------------------------------

    async def watch(
        self, after_gseq: int = 0, incident_id: str | None = None
    ) -> AsyncIterator[Event]:
        """Yield every event committed after `after_gseq`, once, in gseq order.

        Subscribes to the notifications before the first read, so an event
        committed in between is read, not missed."""
        await asyncio.to_thread(self._listener.start)
        wake = self._notifier.subscribe()
        cursor = after_gseq
        try:
            while True:
                seen = wake.generation
                rows = await asyncio.to_thread(  # (trouble raised as StoreUnavailable)
                    self._read, *after_query(cursor, incident_id, 1000)
                )
                for row in rows:
                    item = row_event(row)
                    cursor = item.gseq or cursor
                    yield item
                if len(rows) == 1000:
                    continue
                await wake.wait(SAFETY_READ, seen)
        finally:
            self._notifier.unsubscribe(wake)

    def alerts_version(self) -> int:
        """The store row's count of serial writes, which every append and alert
        request bumps (`AlertTable.alerts_version`): one indexed read, and it
        has moved as soon as another process's commit is visible, not when
        its notification arrives (or never, if it was lost)."""
        return int(self._read('SELECT touched FROM store_id WHERE "only" = 1', ())[0][0])

    def close(self) -> None:
        self._listener.stop()
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@functools.lru_cache(maxsize=512)
def _pg(query: str) -> str:
    """A statement with `?` placeholders in psycopg's style."""
    return query.replace("%", "%%").replace("?", "%s")


class _Conn:
    """A psycopg connection with the calls the shared SQL makes (`?` placeholders).

    Statements whose answer nobody reads (BEGIN, savepoints, the store row's
    lock) wait in `later` and go to the server in one pipeline with the next
    statement: on a busy machine each round trip costs a context switch of
    the server's backend, and the store's lock is held across them."""

    __slots__ = ("later", "raw")

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self.later: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, query: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        if query.startswith(_ANSWERLESS):
            self.later.append((query, tuple(params)))
            return self.raw.cursor()
        if not self.later:
            return self.raw.execute(_pg(query), tuple(params))
        with self.raw.pipeline():
            self._send_later()
            return self.raw.execute(_pg(query), tuple(params))

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        if query.startswith(_ANSWERLESS):
            self.later.extend((query, tuple(row)) for row in rows)
            return self.raw.cursor()
        cursor = self.raw.cursor()
        with self.raw.pipeline():
            self._send_later()
            cursor.executemany(_pg(query), [tuple(row) for row in rows])
        return cursor

    def flush(self) -> None:
        """Send what waits in `later` (in one round trip)."""
        if self.later:
            with self.raw.pipeline():
                self._send_later()

    def _send_later(self) -> None:
        later, self.later = self.later, []
        for query, params in later:
            self.raw.execute(_pg(query), params)


# Statements of the shared SQL sent with the next one (`_Conn.later`): none
# is read back, and any of them failing fails the whole transaction anyway
# (the last: `save_state`'s snapshot upsert, sent with the COMMIT).  The
# append's event rows are among them: under the store row's lock the append
# checked their ids, seq and gseq against what is stored, so no constraint
# can refuse them, and sent with the COMMIT they keep a round trip out of the
# time the lock is held (replicas queue on it: bench_postgres.py throughput).
_ANSWERLESS = (
    "SAVEPOINT ",
    "RELEASE ",
    "ROLLBACK TO ",
    "INSERT INTO incidents (id, number, last_seq,",
    "INSERT INTO events (gseq, id, incident_id, seq,",
)


_NOTIFY = "SELECT pg_notify(?, (SELECT COALESCE(MAX(gseq), 0) FROM events)::text)"


class _Database:
    """The `Database` of the shared SQL on a psycopg connection pool."""

    integrity_error = psycopg.IntegrityError
    error = psycopg.Error
    skip_locked = " FOR UPDATE SKIP LOCKED"
    rows_deferred = True  # `_ANSWERLESS`: the events' INSERT goes with the COMMIT
    for_update = " FOR UPDATE"

    def __init__(self, url: str, password: str | None, label: str) -> None:
        self.label = label
        self.channel = "warroom"
        self._pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs=connect_kwargs(password),
            open=False,
            timeout=CONNECT_TIMEOUT * 2,
            name="warroom",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        except psycopg_pool.PoolTimeout:
            self._pool.close()
            raise StoreUnavailable(f"{label} is unreachable; is it running?") from None

    @contextlib.contextmanager
    def connection(self) -> Iterator[_Conn]:
        with self._pool.connection() as raw:
            yield _Conn(raw)

    @contextlib.contextmanager
    def write(self, serial: bool = True) -> Iterator[_Conn]:
        with self._pool.connection() as raw:
            conn = _Conn(raw)
            conn.later.append(("BEGIN", ()))
            if serial:
                # Locks the store's row until commit: appends run one at a time.
                # `touched` is a 32-bit integer here: it wraps, never overflows.
                conn.later.append(("UPDATE store_id SET touched = touched % 2147483647 + 1", ()))
            try:
                yield conn
                if serial:
                    conn.later.append((_NOTIFY, (self.channel,)))
                conn.later.append(("COMMIT", ()))
                conn.flush()
            except BaseException:
                conn.later.clear()
                if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    with contextlib.suppress(psycopg.Error):
                        raw.execute("ROLLBACK")
                raise

    def read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._pool.connection() as raw:
            return raw.execute(_pg(query), tuple(params)).fetchall()

    def failure(self, error: Exception) -> Exception:
        if isinstance(error, psycopg.OperationalError | psycopg_pool.PoolTimeout):
            return StoreUnavailable(f"{self.label} is unreachable: {first_line(error)}")
        if isinstance(error, psycopg.errors.DiskFull):
            return StoreUnavailable(f"{self.label} is out of disk space")
        if isinstance(error, psycopg.errors.InsufficientPrivilege):
            return StoreUnavailable(f"{self.label}: {first_line(error)}")
        if isinstance(error, psycopg.errors.ReadOnlySqlTransaction):
            return StoreUnavailable(
                f"{self.label} is read-only (a standby?): writes need the primary;"
                " list every host in the URL with target_session_attrs=read-write"
            )
        return error

    def clock_now(self, now: str) -> str:
        return format_time(self.read("SELECT now()")[0][0])

    def close(self) -> None:
        self._pool.close()


class _Listener:
    """One LISTEN connection per store in this process, in a thread of its
    own: each notification (and each reconnection) wakes the watchers."""

    def __init__(self, url: str, password: str | None, channel: str, notifier: Notifier) -> None:
        self.url = url
        self.password = password
        self.channel = channel
        self.notifier = notifier
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._stop = threading.Event()

    def start(self) -> None:
        """Start listening (once); returns when LISTEN has run, or after
        CONNECT_TIMEOUT if the database cannot be reached (watchers then read
        every SAFETY_READ seconds)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="warroom-listen", daemon=True
                )
                self._thread.start()
        self._listening.wait(CONNECT_TIMEOUT)

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(SAFETY_READ * 3)

    def _run(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, **connect_kwargs(self.password)) as conn:
                    conn.execute(f'LISTEN "{self.channel}"')
                    self._listening.set()
                    self.notifier.notify()  # anything committed while not listening
                    delay = 0.1
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=SAFETY_READ, stop_after=64):
                            self.notifier.notify()
            except (psycopg.Error, OSError) as error:
                log.warning("listening on %s: %s", self.channel, first_line(error))
                self._listening.set()  # watchers fall back to their safety reads
                self._stop.wait(delay)
                delay = min(delay * 2, 5.0)
