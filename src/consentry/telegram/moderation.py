"""The moderation pipeline: media in a message -> checked -> decided -> acted on -> logged.

Messages, edits, channel posts and edited channel posts with media are handled. Each
file is fingerprinted once: its fingerprints and findings are cached by Telegram's
``file_unique_id``, so a re-forward is not downloaded again, while the matches and the
decision are worked out afresh every time (a case withdrawn since no longer matches).
The media lives in memory only for as long as it is checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Router
from aiogram.types import Message

from consentry.actions.plan import ActionPlan, plan_actions
from consentry.actions.settings import ModerationSettings
from consentry.assessment import Assessor
from consentry.matching.result import Match
from consentry.policy import Context, Decision
from consentry.signals import FileFingerprint, HashVariant, VpdqFrame
from consentry.signals.findings import Finding
from consentry.telegram.apply import Outcome, Target, apply_plan, status_of
from consentry.telegram.logchat import message_link, post_entry, render_entry
from consentry.telegram.media import MediaRef, MediaTooLarge, MediaUnavailable, download, media_of
from consentry.telegram.services import BotServices
from consentry.telegram.state import ActionRecord, CachedFile

logger = logging.getLogger(__name__)

router = Router(name="consentry-moderation")

# Kept with a cached fingerprint: the signals its findings cover (an inspector that finds
# nothing, like provenance on a file without a manifest, leaves no finding to tell).
SIGNALS_KEY = "signals_checked"
THUMB_KEY = "checked_thumbnail"


@dataclass
class Checked:
    fingerprint: FileFingerprint
    findings: list[Finding]
    matches: list[Match]
    decision: Decision
    via_thumbnail: bool = False  # the file was too large: its thumbnail was checked


def _has_media(message: Message) -> bool:
    """Media in a group or channel (private chats are for appeals, not moderated)."""
    return message.chat.type != "private" and media_of(message) is not None


@router.message(_has_media)
@router.edited_message(_has_media)
@router.channel_post(_has_media)
@router.edited_channel_post(_has_media)
async def on_media(message: Message, services: BotServices) -> None:
    await check_message(message, services)


async def check_message(
    message: Message, services: BotServices, *, reason: str = "posted"
) -> ActionRecord | None:
    """Check the message's media and act on it; returns the action logged, or None when
    there was nothing to log (no media, a media type the chat does not check, allowed).
    ``reason="report"``: a member reported it, so it is held for review at least (and
    checked whatever media types the chat has chosen)."""
    ref = media_of(message)
    if ref is None or message.bot is None:
        return None
    settings = services.state.settings(message.chat.id)
    if reason != "report" and ref.kind not in settings.media_types:
        return None
    target = Target.of(message)
    services.state.count(target.chat_id, "checked")
    try:
        checked = await _checked(message.bot, services, settings, ref, target)
    except (MediaTooLarge, MediaUnavailable) as error:
        return await _unchecked(message.bot, services, settings, message, ref, error)
    return await _act(message.bot, services, settings, message, ref, checked, reason)


# -- checking ---------------------------------------------------------------------------


async def _checked(
    bot: Bot, services: BotServices, settings: ModerationSettings, ref: MediaRef, target: Target
) -> Checked:
    assessor = services.assessor_for(settings)
    context = Context(chat=str(target.chat_id))
    cached = services.state.cached(ref.file_unique_id)
    if cached is not None and _still_usable(cached, assessor, context):
        fp = _restored(cached.fingerprint)
        findings = [Finding.from_json(item) for item in cached.findings]
        matches = await asyncio.to_thread(_matches, assessor, fp)
        decision = assessor.decide(matches, findings, context)
        assert decision is not None  # every preset has a policy
        return Checked(fp, findings, matches, decision, bool(cached.fingerprint.get(THUMB_KEY)))
    data, used = await download(bot, ref, max_bytes=services.max_download_bytes)
    assessment = await asyncio.to_thread(assessor.assess, data, context=context)
    del data  # the media is not kept a moment longer than needed
    assert assessment.decision is not None
    fp = assessment.fingerprint
    if fp.ok:
        summary = fp.to_json()
        summary[SIGNALS_KEY] = sorted(_needed(assessor, context))
        summary[THUMB_KEY] = used is not ref
        services.state.remember(
            ref.file_unique_id,
            CachedFile(summary, [finding.to_json() for finding in assessment.findings]),
        )
    decision = assessment.decision
    return Checked(fp, assessment.findings, assessment.matches, decision, used is not ref)


def _matches(assessor: Assessor, fp: FileFingerprint) -> list[Match]:
    if assessor.match is None:
        return []
    return list(assessor.match(fp))


def _still_usable(cached: CachedFile, assessor: Assessor, context: Context) -> bool:
    """A cached file lacks what the policy now needs when it was checked under another
    policy (fewer signals) or before protected-photo banks existed (no regions)."""
    if assessor.needs_regions() and not cached.fingerprint.get("regions"):
        return False
    return _needed(assessor, context) <= set(cached.fingerprint.get(SIGNALS_KEY) or ())


def _needed(assessor: Assessor, context: Context) -> set[str]:
    return set(assessor.policy.signals_needed(context)) if assessor.policy is not None else set()


def _restored(data: dict[str, Any]) -> FileFingerprint:
    frames = data.get("vpdq")
    return FileFingerprint(
        kind=data.get("kind"),
        format=data.get("format"),
        md5=data.get("md5"),
        sha256=data.get("sha256"),
        pdq=data.get("pdq"),
        quality=data.get("quality"),
        low_quality=bool(data.get("low_quality")),
        width=data.get("width"),
        height=data.get("height"),
        variants=[
            HashVariant(item["transform"], item["pdq"], item["quality"])
            for item in data.get("variants") or []
        ],
        vpdq=None
        if frames is None
        else [VpdqFrame(f["index"], f["timestamp"], f["pdq"], f["quality"]) for f in frames],
        regions=data.get("regions"),
    )


# -- acting -----------------------------------------------------------------------------


async def _act(
    bot: Bot,
    services: BotServices,
    settings: ModerationSettings,
    message: Message,
    ref: MediaRef,
    checked: Checked,
    reason: str,
) -> ActionRecord | None:
    state = services.state
    target = Target.of(message)
    decision = checked.decision
    identity = target.identity
    allowed = identity is not None and state.is_allowed(target.chat_id, identity)
    if reason == "report" and decision.action != "block":
        decision = dataclasses.replace(
            decision, action="review", rule="reported", description="a member reported it"
        )
        allowed = False
    if checked.matches:
        state.count(target.chat_id, "matched")
    broken = checked.fingerprint.error
    if broken is not None:
        state.count(target.chat_id, "errors")
    if decision.action == "allow" and broken is None:
        return None
    decision_id = _recorded(services, message, checked, decision)
    strikes = state.strikes(target.chat_id, identity) if identity is not None else 0
    plan = plan_actions(decision.action, settings, strikes_before=strikes, allowed_sender=allowed)
    action_id = state.record_action(_new_record(target, ref, decision_id, decision.action, plan))
    outcome = await apply_plan(bot, services, target, plan, settings, action_id)
    if checked.via_thumbnail:
        outcome.notes.append("checked through its thumbnail: the file is too large to download")
    errors = ([f"could not fingerprint: {broken.message}"] if broken else []) + outcome.errors
    status = status_of(plan, outcome)
    if broken is not None and not plan.dry_run and not outcome.done:
        status = "failed"
    record = state.update_action(
        action_id, done=tuple(outcome.done), status=status, error="; ".join(errors) or None
    )
    return await _logged(bot, services, settings, message, record, plan, outcome, checked, decision)


def _recorded(services: BotServices, message: Message, checked: Checked, decision: Decision) -> int:
    """The decision in the decisions table (what moderators review), with a link to the
    message; the fingerprints and findings, never the media."""
    return services.decisions.record(
        decision,
        source="telegram",
        matches=[match.to_json() for match in checked.matches],
        findings=[finding.to_json() for finding in checked.findings],
        chat=str(message.chat.id),
        reference=message_link(message.chat.id, message.message_id, message.chat.username),
        sha256=checked.fingerprint.sha256,
        pdq=checked.fingerprint.pdq,
    )


def _new_record(
    target: Target, ref: MediaRef, decision_id: int | None, decision: str, plan: ActionPlan
) -> ActionRecord:
    return ActionRecord(
        id=None,
        chat_id=target.chat_id,
        message_id=target.message_id,
        sender_id=target.sender_id,
        sender_chat_id=target.sender_chat_id,
        file_unique_id=ref.file_unique_id,
        decision_id=decision_id,
        decision=decision,
        status="dry-run" if plan.dry_run else ("held" if plan.hold_for_review else "done"),
    )


async def _unchecked(
    bot: Bot,
    services: BotServices,
    settings: ModerationSettings,
    message: Message,
    ref: MediaRef,
    error: MediaTooLarge | MediaUnavailable,
) -> ActionRecord:
    """Media that could not be fetched: nothing is done to the message; admins are told."""
    target = Target.of(message)
    event = "skipped" if isinstance(error, MediaTooLarge) else "errors"
    services.state.count(target.chat_id, event)
    record = _new_record(target, ref, None, "skipped", _NOTHING)
    record = dataclasses.replace(record, status="failed", error=error.message)
    action_id = services.state.record_action(record)
    record = dataclasses.replace(record, id=action_id)
    return await _logged(bot, services, settings, message, record, _NOTHING, Outcome(), None, None)


_NOTHING = ActionPlan(
    delete=False,
    warn=False,
    restrict=None,
    hold_for_review=False,
    strike=False,
    strikes_after=0,
    dry_run=False,
    reasons=("not checked",),
)


# -- logging ----------------------------------------------------------------------------


async def _logged(
    bot: Bot,
    services: BotServices,
    settings: ModerationSettings,
    message: Message,
    record: ActionRecord,
    plan: ActionPlan,
    outcome: Outcome,
    checked: Checked | None,
    decision: Decision | None,
) -> ActionRecord:
    """Post the log chat entry (text and buttons, never the media) and remember its id."""
    if settings.log_chat is None or record.id is None:
        return record
    text, markup = render_entry(
        record,
        decision=decision,
        sha256=checked.fingerprint.sha256 if checked else None,
        pdq=checked.fingerprint.pdq if checked else None,
        chat_title=message.chat.title,
        chat_username=message.chat.username,
        reasons=plan.reasons,
        notes=outcome.notes,
    )
    posted = await post_entry(bot, settings.log_chat, text, markup)
    if posted is None:
        return record
    return services.state.update_action(record.id, log_message_id=posted)
