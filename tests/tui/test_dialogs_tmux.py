"""The `u`, `s`, `r` and `v` dialogs end to end, in a real terminal under
tmux: keys sent as a person types them (a word as one burst), what the
terminal shows, and what the store recorded."""

from __future__ import annotations

from pathlib import Path

from tests.tui.helpers import NOW, realistic_incident
from tests.tui.test_e2e_tmux import Tmux, _command, tmux  # noqa: F401  (the fixture)
from warroom.core.clock import FixedClock
from warroom.core.events import Event
from warroom.core.incident import Incident
from warroom.store.sqlite import SQLiteStore

WINDOW = "dlg:0"


def open_room(tmux: Tmux) -> tuple[Incident, int]:  # noqa: F811
    """INC-1 of the realistic fixture, its war room open in a real terminal."""
    store = SQLiteStore(Path(tmux.env["WARROOM_DB"]))
    try:
        incident = realistic_incident(store, FixedClock(NOW))
        since = store.last_gseq()
    finally:
        store.close()
    tmux(
        "new-session",
        "-d",
        "-s",
        "dlg",
        "-x",
        "120",
        "-y",
        "36",
        _command(tmux.env, "tui", "INC-1"),
    )
    tmux.wait_for(WINDOW, incident.title)
    tmux.wait_for(WINDOW, "tester joined")  # loaded, and I joined: keys are commands
    return incident, since


def written(tmux: Tmux, since: int) -> list[Event]:  # noqa: F811
    store = SQLiteStore(Path(tmux.env["WARROOM_DB"]))
    try:
        return [e for e in store.events_after(since) if e.kind != "participant_joined"]
    finally:
        store.close()


def closed(screen: str) -> bool:
    return "Enter posts" not in screen and "Enter saves" not in screen and "Tab:" not in screen


def test_an_update_typed_after_u_is_what_is_stored(tmux: Tmux) -> None:  # noqa: F811
    incident, since = open_room(tmux)
    tmux("send-keys", "-t", WINDOW, "u")
    screen = tmux.wait_for(WINDOW, "Update to customers")
    assert incident.summary in screen  # the pre-fill, shown (and selected)
    tmux("send-keys", "-t", WINDOW, "-l", "Checkout recovered after rollback")
    tmux.wait_for(WINDOW, "Checkout recovered after rollback")
    tmux("send-keys", "-t", WINDOW, "Enter")
    tmux.wait_until(WINDOW, closed, "the update dialog closed")
    tmux.wait_for(WINDOW, "[customers] Checkout recovered")
    assert [(e.kind, e.data) for e in written(tmux, since)] == [
        ("comms_update", {"text": "Checkout recovered after rollback", "audience": "customers"})
    ]


def test_s_enter_twice_moves_the_status_forward(tmux: Tmux) -> None:  # noqa: F811
    _incident, since = open_room(tmux)  # identified
    for expected in ("MITIGATED", "RESOLVED"):
        tmux("send-keys", "-t", WINDOW, "s")
        tmux.wait_for(WINDOW, "Change the status")
        tmux("send-keys", "-t", WINDOW, "Enter")
        tmux.wait_until(
            WINDOW,
            lambda screen, expected=expected: f"● {expected}" in screen and closed(screen),
            f"the status {expected}",
        )
    assert [e.data["to"] for e in written(tmux, since)] == ["mitigated", "resolved"]


def test_a_name_typed_after_r_and_a_digit_after_v(tmux: Tmux) -> None:  # noqa: F811
    _incident, since = open_room(tmux)
    tmux("send-keys", "-t", WINDOW, "r")
    tmux.wait_for(WINDOW, "Roles")
    tmux.wait_for(WINDOW, "Person")
    tmux("send-keys", "-t", WINDOW, "-l", "dana")
    tmux("send-keys", "-t", WINDOW, "Tab")
    tmux("send-keys", "-t", WINDOW, "-l", "s")  # Support Lead
    tmux("send-keys", "-t", WINDOW, "Enter")
    tmux.wait_until(
        WINDOW,
        lambda screen: "dana assigned support" in screen and closed(screen),
        "dana assigned support, in the timeline",
    )
    tmux("send-keys", "-t", WINDOW, "v")
    tmux.wait_for(WINDOW, "Change the severity")
    tmux("send-keys", "-t", WINDOW, "-l", "4")
    tmux("send-keys", "-t", WINDOW, "Enter")
    tmux.wait_until(
        WINDOW, lambda screen: "SEV4" in screen and closed(screen), "SEV4 in the header"
    )
    assert [(e.kind, e.data) for e in written(tmux, since)] == [
        ("role_assigned", {"role": "support", "person": "dana"}),
        ("severity_changed", {"severity": 4}),
    ]
