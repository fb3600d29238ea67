"""The server's sizes, limits and timeouts, in one place.

The event size itself (`EVENT_DATA_MAX`) is shared with every store and
client, so it lives in `warroom.core.limits`.
"""

from __future__ import annotations

from warroom.core.alerts.payload import PAYLOAD_MAX

# -- request bodies ------------------------------------------------------------------
EVENT_BODY_MAX = 1024 * 1024  # any API body; an event's data alone is at most EVENT_DATA_MAX
ALERT_BODY_MAX = PAYLOAD_MAX  # the alert webhooks accept up to this (as `warroom alert ingest`)
# Read (and drop) up to this much of a body that is too large before answering
# 413, so the client is not cut off mid-upload and sees the answer.
DRAIN_MAX = 8 * 1024 * 1024
BATCH_MAX = 5_000  # events in one batch or import request
DATA_DEPTH_MAX = 32  # nesting levels of an event's data

# -- reads ---------------------------------------------------------------------------
READ_LIMIT = 1000  # events per read, by default (at most 10,000)
ENCODE_INLINE_MAX = 50  # events; a longer answer is encoded off the event loop
MAX_WAIT_SECONDS = 30.0  # the longest long poll

# -- live streams --------------------------------------------------------------------
HEARTBEAT_SECONDS = 15.0  # a comment on an idle stream; also when its token is re-checked
STREAM_PAGE = 500  # events per catch-up read of a stream, at most ...
STREAM_PAGE_BYTES = 4 * 1024 * 1024  # ... and about this many bytes (large events: fewer)
STREAM_FIRST_PAGE = 16  # the first read's size, before the events' size is known
# A subscriber whose queue of undelivered events passes either cap (it does not
# read, or reads too slowly) is dropped: its stream ends and the client resumes
# with Last-Event-ID, losing nothing.
SUBSCRIBER_QUEUE_MAX = 10_000  # events
SUBSCRIBER_QUEUE_BYTES = 8 * 1024 * 1024  # bytes of encoded events
NOTICE_QUEUE_MAX = 16  # notices (the inbox event) a subscriber keeps, newest
HUB_RESTART_DELAY = 0.5  # seconds before the hub's watch is retried after an error

# -- alerts ------------------------------------------------------------------------
ALERT_PARSE_INLINE_MAX = 64 * 1024  # bytes; a larger alert body is parsed off the event loop
ALERT_DECIDE_INLINE_MAX = 200  # alerts; the rules decide for more off the event loop
INBOX_NOTICE_SECONDS = 0.25  # the inbox event: at most one per this many seconds
INBOX_NOTICE_IDS = 100  # alert ids one inbox event names, at most
SWEEP_SECONDS = 5.0  # finished alert buckets become summary entries this often
PURGE_SECONDS = 3600.0  # alerts past their retention are purged this often
ALERT_LIST_MAX = 10_000  # alerts one GET /api/v1/alerts returns, at most

# -- connections ---------------------------------------------------------------------
HEADER_TIMEOUT = 10.0  # seconds for a request's headers to arrive, from its first byte
KEEP_ALIVE_TIMEOUT = 5  # seconds an idle keep-alive connection is kept
MAX_CONNECTIONS = 4096  # open connections, and never more than the descriptors allow ...
FD_RESERVE_MIN = 64  # ... less this many (or an eighth of the limit) for files and threads
GRACEFUL_SECONDS = 3.0  # a shutdown waits this long for requests (streams end at once)
ACCEPT_LOG_SECONDS = 10.0  # an accept error ("Too many open files") is logged this often

# -- the store -----------------------------------------------------------------------
GROUP_MAX = 5_000  # a commit group stops taking requests once it holds this many events
STORE_LOG_SECONDS = 60.0  # a store that cannot write (disk full) is logged this often
