"""The admins' log chat: one text entry per action (never the media) and its buttons.

An entry shows the chat and message ids, a link to the message while it still exists,
the sender, the decision with its explanation, what was done, and the file's fingerprints.
Buttons carry ``cs:<verb>:<action_id>``:

- ``confirm``: the decision was right (approved review / "correct" feedback on its matches);
- ``fp``: a false positive (rejected review / "false-positive" feedback on its matches,
  which becomes feedback to the registry); the restriction is lifted, the strike taken back;
- ``unban``: lift the mute or ban;
- ``delete``: for a message held for review: delete it now and strike as a block would.

Only admins of the MODERATED chat with the "Ban users" right may press. Every press is
answered, and the entry is edited to say who did what.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    CallbackQuery,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from consentry.actions.plan import plan_actions
from consentry.decisions import DecisionError, DecisionRecord
from consentry.policy import Decision, Reason
from consentry.telegram import texts
from consentry.telegram.apply import Target, apply_plan, status_of
from consentry.telegram.calls import call
from consentry.telegram.rights import RESTRICT
from consentry.telegram.state import ActionRecord

if TYPE_CHECKING:
    from consentry.telegram.services import BotServices

log = logging.getLogger(__name__)

router = Router(name="consentry-logchat")

PREFIX = "cs"
VERBS = ("confirm", "fp", "unban", "delete")
MAX_TEXT = 4096  # Telegram's limit for one message
HISTORY = "History:"
RESTRICTIONS = ("ban", "mute")
LIFTED = "unban"  # the step added to ``done`` once a restriction was lifted
# Telegram: "pass True for all permissions to lift restrictions from a user".
ALL_PERMISSIONS = ChatPermissions(**dict.fromkeys(ChatPermissions.model_fields, True))


# --- rendering -----------------------------------------------------------------------------


def callback_data(verb: str, action_id: int) -> str:
    return f"{PREFIX}:{verb}:{action_id}"


def parse_callback(data: str | None) -> tuple[str, int] | None:
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in VERBS:
        return None
    try:
        return parts[1], int(parts[2])
    except ValueError:
        return None


def message_link(chat_id: int, message_id: int, username: str | None = None) -> str | None:
    """A t.me link to a message: by the chat's public name, or the t.me/c/ form that works
    for members of any supergroup or channel (basic groups have no message links)."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    text = str(chat_id)
    if text.startswith("-100"):
        return f"https://t.me/c/{text[4:]}/{message_id}"
    return None


def restricted(record: ActionRecord) -> bool:
    """The sender is still muted or banned because of this action."""
    return any(step in record.done for step in RESTRICTIONS) and LIFTED not in record.done


def buttons(record: ActionRecord) -> InlineKeyboardMarkup:
    """The buttons an entry offers in its current status (none once it is settled)."""
    assert record.id is not None
    verbs: list[str] = []
    if record.status == "held":
        verbs = ["delete", "fp"]
    elif record.status in ("done", "dry-run", "failed", "unbanned") and record.decision_id:
        verbs = ["confirm", "fp"]
    if restricted(record) and record.status != "false-positive":
        verbs.append("unban")
    labels = {
        "confirm": texts.BUTTON_CONFIRM,
        "fp": texts.BUTTON_FALSE_POSITIVE,
        "unban": texts.BUTTON_UNBAN,
        "delete": texts.BUTTON_DELETE,
    }
    row = [
        InlineKeyboardButton(text=labels[verb], callback_data=callback_data(verb, record.id))
        for verb in verbs
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row] if row else [])


