"""`[[notify]]` routes: read with errors naming the file, the route and the
key; which events go to which route (severities, services, audiences); the
update rhythm's reminders, once per overdue interval."""

from __future__ import annotations

import pytest

from warroom.core.clock import FixedClock
from warroom.core.errors import UsageError
from warroom.core.notify import load_routes, route_matches
from warroom.services.incidents import declare, write
from warroom.services.notify.router import States, deliveries_for, reminders_for
from warroom.store.sqlite import SQLiteStore

ROUTE = {"name": "sev1-2", "on": ["declared", "comms_update"], "apprise": ["json://h/x"]}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"on": ["declard"]}, "[[notify]] #1 ('sev1-2') key 'on': 'declard' is not one of"),
        ({"on": "declared"}, "key 'on': must be a list of strings"),
        ({"max_per_minute": 0}, "key 'max_per_minute': must be a whole number of at least 1"),
        ({"severities": ["1"]}, "key 'severities': must be a list of numbers"),
        ({"apprise": []}, "[[notify]] #1 ('sev1-2'): sends nowhere"),
        ({"handoff": 1}, "key 'handoff': unknown key"),
        ({"name": ""}, "[[notify]] #1 key 'name': must be a non-empty string"),
    ],
)
def test_a_bad_route_names_file_route_and_key(change: dict, says: str) -> None:
    with pytest.raises(UsageError) as error:
        load_routes([("/etc/warroom/config.toml", {"notify": [{**ROUTE, **change}]})])
    assert str(error.value).startswith("bad configuration in /etc/warroom/config.toml: ")
    assert says in str(error.value)


def test_a_later_file_replaces_a_route_of_the_same_name() -> None:
    config = load_routes(
        [
            ("site.toml", {"notify": [ROUTE, {**ROUTE, "name": "other"}]}),
            (
                "user.toml",
                {"notify": [{**ROUTE, "max_per_minute": 2}], "notifier": {"give_up_minutes": 5}},
            ),
        ]
    )
    assert sorted(config.routes) == ["other", "sev1-2"]
    assert config.routes["sev1-2"].max_per_minute == 2 and config.give_up_minutes == 5
    assert config.routes["other"].max_per_minute == 6


def test_filters() -> None:
    route = load_routes(
        [
            (
                "c",
                {
                    "notify": [
                        {
                            **ROUTE,
                            "severities": [1, 2],
                            "services": ["api"],
                            "audiences": ["customers"],
                        }
                    ]
                },
            )
        ]
    ).routes["sev1-2"]
    assert route_matches(route, "declared", 1, "api")
    assert not route_matches(route, "declared", 3, "api")
    assert not route_matches(route, "declared", 1, "db")
    assert not route_matches(route, "severity_changed", 1, "api")
    assert route_matches(route, "comms_update", 2, "api", "customers")
    assert not route_matches(route, "comms_update", 2, "api", "internal")


def test_routing_reads_the_incident_as_it_was_at_the_event(
    sqlite_store: SQLiteStore, clock
) -> None:
    config = load_routes(
        [
            (
                "c",
                {
                    "notify": [
                        {**ROUTE, "severities": [1, 2]},
                        {**ROUTE, "name": "all", "command": ["x", "a b"]},
                    ]
                },
            )
        ]
    )
    incident = declare(sqlite_store, "dana", clock, "db down", severity=3)
    write(sqlite_store, incident.id, "severity_changed", "dana", {"severity": 1}, clock)
    states = States(sqlite_store)
    declared = sqlite_store.events(incident.id)[0]
    found = deliveries_for(declared, states.after(declared), config)
    assert [(d.route, d.target) for d in found] == [
        ("all", "json://h/x"),
        ("all", "command:x 'a b'"),
    ]
    assert found[0].payload.startswith("INC-1 SEV3 investigating: db down")


def test_an_overdue_update_is_reminded_once_per_interval(
    sqlite_store: SQLiteStore, clock: FixedClock
) -> None:
    config = load_routes([("c", {"notify": [{**ROUTE, "on": ["update_overdue"]}]})])
    incident = declare(sqlite_store, "dana", clock, "db down", severity=1)
    write(
        sqlite_store,
        incident.id,
        "role_assigned",
        "dana",
        {"role": "comms", "person": "erik"},
        clock,
    )
    assert reminders_for(sqlite_store.incidents(), config, sqlite_store.catalog, clock.now()) == []
    every = sqlite_store.catalog.severities[1].update_every_minutes
    clock.advance(minutes=every + 1)
    first = reminders_for(sqlite_store.incidents(), config, sqlite_store.catalog, clock.now())
    assert len(first) == 1 and "reminding erik" in first[0].payload
    clock.advance(minutes=1)
    again = reminders_for(sqlite_store.incidents(), config, sqlite_store.catalog, clock.now())
    assert again[0].event_id == first[0].event_id  # the same interval: the same key, sent once
    clock.advance(minutes=every)
    later = reminders_for(sqlite_store.incidents(), config, sqlite_store.catalog, clock.now())
    assert later[0].event_id != first[0].event_id


def test_a_drill_notifies_nobody(sqlite_store: SQLiteStore, clock: FixedClock) -> None:
    config = load_routes([("c", {"notify": [{**ROUTE, "on": ["declared", "update_overdue"]}]})])
    drill = declare(sqlite_store, "dana", clock, "game day", severity=1, drill=True)
    declared = sqlite_store.events(drill.id)[0]
    assert deliveries_for(declared, States(sqlite_store).after(declared), config) == []
    clock.advance(hours=3)
    assert reminders_for(sqlite_store.incidents(), config, sqlite_store.catalog, clock.now()) == []
