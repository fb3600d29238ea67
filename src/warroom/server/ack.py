"""The signed ack link of a page (`/ack/TOKEN`, when `public_url` is
configured; signed with `ack_secret`, or without it a random secret the store
keeps), so a phone can acknowledge without a token or a terminal.

GET shows the incident and one button (a chat's link preview fetches links:
it must never acknowledge); POST acknowledges, as the paged person, through
the writer (`page_acknowledged`, via "link").  The token is signed with the
server's `ack_secret` (`warroom.services.paging.ack_token`); it works once,
since an incident is acknowledged once: the second use says by whom.  The
page is plain HTML built here, every string escaped, no script.
"""

from __future__ import annotations

from html import escape

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from warroom.core.clock import Clock
from warroom.core.errors import NotFound, Refused
from warroom.core.events import make_event
from warroom.core.text import clean_line
from warroom.server.writer import GroupWriter
from warroom.services.paging import ACK_PATH, read_ack_token
from warroom.store.base import Store

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def add_ack_routes(
    router: APIRouter, store: Store, writer: GroupWriter, secret: str, clock: Clock
) -> None:
    def find(token: str) -> tuple[str, str]:
        return read_ack_token(secret, token)

    @router.get(ACK_PATH + "{token}", include_in_schema=False)
    async def confirm(token: str) -> HTMLResponse:
        try:
            incident_id, person = find(token)
            incident = await to_thread.run_sync(store.incident, incident_id)
        except (Refused, NotFound) as error:
            return _page("Not acknowledged", f"<p>{escape(clean_line(str(error)))}</p>", 404)
        about = f"{incident.ref} SEV{incident.severity}: {clean_line(incident.title)}"
        if incident.acked_by is not None:
            done = f"Already acknowledged by {clean_line(incident.acked_by)}."
            return _page(about, f"<p>{escape(done)}</p>")
        return _page(
            about,
            f"<p>Paged: {escape(clean_line(person))}. Status: {escape(incident.status)}.</p>"
            f'<form method="post"><button type="submit">Acknowledge as '
            f"{escape(clean_line(person))}</button></form>",
        )

    @router.post(ACK_PATH + "{token}", include_in_schema=False)
    async def acknowledge(token: str) -> HTMLResponse:
        try:
            incident_id, person = find(token)
            incident = await to_thread.run_sync(store.incident, incident_id)
        except (Refused, NotFound) as error:
            return _page("Not acknowledged", f"<p>{escape(clean_line(str(error)))}</p>", 404)
        about = f"{incident.ref}: {clean_line(incident.title)}"
        data = {"person": person, "via": "link"}
        event = make_event(
            incident.id, "page_acknowledged", person, data, clock.now(), incident.last_seq
        )
        try:
            await writer.append([event])
        except Refused as error:  # acknowledged meanwhile: the link worked once
            return _page(about, f"<p>{escape(clean_line(str(error)))}</p>", 409)
        done = f"Acknowledged by {clean_line(person)}: the escalation stopped."
        return _page(about, f"<p>{escape(done)}</p>")
