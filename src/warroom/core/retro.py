"""The review's retrospective sections, and the tags that put a note in one.

Kept apart from `warroom.core.postmortem` (which renders the review) so the
war room can offer the tagged notes without importing the renderer.
"""

from __future__ import annotations

__all__ = ["RETRO_SECTIONS", "TAGS", "tag_note"]

# The retrospective sections and the note tags that fill them.
RETRO_SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "went_well",
        "#went-well",
        "What went well",
        "What helped: the signals, tools, runbooks and habits that made the response "
        "faster or calmer?",
    ),
    (
        "improve",
        "#improve",
        "What could be improved",
        "What slowed the response or made it harder: in the systems, the tooling, the "
        "runbooks, the way we worked together?",
    ),
    (
        "lucky",
        "#lucky",
        "Where we got lucky",
        "What could have made this worse, and what went right by chance rather than by design?",
    ),
)
TAGS: dict[str, str] = {key: tag for key, tag, _, _ in RETRO_SECTIONS}


def tag_note(section: str, text: str) -> str:
    """A note's text tagged for a review section (`went_well`, `improve`, `lucky`)."""
    return f"{TAGS[section]} {text.strip()}"
