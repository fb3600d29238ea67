"""On-call: people, schedules, escalation policies and services (the tables,
`model`; reading them, `load`), and who is on call when (`schedule`).  Pure:
times come in as arguments, never from a clock read here."""
