"""What to do about one message, given the policy's decision and the chat's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from consentry.actions.settings import ModerationSettings

DECISIONS = ("block", "review", "allow")


@dataclass(frozen=True)
class ActionPlan:
    delete: bool
    warn: bool
    restrict: Literal["mute", "ban"] | None
    hold_for_review: bool
    strike: bool
    strikes_after: int
    dry_run: bool
    reasons: tuple[str, ...]

    @property
    def acts(self) -> bool:
        """Whether the plan does anything beyond logging."""
        return self.delete or self.warn or self.restrict is not None or self.hold_for_review


def plan_actions(
    action: str,
    settings: ModerationSettings,
    *,
    strikes_before: int,
    allowed_sender: bool,
) -> ActionPlan:
    """Block: delete, warn and strike (restrict once the strike limit is reached); review:
    hold for an admin; allow or an allowlisted sender: nothing. With ``dry_run`` the plan is
    the same but marked, and the client only logs it."""
    if action not in DECISIONS:
        raise ValueError(f"a decision is one of {', '.join(DECISIONS)}, not {action!r}")
    if strikes_before < 0:
        raise ValueError("strikes_before cannot be negative")
    if allowed_sender:
        return _nothing(settings, strikes_before, f"sender is allowlisted (decision: {action})")
    if action == "allow":
        return _nothing(settings, strikes_before, "allowed by the policy")
    if action == "review":
        return ActionPlan(
            delete=False,
            warn=False,
            restrict=None,
            hold_for_review=True,
            strike=False,
            strikes_after=strikes_before,
            dry_run=settings.dry_run,
            reasons=_marked(settings, "held for an admin to review; the message stays"),
        )
    return _block(settings, strikes_before)


def _block(settings: ModerationSettings, strikes_before: int) -> ActionPlan:
    strikes_after = strikes_before + 1
    reasons = ["blocked by the policy: delete the message and warn the sender"]
    reasons.append(f"strike {strikes_after} of {settings.strike_limit}")
    restrict = None
    if strikes_after >= settings.strike_limit:
        restrict = settings.strike_action
        reasons.append(f"strike limit reached: {_restriction_words(settings)}")
    return ActionPlan(
        delete=True,
        warn=True,
        restrict=restrict,
        hold_for_review=False,
        strike=True,
        strikes_after=strikes_after,
        dry_run=settings.dry_run,
        reasons=_marked(settings, *reasons),
    )


def _nothing(settings: ModerationSettings, strikes: int, reason: str) -> ActionPlan:
    return ActionPlan(
        delete=False,
        warn=False,
        restrict=None,
        hold_for_review=False,
        strike=False,
        strikes_after=strikes,
        dry_run=settings.dry_run,
        reasons=_marked(settings, reason),
    )


def _restriction_words(settings: ModerationSettings) -> str:
    if settings.strike_action == "ban":
        return "ban the sender"
    return f"mute the sender for {_duration(settings.mute_seconds)}"


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def _marked(settings: ModerationSettings, *reasons: str) -> tuple[str, ...]:
    if settings.dry_run:
        return (*reasons, "dry run: nothing is done, only logged")
    return reasons
