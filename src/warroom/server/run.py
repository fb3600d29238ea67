"""`warroom serve`: the API on uvicorn, one log line per request, a shutdown
on SIGTERM/SIGINT that ends open streams instead of waiting for them, and
connections that cannot exhaust the process (`warroom.server.protocol`)."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn

from warroom.core.notify import NotifyConfig
from warroom.core.oncall.model import OnCall
from warroom.core.statuspage.config import PageConfig
from warroom.server.alerts import AlertConfig
from warroom.server.app import create_app
from warroom.server.limits import (
    GRACEFUL_SECONDS,
    HEADER_TIMEOUT,
    HEARTBEAT_SECONDS,
    KEEP_ALIVE_TIMEOUT,
    MAX_CONNECTIONS,
)
from warroom.server.protocol import (
    AcceptErrorLog,
    connection_cap,
    descriptor_limit,
    guarded_http,
)
from warroom.server.statuspage import create_public_app
from warroom.store.base import Store

if TYPE_CHECKING:
    from warroom.services.notify.sender import Sender

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


class _Server(uvicorn.Server):
    """uvicorn, but a shutdown signal also ends the app's live streams (uvicorn
    would otherwise wait for them until the graceful timeout)."""

    def __init__(self, config: uvicorn.Config, on_exit: object) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()  # type: ignore[operator]
        super().handle_exit(sig, frame)

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        AcceptErrorLog().install(asyncio.get_running_loop())
        await super().serve(sockets)


def configure_logging() -> None:
    """warroom's and uvicorn's messages as plain lines on stderr.  uvicorn's
    access log stays off: it would print query strings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("warroom.server", "warroom.notify", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


def serve(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8080,
    heartbeat: float = HEARTBEAT_SECONDS,
    header_timeout: float = HEADER_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    alerts: AlertConfig | None = None,
    sweep: float | None = None,
    page: PageConfig | dict | None = None,
    public_port: int | None = None,
    public_url: str | None = None,
    ack_secret: str | None = None,
    notify: NotifyConfig | None = None,
    rounds: Sequence[Callable[[Sender], object]] = (),
    oncall: OnCall | None = None,
) -> int:
    """Serve `store` until SIGTERM or SIGINT; returns the exit status.
    `header_timeout`: seconds a connection has to send a request's headers;
    `max_connections`: open connections at most (fewer if the descriptor
    limit demands it); `alerts`: the alert rules and settings (default: the
    shipped rules); `sweep`: seconds between the alert sweeper's rounds;
    `page`: the status page's configuration (or its `[statuspage]` table);
    `public_port`: also serve the status page alone (`/status`, `/api/v2`)
    on this port; `public_url`: where browsers reach the server (https: the
    room view's cookie is Secure); `ack_secret`: signs the pages' ack links
    (`/ack/TOKEN`); `notify`: the `[[notify]]` routes (the app then runs the
    store's sender, with `rounds`: the escalation runner); `oncall`: the
    on-call tables posted overrides are checked against."""
    configure_logging()
    if isinstance(page, dict):
        page = PageConfig.from_settings(page, None)
    app = create_app(
        store,
        heartbeat=heartbeat,
        alerts=alerts,
        sweep=sweep,
        page=page,
        ack_secret=ack_secret,
        notify=notify,
        rounds=rounds,
        public_url=public_url,
        oncall=oncall,
    )
    cap = connection_cap(descriptor_limit(), max_connections)
    # One process (no `workers`): every append goes through the app's one
    # group-commit writer, which cannot span processes.  `http` is httptools
    # (a dependency: ~10% less CPU per request than h11, needed for the 800
    # POST/s target) with a header deadline and a connection cap; `loop`
    # stays "auto" (uvloop if installed); access_log is off, AccessLog logs instead;
    # no X-Forwarded-* handling: nothing here uses the client's address.
    config = _config(app, host, port, header_timeout, cap)
    servers = [_Server(config, lambda: _stop(app, servers))]
    if public_port is not None:
        public = create_public_app(app, heartbeat)
        public_config = _config(public, host, public_port, header_timeout, cap, lifespan="off")
        servers.append(_Server(public_config, lambda: _stop(app, servers)))
    if len(servers) == 1:
        servers[0].run()
    else:
        asyncio.run(_serve_all(servers))
    return 0 if all(server.started for server in servers) else 1


def _stop(app: object, servers: list[_Server]) -> None:
    """A shutdown signal (caught by any of the servers) stops them all."""
    app.state.hub.stop()  # type: ignore[attr-defined]
    for server in servers:
        server.should_exit = True


async def _serve_all(servers: list[_Server]) -> None:
    """Several servers on one event loop (the main one first: its lifespan
    starts the hub the others share); when one stops, all do."""
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)


def _config(
    app: object,
    host: str,
    port: int,
    header_timeout: float,
    cap: int,
    lifespan: str = "on",
) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,  # type: ignore[arg-type]
        http=guarded_http(header_timeout, cap),
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        proxy_headers=False,
    )
