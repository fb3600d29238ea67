"""On-call: people, schedules, escalation policies and services (the tables,
`model`; reading them, `load`; secrets in them, `secrets`), who is on call
when (`schedule`, on local wall-clock time: `wallclock`), and which pages of
an escalation policy are due (`escalation`).  Pure: times come in as
arguments, never from a clock read here."""
