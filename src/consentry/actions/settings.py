"""Per-chat moderation settings: which policy preset applies and what a block costs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from consentry.errors import ConsentryError

MEDIA_TYPES = frozenset({"photo", "video", "animation", "document", "sticker", "video_note"})
STRIKE_ACTIONS = ("mute", "ban")
MAX_STRIKE_LIMIT = 100
# Telegram treats a restriction shorter than 30 seconds or longer than 366 days as forever.
MIN_MUTE_SECONDS = 30
MAX_MUTE_SECONDS = 366 * 86400
_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})
_NONE = frozenset({"", "none", "off", "no"})


class SettingsError(ConsentryError):
    """A setting that does not exist or a value it cannot take."""

    code = "invalid-setting"


@dataclass(frozen=True)
class ModerationSettings:
    policy: str = "default"
    dry_run: bool = False
    log_chat: int | None = None
    strike_limit: int = 3
    strike_action: Literal["mute", "ban"] = "ban"
    mute_seconds: int = 86400
    media_types: frozenset[str] = field(default=MEDIA_TYPES)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            object.__setattr__(self, name, _CHECKS[name](value))

    def with_changes(self, **changes: Any) -> ModerationSettings:
        """A copy with ``changes`` applied, each checked (text such as "on", "5" or
        "photo,video" is accepted too, as typed in a chat command)."""
        unknown = sorted(set(changes) - set(_CHECKS))
        if unknown:
            raise SettingsError(
                f"there is no setting {unknown[0]!r}; settings: {', '.join(setting_names())}",
                code="unknown-setting",
            )
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["media_types"] = sorted(self.media_types)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModerationSettings:
        """Settings saved by :meth:`to_json`; keys it does not know are ignored."""
        if not isinstance(data, Mapping):
            raise SettingsError("saved settings must be a JSON object")
        known = {key: value for key, value in data.items() if key in _CHECKS}
        return cls(**known)


def setting_names() -> list[str]:
    return [f.name for f in fields(ModerationSettings)]


def _policy(value: Any) -> str:
    from consentry.actions.presets import PRESETS

    name = str(value).strip().lower()
    if name not in PRESETS:
        raise SettingsError(f"policy is one of {', '.join(PRESETS)}, not {value!r}")
    return name


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise SettingsError(f"dry_run is on or off, not {value!r}")


def _log_chat(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _NONE):
        return None
    return _integer(value, "log_chat")


def _strike_limit(value: Any) -> int:
    limit = _integer(value, "strike_limit")
    if not 1 <= limit <= MAX_STRIKE_LIMIT:
        raise SettingsError(f"strike_limit is a whole number from 1 to {MAX_STRIKE_LIMIT}")
    return limit


def _strike_action(value: Any) -> Literal["mute", "ban"]:
    word = str(value).strip().lower()
    if word == "mute":
        return "mute"
    if word == "ban":
        return "ban"
    raise SettingsError(f"strike_action is mute or ban, not {value!r}")


def _mute_seconds(value: Any) -> int:
    seconds = _integer(value, "mute_seconds")
    if not MIN_MUTE_SECONDS <= seconds <= MAX_MUTE_SECONDS:
        raise SettingsError(
            f"mute_seconds is from {MIN_MUTE_SECONDS} to {MAX_MUTE_SECONDS} (366 days)"
        )
    return seconds


def _media_types(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, Iterable):
        raise SettingsError("media_types is a list of media kinds")
    chosen = frozenset(str(kind).strip().lower() for kind in value)
    unknown = sorted(chosen - MEDIA_TYPES)
    if unknown:
        raise SettingsError(
            f"{unknown[0]!r} is not a media type; choose from {', '.join(sorted(MEDIA_TYPES))}"
        )
    return chosen


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise SettingsError(f"{name} must be a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


_CHECKS = {
    "policy": _policy,
    "dry_run": _flag,
    "log_chat": _log_chat,
    "strike_limit": _strike_limit,
    "strike_action": _strike_action,
    "mute_seconds": _mute_seconds,
    "media_types": _media_types,
}
