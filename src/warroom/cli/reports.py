"""`warroom postmortem` and `warroom metrics`: the review draft of one
incident, and the response metrics of many."""

from __future__ import annotations

import argparse

from warroom.cli.context import Context
from warroom.cli.output import say, say_json, write_out
from warroom.cli.parser import Commands

METRICS_EPILOG = """\
definitions:
  MTTD  time to detect: detected - impact start (only incidents whose start was recorded)
  MTTA  time to acknowledge: acknowledged - detected
  MTTM  time to mitigate: mitigated - detected
  MTTR  time to resolve: resolved - detected
  each as mean, median and p90 (nearest rank) over the incidents that have both times;
  drills and cancelled incidents are excluded; an incident belongs to the period, the
  ISO week and the month (UTC) in which it was detected.

--json prints one object:
  {"mttd": {"mean_seconds": float|null, "median_seconds": float|null,
            "p90_seconds": float|null, "count": int},
   "mtta": {...}, "mttm": {...}, "mttr": {...},
   "impact": {...}  (time impacted: impact start to mitigated, else resolved),
   "per_week": [{"week": "2026-W05", "starts": "2026-01-26", "incidents": int}, ...],
   "per_month": [{"month": "2026-01", "incidents": int, "mttr": {...as above}}, ...],
   "severity": {"1": int, ..., "5": int},
   "repeat_services": [{"service": str, "incidents": int, "refs": ["INC-3", ...]}, ...]}
  per_week and per_month run from the first incident's week/month to the last one's,
  empty ones included; repeat_services lists services with two or more incidents,
  most first.
"""


def register(commands: Commands) -> None:
    sub = commands.add(
        "postmortem", "write the blameless review draft of an incident (Markdown)", postmortem
    )
    sub.add_argument("ref")
    sub.add_argument("--out", metavar="FILE", help="default: standard output")

    sub = commands.add(
        "metrics",
        "response metrics: MTTD, MTTA, MTTM, MTTR, incidents per week and month, "
        "severities, repeat services",
        metrics,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=METRICS_EPILOG,
    )
    sub.add_argument("--since", metavar="T", help="detected at or after T (e.g. 2026-01-01, -30d)")
    sub.add_argument("--until", metavar="T", help="detected before T")
    sub.add_argument("--service", metavar="S", help="only this service (any case)")
    sub.add_argument("--sev", type=int, metavar="N", help="only this (current) severity")
    sub.add_argument("--json", action="store_true")


def postmortem(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.postmortem import render_postmortem

    incident_id = ctx.store.resolve(args.ref)
    text = render_postmortem(
        ctx.store.incident(incident_id), ctx.store.events(incident_id), ctx.catalog, ctx.clock.now()
    )
    write_out(args.out, text)
    return 0


def metrics(ctx: Context, args: argparse.Namespace) -> int:
    from warroom.core.metrics import compute, parse_filters, report_text

    if args.sev is not None:
        ctx.catalog.check_severity(args.sev)
    filters = parse_filters(
        ctx.clock.now(),
        since=args.since,
        until=args.until,
        service=args.service,
        severity=args.sev,
        names=("--since", "--until"),
    )
    report = compute(
        ctx.store.incidents(include_closed=True), filters, levels=ctx.catalog.severities
    )
    if args.json:
        say_json(report.to_json())
    else:
        names = {level: severity.name for level, severity in ctx.catalog.severities.items()}
        say(report_text(report, names))
    return 0
