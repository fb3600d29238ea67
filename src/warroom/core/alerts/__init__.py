"""Alerts from monitoring: the normalised alert (`model`), each source's
payload read into it (`sources`), the rules that decide what an alert does
(`rules`).  Pure: no store, no web framework."""

SOURCES: tuple[str, ...] = ("alertmanager", "grafana", "pagerduty", "generic")
