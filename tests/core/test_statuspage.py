"""The public status page's data: only what responders published, and the
Statuspage shapes of it (pure: built from logs made with the builder)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.core.builder import T0, Log, minutes
from warroom.core.errors import Refused
from warroom.core.statuspage.config import COMPONENT_STATES, PageConfig, parse_component_setting
from warroom.core.statuspage.model import build_page, public_incident
from warroom.core.statuspage.shapes import JSON_FILES, document, encode

CONFIG = PageConfig.from_settings(
    {
        "title": "Example status",
        "time_zone": "Europe/Paris",
        "components": [
            {"id": "api", "name": "API", "group": "Core"},
            {"id": "web", "name": "Website"},
        ],
    },
    "https://status.example.com",
)
INTERNAL = ("db-7 disk full", "internal note", "for leadership", "alice", "SEV1", "https://chat")


def incident(**declared: object) -> Log:
    log = Log()
    log.declare(title="db-7 disk full", severity=1, **declared)
    log.add("note", {"text": "internal note"})
    log.add("comms_update", {"text": "for leadership", "audience": "leadership"})
    log.add("link_added", {"url": "https://chat", "label": "bridge"})
    return log


def customers(log: Log, text: str, **public: object) -> None:
    log.add("comms_update", {"text": text, "audience": "customers", **public})


def test_an_incident_is_public_only_from_its_first_customers_update() -> None:
    log = incident()
    assert public_incident(log.events, log.catalog) is None
    customers(log, "We are looking into errors", public_title="Errors on the API")
    public = public_incident(log.events, log.catalog)
    assert public is not None
    assert public.name(CONFIG) == "Errors on the API"
    assert [u.body for u in public.updates] == ["We are looking into errors"]
    assert public.status == "investigating"


def test_nothing_internal_reaches_the_json() -> None:
    log = incident()
    customers(log, "We are looking into errors", components={"api": "partial_outage"})
    page = build_page(CONFIG, [public_incident(log.events, log.catalog)], minutes(30))
    for name in JSON_FILES:
        text = encode(document(page, name)).decode()
        for secret in INTERNAL:
            assert secret not in text, (name, secret)


def test_the_default_public_title_names_the_components() -> None:
    log = incident()
    customers(log, "Errors", components={"api": "degraded_performance"})
    public = public_incident(log.events, log.catalog)
    assert public is not None and public.name(CONFIG) == "Investigating issues with API"


def test_drills_never_appear() -> None:
    log = incident(drill=True)
    customers(log, "We are looking into errors")
    assert public_incident(log.events, log.catalog) is None


@pytest.mark.parametrize(
    ("moves", "shown"),
    [
        ((), "investigating"),
        (("identified",), "identified"),
        (("mitigated",), "monitoring"),
        (("resolved",), "resolved"),
        (("resolved", "closed"), "resolved"),
        (("cancelled",), "resolved"),
        (("resolved", "investigating"), "investigating"),
    ],
)
def test_the_public_status_follows_the_workflow(moves: tuple[str, ...], shown: str) -> None:
    log = incident()
    customers(log, "Errors")
    for move in moves:
        log.add("status_changed", {"to": move})
    public = public_incident(log.events, log.catalog)
    assert public is not None and public.status == shown
    assert (public.resolved_at is not None) == (shown == "resolved")


def test_components_are_set_by_customers_updates_and_freed_on_resolution() -> None:
    log = incident()
    customers(log, "Errors", components={"api": "major_outage"})
    page = build_page(CONFIG, [public_incident(log.events, log.catalog)], minutes(30))
    states = {view.component.id: view.status for view in page.components}
    assert states == {"api": "major_outage", "web": "operational"}
    assert page.indicator == "critical"
    summary = document(page, "summary.json")
    assert summary["status"] == {"indicator": "critical", "description": "Major Service Outage"}
    assert summary["incidents"][0]["impact"] == "critical"
    log.add("status_changed", {"to": "resolved"})
    page = build_page(CONFIG, [public_incident(log.events, log.catalog)], minutes(30))
    assert {view.status for view in page.components} == {"operational"}
    assert page.indicator == "none" and not page.unresolved and len(page.recent) == 1
    assert document(page, "status.json")["status"]["description"] == "All Systems Operational"


def test_resolved_incidents_leave_the_page_after_90_days() -> None:
    log = incident()
    customers(log, "Errors")
    log.add("status_changed", {"to": "resolved"})
    public = [public_incident(log.events, log.catalog)]
    assert len(build_page(CONFIG, public, T0 + timedelta(days=89)).recent) == 1
    assert build_page(CONFIG, public, T0 + timedelta(days=91)).recent == ()


def test_the_statuspage_shapes() -> None:
    log = incident()
    customers(log, "Errors", public_title="API errors", components={"api": "partial_outage"})
    log.add("status_changed", {"to": "mitigated"})
    customers(log, "Fixed, watching", components={"api": "operational"})
    page = build_page(CONFIG, [public_incident(log.events, log.catalog)], minutes(30))
    summary = document(page, "summary.json")
    assert set(summary) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert set(summary["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert summary["page"]["url"] == "https://status.example.com"
    group, api, web = summary["components"]
    assert group["group"] is True and group["components"] == ["api"]
    assert api["group_id"] == group["id"] and web["group_id"] is None
    for component in (api, web):
        assert {"id", "name", "status", "created_at", "updated_at", "position", "page_id"} <= set(
            component
        )
    (shown,) = summary["incidents"]
    assert shown["name"] == "API errors" and shown["status"] == "monitoring"
    assert shown["impact"] == "major" and shown["monitoring_at"] and shown["resolved_at"] is None
    assert shown["shortlink"].startswith("https://status.example.com/")
    newest, first = shown["incident_updates"]
    assert newest["body"] == "Fixed, watching" and newest["status"] == "monitoring"
    assert first["status"] == "investigating"
    assert newest["affected_components"] == [
        {"code": "api", "name": "API", "old_status": "partial_outage", "new_status": "operational"}
    ]
    for update in (newest, first):
        assert {"id", "status", "body", "incident_id", "created_at", "display_at"} <= set(update)
    assert document(page, "incidents/unresolved.json")["incidents"] == summary["incidents"]
    assert document(page, "incidents.json")["incidents"] == summary["incidents"]


def test_hostile_text_is_kept_as_text_without_controls() -> None:
    log = incident()
    customers(log, "a\x1b]0;pwned\x07b\u202ec", public_title="<script>x</script>")
    public = public_incident(log.events, log.catalog)
    assert public is not None
    assert public.name(CONFIG) == "<script>x</script>"
    assert "\x1b" not in public.updates[0].body and "\u202e" not in public.updates[0].body


def test_public_fields_go_with_the_customers_audience_only() -> None:
    log = incident()
    with pytest.raises(Refused, match="customers"):
        log.add("comms_update", {"text": "x", "audience": "internal", "public_title": "T"})
    with pytest.raises(Refused, match="components"):
        customers(log, "x", components={"api": "on_fire"})


def test_component_settings_and_config_errors() -> None:
    assert parse_component_setting("API=partial_outage") == ("API", "partial_outage")
    for bad in ("API", "=major_outage", "api=broken"):
        with pytest.raises(ValueError):
            parse_component_setting(bad)
    assert CONFIG.component("api") == CONFIG.component("API")
    with pytest.raises(ValueError, match="time zone"):
        PageConfig.from_settings({"time_zone": "Mars/Olympus"}, None)
    with pytest.raises(ValueError, match="same id"):
        PageConfig.from_settings({"components": [{"id": "a", "name": "A"}] * 2}, None)


# Atlassian Statuspage's public v2 shapes (what its pages answer): every key
# each object has there, and the values they take.
PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
COMPONENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description",
    "showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def check_component(entry: dict) -> None:
    keys = COMPONENT_KEYS | ({"components"} if entry["group"] else set())
    assert set(entry) == keys, set(entry) ^ keys
    assert entry["status"] in COMPONENT_STATES
    assert ISO.match(entry["created_at"]) and ISO.match(entry["updated_at"])
    assert isinstance(entry["position"], int)


def check_incident(entry: dict) -> None:
    assert set(entry) == INCIDENT_KEYS, set(entry) ^ INCIDENT_KEYS
    assert entry["status"] in ("investigating", "identified", "monitoring", "resolved")
    assert entry["impact"] in ("none", "minor", "major", "critical")
    for key in ("created_at", "updated_at", "started_at"):
        assert ISO.match(entry[key])
    for key in ("monitoring_at", "resolved_at"):
        assert entry[key] is None or ISO.match(entry[key])
    for update in entry["incident_updates"]:
        assert set(update) == UPDATE_KEYS, set(update) ^ UPDATE_KEYS
        assert update["incident_id"] == entry["id"]
        for affected in update["affected_components"] or ():
            assert set(affected) == {"code", "name", "old_status", "new_status"}
    for component in entry["components"]:
        check_component(component)


def test_every_document_has_statuspage_exact_shapes() -> None:
    log = incident()
    customers(log, "Errors", public_title="API errors", components={"api": "partial_outage"})
    log.add("status_changed", {"to": "mitigated"})
    customers(log, "Fixed, watching", components={"api": "operational"})
    old = incident()
    customers(old, "Mail is slow", components={"web": "degraded_performance"})
    old.add("status_changed", {"to": "resolved"})
    public = [public_incident(events.events, events.catalog) for events in (log, old)]
    page = build_page(CONFIG, public, minutes(30))
    for name in JSON_FILES:
        body = document(page, name)
        assert set(body["page"]) == PAGE_KEYS
        assert ISO.match(body["page"]["updated_at"])
        if "status" in body:
            assert set(body["status"]) == {"indicator", "description"}
            assert body["status"]["indicator"] in ("none", "minor", "major", "critical")
        for component in body.get("components", ()):
            check_component(component)
        for entry in body.get("incidents", ()):
            check_incident(entry)
    expected = {
        "summary.json": {"page", "status", "components", "incidents", "scheduled_maintenances"},
        "status.json": {"page", "status"},
        "components.json": {"page", "components"},
        "incidents.json": {"page", "incidents"},
        "incidents/unresolved.json": {"page", "incidents"},
    }
    for name, keys in expected.items():
        assert set(document(page, name)) == keys, name
    assert len(document(page, "incidents.json")["incidents"]) == 2
    (shown,) = document(page, "incidents/unresolved.json")["incidents"]
    assert [c["id"] for c in shown["components"]] == ["api"]  # the ones it affected


def test_the_shortlink_points_at_the_incident_on_the_page() -> None:
    from warroom.core.statuspage.shapes import shortlink

    assert (
        shortlink("https://status.example.com", "i1") == "https://status.example.com/#incident-i1"
    )
    assert (
        shortlink("https://status.example.com/", "i1") == "https://status.example.com/#incident-i1"
    )
    assert shortlink("https://ops.example.com/status", "i1") == (
        "https://ops.example.com/status#incident-i1"
    )
