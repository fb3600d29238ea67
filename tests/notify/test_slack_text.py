"""Slack reads `<!here>`, `<@U123>` and `<url|label>` in a message as
mentions and links, whatever backslashes precede them: a Slack target gets
untrusted text with `&`, `<` and `>` as the entities Slack asks for, so a
title cannot ping a channel or hide a link; other Markdown chats keep the
plain Markdown escaping."""

from __future__ import annotations

from warroom.core.notify import message
from warroom.services.notify.transport import chat_markdown

TITLE = "<!channel> db & <@U123> <https://evil.example|click> *now*"


def test_slack_gets_no_mention_and_no_link() -> None:
    text = message("INC-1", 1, "investigating", TITLE, "declared", "dana")
    sent = chat_markdown(text, "slack")
    assert "<" not in sent and ">" not in sent
    assert "&lt;!channel&gt;" in sent and "&lt;@U123&gt;" in sent
    assert " db &amp; " in sent  # an ampersand of the text, shown as one
    assert sent.startswith("INC-1 SEV1 investigating: ")


def test_other_markdown_chats_keep_plain_markdown_escaping() -> None:
    text = message("INC-1", 1, "investigating", TITLE, "declared", "dana")
    sent = chat_markdown(text, "mmost")
    assert "&lt;" not in sent and "\\*now\\*" in sent
