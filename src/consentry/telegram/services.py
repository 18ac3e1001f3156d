"""What every bot handler needs, put into the Dispatcher as ``dp["services"]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consentry.actions.settings import ModerationSettings
    from consentry.assessment import Assessor
    from consentry.decisions import Decisions
    from consentry.telegram.rights import RightsCache
    from consentry.telegram.state import BotState

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # what the cloud Bot API lets bots download


@dataclass
class BotServices:
    """``assessor_for`` gives the Assessor for a chat's settings (its policy preset)."""

    state: BotState
    decisions: Decisions
    assessor_for: Callable[[ModerationSettings], Assessor]
    bot_id: int
    bot_username: str
    rights: RightsCache
    max_download_bytes: int = MAX_DOWNLOAD_BYTES