def render_entry(
    record: ActionRecord,
    *,
    decision: Decision | None = None,
    sha256: str | None = None,
    pdq: str | None = None,
    chat_title: str | None = None,
    chat_username: str | None = None,
    reasons: Sequence[str] = (),
    notes: Sequence[str] = (),
    history: Sequence[str] = (),
) -> tuple[str, InlineKeyboardMarkup]:
    """The log chat entry for an action: plain text (no parse mode) and its buttons.

    ``decision``: the policy's decision (its explanation is shown); ``sha256``/``pdq``: the
    file's fingerprints; ``reasons``: the action plan's reasons; ``notes``: anything the
    applier has to say (a message too old to delete, a missing right); ``history``: lines
    saying who pressed what."""
    lines = [_headline(record)]
    where = f"{chat_title} ({record.chat_id})" if chat_title else str(record.chat_id)
    lines.append(f"Chat: {where}, message {record.message_id}")
    link = (
        None
        if "delete" in record.done
        else message_link(record.chat_id, record.message_id, chat_username)
    )
    if link:
        lines.append(f"Link: {link}")
    lines.append(f"Sender: {_sender(record)}")
    lines.append("Decision: " + (decision.explain() if decision else record.decision))
    lines += [f"Plan: {reason}" for reason in reasons]
    lines.append("Done: " + _done_words(record))
    lines += [f"Note: {note}" for note in notes]
    if record.error:
        lines.append(f"Error: {record.error}")
    lines.append(f"Fingerprints: sha256 {sha256 or '-'}, pdq {pdq or '-'}")
    if record.file_unique_id:
        lines.append(f"File id: {record.file_unique_id}")
    lines.append(
        f"Action {record.id}" + (f", decision {record.decision_id}" if record.decision_id else "")
    )
    if history:
        lines += ["", HISTORY, *history]
    return _capped("\n".join(lines)), buttons(record)


def _headline(record: ActionRecord) -> str:
    marker = "[DRY RUN] " if record.status == "dry-run" else ""
    status = texts.STATUS_WORDS.get(record.status, record.status)
    return f"{marker}Consentry: {record.decision} - {status}"


def _sender(record: ActionRecord) -> str:
    if record.sender_chat_id is not None:
        return f"channel identity {record.sender_chat_id}"
    if record.sender_id is not None:
        return f"user {record.sender_id}"
    return "the chat itself"


def _done_words(record: ActionRecord) -> str:
    words = [texts.DONE_WORDS.get(step, step) for step in record.done if step != LIFTED]
    if LIFTED in record.done:
        words.append("restriction lifted")
    return ", ".join(words) if words else "nothing"


