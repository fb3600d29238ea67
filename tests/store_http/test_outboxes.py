"""The outbox files of one store (`warroom.store.outboxes`): found by the
store id, and whichever is in use takes in the events the others hold."""

from __future__ import annotations

from pathlib import Path

from warroom.core.clock import SYSTEM_CLOCK
from warroom.core.events import Event, make_event, new_id
from warroom.store.localfile import LocalFile
from warroom.store.outbox import REJECTED, Outbox
from warroom.store.outboxes import Index, url_file

STORE = "5f0c2a9e4b7d4e1f8a3b6c2d1e0f9a8b"


def _file(path: Path, store_id: str | None, server: str = "http://a:8080") -> LocalFile:
    file = LocalFile(path)
    file.put("server", server)
    if store_id is not None:
        file.put("store_id", store_id)
    return file


def _events(count: int) -> list[Event]:
    incident_id = new_id()
    return [
        make_event(incident_id, "note", "alice", {"text": f"n{n}"}, SYSTEM_CLOCK.now())
        for n in range(count)
    ]


def test_a_list_of_urls_finds_its_stores_file_by_any_url_it_knows(tmp_path: Path) -> None:
    index = Index(tmp_path)
    a, b = "http://a:8080", "http://b:8080"
    assert index.file_for([a, b]) == url_file(tmp_path, a)  # nothing known yet
    _file(url_file(tmp_path, a), STORE).close()
    index.learn(a, STORE)
    index.belongs(url_file(tmp_path, a), STORE)
    for urls in ([a], [b, a], ["http://c:1", a, b]):
        assert index.file_for(urls) == url_file(tmp_path, a)
    assert index.file_for([b]) == url_file(tmp_path, b)  # b not known to serve it yet


def test_the_file_in_use_takes_in_the_stores_events_from_its_other_files(tmp_path: Path) -> None:
    index = Index(tmp_path)
    home, other, elsewhere = tmp_path / "home.db", tmp_path / "other.db", tmp_path / "else.db"
    first, second, foreign = _events(2), _events(1), _events(1)
    for path, events, store_id in (
        (home, [], STORE),
        (other, [first, second], STORE),
        (elsewhere, [foreign], "another-store"),
    ):
        file = _file(path, store_id)
        for group in events:
            Outbox(file).queue(group, SYSTEM_CLOCK.now())
        index.belongs(path, store_id)
        file.close()
    rejected = Outbox(LocalFile(other))
    rejected.reject(rejected.entries()[-1].group, "refused", "the incident was closed")
    rejected.file.close()

    outbox = Outbox(LocalFile(home))
    assert index.adopt(outbox, STORE, ["http://a:8080"]) == 3
    entries = outbox.entries(("pending", REJECTED))
    assert [entry.event.id for entry in entries] == [e.id for e in first + second]
    assert entries[0].group == entries[1].group != entries[2].group  # groups kept
    assert [entry.state for entry in entries] == ["pending", "pending", REJECTED]
    left = Outbox(LocalFile(other))
    assert left.entries(("pending", REJECTED)) == []
    assert index.adopt(outbox, STORE, []) == 0  # nothing twice
    assert index.read()["files"][STORE] == [str(home)]  # the emptied file is forgotten

    # The other way round: a file still listed for the store takes in the
    # store's own file's events, and stays listed until those move back.
    index.belongs(other, STORE)
    later = _events(1)
    outbox.queue(later[0:1], SYSTEM_CLOCK.now())
    outbox.file.close()
    assert index.adopt(left, STORE, []) == 4
    assert index.read()["files"][STORE] == [str(home), str(other)]
    assert Outbox(LocalFile(elsewhere)).count() == 1  # another store's file is left alone
