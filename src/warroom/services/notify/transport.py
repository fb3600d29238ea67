"""Sending one message to one target: an Apprise URL, or a command.

A command (`command:` and its command line) runs without a shell, gets the
event JSON on stdin, and has succeeded when it exits 0 within the timeout.
An Apprise URL (or its `env:NAME` / `file:PATH` reference, revealed only
here) gets the text; targets that read Markdown (Slack, Discord, Telegram,
Mattermost, Teams...) get it escaped, line by line, so untrusted text adds
no formatting or links (Slack: no mentions either, `<` `>` `&` as
entities).  Failure is `SendError` with a short reason that never holds the
revealed URL.

Apprise is imported here, on the first message only.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping

from warroom.core.errors import UsageError
from warroom.core.notify import COMMAND_PREFIX
from warroom.core.oncall.secrets import Address
from warroom.core.text import clean_line, markdown_escape

COMMAND_TIMEOUT = 30.0  # seconds a command may take
ERROR_MAX = 300  # characters of a reason kept
# Chats that render Markdown in what they are sent, whatever format Apprise
# names first for them: untrusted text is escaped for these too.
MARKDOWN_SCHEMES = frozenset(
    {"slack", "discord", "mmost", "mmosts", "msteams", "matrix", "matrixs", "zulip",
     "rocket", "rockets", "gchat", "workflow", "workflows", "ncloudtalk", "nctalk"}
)  # fmt: skip


SLACK_SCHEMES = frozenset({"slack"})  # mrkdwn: `<...>` makes mentions and links


class SendError(Exception):
    """A message was not delivered; str() is the reason (no secrets)."""


def send(target: str, text: str, event_json: str, env: Mapping[str, str] | None = None) -> None:
    """Deliver `text` (and, to a command, `event_json`) to `target`, or raise SendError."""
    env = os.environ if env is None else env
    if target.startswith(COMMAND_PREFIX):
        _run(shlex.split(target[len(COMMAND_PREFIX) :]), event_json)
    else:
        _apprise(Address(target), text, env)


def warm() -> None:
    """Import Apprise now (a sender starting), so the first page does not wait
    for it (its plugins take most of a second to load)."""
    import apprise

    apprise.Apprise()


def shown(target: str) -> str:
    """A target as listings show it: an Apprise URL's secrets masked."""
    if target.startswith(COMMAND_PREFIX):
        return target
    return Address(target).shown


def _run(argv: list[str], event_json: str) -> None:
    if not argv:
        raise SendError("empty command")
    try:
        done = subprocess.run(
            argv,
            input=event_json.encode(),
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise SendError(f"command not found: {argv[0]}") from None
    except PermissionError:
        raise SendError(f"command not executable: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise SendError(f"command took over {COMMAND_TIMEOUT:g} s: {argv[0]}") from None
    except OSError as error:
        raise SendError(f"command failed to start: {argv[0]}: {error.strerror}") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        tail = f": {said[-1]}" if said else ""
        raise SendError(_short(f"command exited {done.returncode}{tail}"))


def _apprise(address: Address, text: str, env: Mapping[str, str]) -> None:
    import apprise

    try:
        url = address.reveal(env)
    except UsageError as error:
        raise SendError(str(error)) from None
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise SendError(f"{address.shown} is not an Apprise URL Apprise can use")
    body_format = apprise.NotifyFormat.TEXT
    preferred = notifier[0].notify_format
    if isinstance(preferred, tuple):
        preferred = preferred[0]
    scheme = url.partition("://")[0].lower()
    if preferred == apprise.NotifyFormat.MARKDOWN or scheme in MARKDOWN_SCHEMES:
        text = chat_markdown(text, scheme)
        body_format = apprise.NotifyFormat.MARKDOWN
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        delivered = notifier.notify(body=text, title="", body_format=body_format)
    if not delivered:
        lines = [line for line in captured.getvalue().splitlines() if line.strip()]
        reason = lines[-1] if lines else "Apprise could not deliver it"
        raise SendError(_short(reason.replace(url, address.shown)))


def chat_markdown(text: str, scheme: str) -> str:
    """A message for a chat that renders Markdown: each line escaped so that
    untrusted text adds no formatting or links; for Slack (whose mrkdwn
    ignores backslashes and reads `<!here>`, `<@U123>` and `<url|label>`
    as mentions and links) also `&`, `<` and `>` as the entities Slack asks for."""
    text = "\n".join(markdown_escape(line) for line in text.splitlines())
    if scheme in SLACK_SCHEMES:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _short(text: str) -> str:
    text = clean_line(text).strip()
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"
