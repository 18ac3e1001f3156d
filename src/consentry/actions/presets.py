"""Named policies a chat can pick without writing TOML (docs/policy.md, "Presets")."""

from __future__ import annotations

from functools import cache
from importlib import resources

from consentry.policy import Policy, default_policy, default_policy_text, parse_policy

PRESETS = ("default", "strict", "matches-only")
PRESET_PACKAGE = "consentry.policy"
PRESET_FOLDER = "presets"


def preset_text(name: str) -> str:
    """The TOML of a preset ("default" is the shipped default policy)."""
    name = _known(name)
    if name == "default":
        return default_policy_text()
    folder = resources.files(PRESET_PACKAGE).joinpath(PRESET_FOLDER)
    return folder.joinpath(f"{name}.toml").read_text("utf-8")


@cache
def load_preset(name: str) -> Policy:
    if _known(name) == "default":
        return default_policy()
    return parse_policy(preset_text(name), source=f"<policy preset: {name}>")


def _known(name: str) -> str:
    from consentry.actions.settings import SettingsError

    if name not in PRESETS:
        raise SettingsError(
            f"there is no policy preset {name!r}; presets: {', '.join(PRESETS)}",
            code="unknown-preset",
        )
    return name