def _capped(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def decision_of(record: DecisionRecord) -> Decision:
    """The policy Decision stored with a recorded decision (for its explanation)."""
    data: dict[str, Any] = dict(record.details.get("decision") or {})
    reasons = tuple(
        Reason(str(r.get("condition", "")), str(r.get("detail", "")), dict(r.get("values") or {}))
        for r in data.get("reasons", [])
    )
    return Decision(
        action=str(data.get("action", record.action)),
        rule=data.get("rule", record.rule),
        reasons=reasons,
        fired=tuple(data.get("fired", ())),
        description=data.get("description"),
        scopes=tuple(data.get("scopes", ())),
    )


def entry_for(
    services: BotServices, record: ActionRecord, history: Sequence[str] = ()
) -> tuple[str, InlineKeyboardMarkup]:
    """Render an entry again from what the store keeps (after a button press)."""
    stored = _decision(services, record)
    return render_entry(
        record,
        decision=decision_of(stored) if stored else None,
        sha256=stored.sha256 if stored else None,
        pdq=stored.pdq if stored else None,
        history=history,
    )


async def post_entry(
    bot: Bot, log_chat: int, text: str, markup: InlineKeyboardMarkup
) -> int | None:
    """Send an entry to the log chat; returns its message id (None: it could not be sent)."""
    try:
        sent = await call(
            lambda: bot.send_message(log_chat, text, reply_markup=markup, parse_mode=None)
        )
    except TelegramAPIError as error:
        log.warning("could not post to log chat %s: %s", log_chat, error)
        return None
    return sent.message_id


def _decision(services: BotServices, record: ActionRecord) -> DecisionRecord | None:
    if record.decision_id is None:
        return None
    try:
        return services.decisions.get(record.decision_id)
    except DecisionError:
        return None


# --- button presses ------------------------------------------------------------------------


class Refused(Exception):
    """A press that cannot be carried out; the text is the alert shown to the admin."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Pressed:
    record: ActionRecord
    summary: str  # what was done, for the history line and the answer


@router.callback_query(F.data.startswith(f"{PREFIX}:"))
async def button_pressed(callback: CallbackQuery, bot: Bot, services: BotServices) -> None:
    """Always answers the callback query, whatever happens."""
    try:
        pressed = await _press(callback, bot, services)
    except Refused as refused:
        await _answer(callback, refused.text, alert=True)
        return
    except Exception:  # answered and logged; the admin can press again
        log.exception("button %r failed", callback.data)
        await _answer(callback, texts.PRESS_FAILED, alert=True)
        return
    await _answer(callback, pressed.summary, alert=False)
    await _edit_entry(callback, bot, services, pressed)


async def _press(callback: CallbackQuery, bot: Bot, services: BotServices) -> Pressed:
    parsed = parse_callback(callback.data)
    if parsed is None:
        raise Refused(texts.UNKNOWN_ACTION)
    verb, action_id = parsed
    record = services.state.action(action_id)
    if record is None:
        raise Refused(texts.UNKNOWN_ACTION)
    if not await services.rights.is_admin_with(record.chat_id, callback.from_user.id, RESTRICT):
        raise Refused(texts.NOT_ALLOWED_TO_PRESS)
    return await _VERBS[verb](bot, services, record)


async def _answer(callback: CallbackQuery, text: str, *, alert: bool) -> None:
    try:
        await call(lambda: callback.answer(text[:200], show_alert=alert))
    except TelegramAPIError as error:  # too late to answer (older than a few minutes)
        log.info("could not answer a button press: %s", error)


async def _edit_entry(
    callback: CallbackQuery, bot: Bot, services: BotServices, pressed: Pressed
) -> None:
    message = callback.message
    if message is None:
        return
    user = callback.from_user
    who = f"{user.full_name} (@{user.username})" if user.username else user.full_name
    line = texts.by_admin(pressed.summary, f"{who}, id {user.id}")
    text, markup = entry_for(services, pressed.record, [*_history(message), line])
    try:
        await call(
            lambda: bot.edit_message_text(
                text=text,
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=markup,
                parse_mode=None,
            )
        )
    except TelegramAPIError as error:
        log.warning("could not edit log entry %s: %s", message.message_id, error)


def _history(message: Any) -> list[str]:
    """The "who did what" lines an entry already shows."""
    text = message.text if isinstance(message, Message) else None
    if not text or f"\n{HISTORY}\n" not in text:
        return []
    return text.split(f"\n{HISTORY}\n", 1)[1].splitlines()


# --- what each button does -----------------------------------------------------------------


async def _confirm(bot: Bot, services: BotServices, record: ActionRecord) -> Pressed:
    if record.status not in ("done", "dry-run", "failed", "unbanned"):
        raise Refused(texts.ALREADY_DECIDED)
    _feedback(services, record, "approved")
    updated = services.state.update_action(_id(record), status="confirmed")
    return Pressed(updated, texts.PRESSED["confirm"])


async def _false_positive(bot: Bot, services: BotServices, record: ActionRecord) -> Pressed:
    if record.status in ("confirmed", "false-positive"):
        raise Refused(texts.ALREADY_DECIDED)
    done = record.done
    if restricted(record):
        await _lift(bot, services, record)
        done = (*done, LIFTED)
    _feedback(services, record, "rejected")
    if _struck(record) and (identity := _identity(record)) is not None:
        take_back_strike(services, record.chat_id, identity)
    updated = services.state.update_action(_id(record), status="false-positive", done=done)
    return Pressed(updated, texts.PRESSED["fp"])


async def _unban(bot: Bot, services: BotServices, record: ActionRecord) -> Pressed:
    if not restricted(record):
        raise Refused(texts.ALREADY_DECIDED)
    await _lift(bot, services, record)
    status = record.status if record.status == "confirmed" else "unbanned"
    updated = services.state.update_action(_id(record), status=status, done=(*record.done, LIFTED))
    return Pressed(updated, texts.PRESSED["unban"])


async def _delete(bot: Bot, services: BotServices, record: ActionRecord) -> Pressed:
    if record.status != "held":
        raise Refused(texts.ALREADY_DECIDED)
    settings = replace(services.state.settings(record.chat_id), dry_run=False)
    target = await _target(bot, record)
    strikes = services.state.strikes(record.chat_id, target.identity) if target.identity else 0
    plan = plan_actions("block", settings, strikes_before=strikes, allowed_sender=False)
    outcome = await apply_plan(bot, services, target, plan, settings, _id(record))
    _feedback(services, record, "approved")
    status = "failed" if status_of(plan, outcome) == "failed" else "confirmed"
    updated = services.state.update_action(
        _id(record),
        status=status,
        done=(*record.done, *outcome.done),
        error=outcome.error,
    )
    summary = texts.PRESSED["delete"] if not outcome.errors else texts.PARTLY_DONE
    return Pressed(updated, summary)


_VERBS = {"confirm": _confirm, "fp": _false_positive, "unban": _unban, "delete": _delete}


def _id(record: ActionRecord) -> int:
    assert record.id is not None
    return record.id


def _identity(record: ActionRecord) -> int | None:
    return record.sender_chat_id if record.sender_chat_id is not None else record.sender_id


def _struck(record: ActionRecord) -> bool:
    """Whether applying this action gave the sender a strike (blocks do, when not a dry
    run and not for an allowlisted sender, who gets nothing done)."""
    return (
        record.decision == "block"
        and (bool(record.done) or record.status == "failed")
        and record.status != "dry-run"
    )


def take_back_strike(services: BotServices, chat_id: int, identity: int) -> None:
    services.state.remove_strike(chat_id, identity)


def _feedback(services: BotServices, record: ActionRecord, verdict: str) -> None:
    """A pending decision is reviewed (with feedback); otherwise the verdict is posted as
    feedback on each entry the decision matched."""
    stored = _decision(services, record)
    if stored is None or stored.review not in (None, "pending"):
        return  # reviewed elsewhere: its feedback was given then
    partner = services.state.feedback_partner()
    if stored.review is None:
        services.decisions.post_feedback(stored, verdict, partner)
        return
    try:
        services.decisions.review_with_feedback(stored.id, verdict, partner)
    except DecisionError as error:  # reviewed meanwhile (the web console): it stands
        if error.code != "not-pending":
            raise


async def _lift(bot: Bot, services: BotServices, record: ActionRecord) -> None:
    chat_id = record.chat_id
    try:
        if record.sender_chat_id is not None:
            await call(lambda: bot.unban_chat_sender_chat(chat_id, record.sender_chat_id))
        elif record.sender_id is not None and "ban" in record.done:
            await call(
                lambda: bot.unban_chat_member(chat_id, record.sender_id, only_if_banned=True)
            )
        elif record.sender_id is not None:
            await call(lambda: bot.restrict_chat_member(chat_id, record.sender_id, ALL_PERMISSIONS))
    except TelegramAPIError as error:
        services.rights.forget(chat_id)
        raise Refused(texts.lift_failed(error.message)) from None


async def _target(bot: Bot, record: ActionRecord) -> Target:
    """The held message as apply_plan wants it, from the record and the chat."""
    chat_type, title, name = "supergroup", None, None
    try:
        chat = await call(lambda: bot.get_chat(record.chat_id))
        chat_type, title = chat.type, chat.title
    except TelegramAPIError as error:
        log.info("getChat %s failed: %s", record.chat_id, error)
    if record.sender_id is not None:
        name = await _user_name(bot, record.chat_id, record.sender_id)
    return Target(
        chat_id=record.chat_id,
        chat_type=chat_type,
        chat_title=title,
        message_id=record.message_id,
        sent_at=record.at,  # recorded moments after the message was posted
        sender_id=record.sender_id,
        sender_chat_id=record.sender_chat_id,
        sender_name=name or _sender(record),
    )


async def _user_name(bot: Bot, chat_id: int, user_id: int) -> str | None:
    try:
        member = await call(lambda: bot.get_chat_member(chat_id, user_id))
    except TelegramAPIError:
        return None
    return member.user.full_name
