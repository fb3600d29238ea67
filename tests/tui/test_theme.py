"""A theme chosen in the command palette lasts: it is saved to the user's
config file (`theme = "..."`, the rest of the file kept as written) and the
next start uses it; a theme the file names wrongly draws one clear warning
and the default theme."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.tui.helpers import screen_text, wait_until
from warroom.config import load_settings
from warroom.core.clock import FixedClock
from warroom.store.sqlite import SQLiteStore
from warroom.tui.app import WarroomApp
from warroom.tui.screens.home import HomeScreen

SIZE = (120, 36)
WRITTEN = """# my warroom settings
user = "dana"   # on the bridge as dana

[keys]
note = "N"      # shift+n notes
"""


def user_config(tmp_path: Path, text: str) -> tuple[dict[str, str], Path]:
    """An environment whose user config file (returned too) holds `text`."""
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text, encoding="utf-8")
    env = {
        "WARROOM_CONFIG": str(config),
        "WARROOM_SITE_CONFIG": str(tmp_path / "site.toml"),
        "WARROOM_DB": str(tmp_path / "warroom.db"),
    }
    return env, config


def app_with(store: SQLiteStore, clock: FixedClock, env: dict[str, str]) -> WarroomApp:
    settings = load_settings(env=env)
    return WarroomApp(store, actor="me", clock=clock, settings=settings)


async def home(app: WarroomApp, pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)


async def test_a_theme_chosen_in_the_palette_is_saved_and_used_next_time(
    sqlite_store: SQLiteStore, clock: FixedClock, tmp_path: Path
) -> None:
    env, config = user_config(tmp_path, WRITTEN)
    app = app_with(sqlite_store, clock, env)
    async with app.run_test(size=SIZE) as pilot:
        await home(app, pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p")
        await pilot.pause(0.1)
        await pilot.press(*"theme")
        await wait_until(pilot, lambda: "Change the current theme" in screen_text(app))
        await pilot.pause(0.3)
        await pilot.press("enter")  # the themes, each previewed as it is highlighted
        await pilot.pause(0.3)
        await pilot.press(*"nord")
        await wait_until(pilot, lambda: "nord" in screen_text(app))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "nord")
        await wait_until(pilot, lambda: 'theme = "nord"' in config.read_text(encoding="utf-8"))
    text = config.read_text(encoding="utf-8")
    assert text == WRITTEN.replace(
        'user = "dana"   # on the bridge as dana\n',
        'user = "dana"   # on the bridge as dana\ntheme = "nord"\n',
    )  # the rest of the file, comments included, as it was
    assert tomllib.loads(text)["keys"] == {"note": "N"}

    again = app_with(sqlite_store, clock, env)
    async with again.run_test(size=SIZE) as pilot:
        await home(again, pilot)
        assert again.theme == "nord"
        assert "names no theme" not in screen_text(again)


async def test_a_theme_set_by_hand_is_used(
    sqlite_store: SQLiteStore, clock: FixedClock, tmp_path: Path
) -> None:
    env, _ = user_config(tmp_path, 'theme = "textual-light"\n')
    app = app_with(sqlite_store, clock, env)
    async with app.run_test(size=SIZE) as pilot:
        await home(app, pilot)
        assert app.theme == "textual-light"


async def test_a_bad_theme_in_the_file_warns_in_one_line_and_uses_the_default(
    sqlite_store: SQLiteStore, clock: FixedClock, tmp_path: Path
) -> None:
    for written in ('theme = "solarised-ish"\n', "theme = 3\n"):
        env, config = user_config(tmp_path, written)
        app = app_with(sqlite_store, clock, env)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await home(app, pilot)
            await wait_until(pilot, lambda app=app: "names no" in screen_text(app))  # a toast
            assert app.theme == "textual-dark"
            [warning] = [n for n in app._notifications if "names no theme" in n.message]
            assert "\n" not in warning.message
            assert str(config) in warning.message
        assert config.read_text(encoding="utf-8") == written  # left as written


def test_save_theme_makes_the_file_and_refuses_to_rewrite_a_broken_one(tmp_path: Path) -> None:
    import pytest

    from warroom.config import save_theme
    from warroom.core.errors import UsageError

    made = tmp_path / "new" / "config.toml"
    save_theme(made, "gruvbox")
    assert tomllib.loads(made.read_text(encoding="utf-8")) == {"theme": "gruvbox"}
    broken = tmp_path / "broken.toml"
    broken.write_text("user = \n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        save_theme(broken, "nord")
    assert broken.read_text(encoding="utf-8") == "user = \n"
