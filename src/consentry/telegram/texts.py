"""Every sentence the bot says to people, in one place (English; plain and calm).

Functions take the variable parts; constants are complete sentences. Messages are sent as
plain text (no parse mode), so nothing here needs escaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Telegram's own names for the administrator rights, as admins see them in the app.
RIGHT_NAMES = {
    "can_delete_messages": "Delete messages",
    "can_restrict_members": "Ban users",
    "can_change_info": "Change group info",
    "can_post_messages": "Post messages",
    "can_pin_messages": "Pin messages",
}
# What the bot cannot do without each right.
RIGHT_ACTIONS = {
    "can_delete_messages": "delete messages",
    "can_restrict_members": "mute or ban members",
    "can_change_info": "change settings",
    "can_post_messages": "post messages",
}


def right_name(right: str) -> str:
    return RIGHT_NAMES.get(right, right.removeprefix("can_").replace("_", " ").capitalize())


# --- rights --------------------------------------------------------------------------------


def missing_right(right: str) -> str:
    action = RIGHT_ACTIONS.get(right, right_name(right).lower())
    return f"I cannot {action} here: give me the '{right_name(right)}' right."


def missing_rights(chat_title: str | None, rights: Iterable[str]) -> str:
    where = f" in {chat_title}" if chat_title else ""
    lines = [f"Consentry needs more rights{where} to protect this chat."]
    lines += [missing_right(right) for right in rights]
    return "\n".join(lines)


def refused_right(right: str | None) -> str:
    if right is None:
        return "Only the chat's admins can use this command."
    return f"Only admins with the '{right_name(right)}' right can use this command."


# --- /settings -----------------------------------------------------------------------------

SETTINGS_USAGE = (
    "Change a setting with /settings KEY VALUE. Keys: policy, dry_run, log_chat, strikes, "
    "strike_action, mute_hours, media."
)
SETTINGS_GROUP_ONLY = "Use this command in the group or channel the bot moderates."


def settings_lines(values: Mapping[str, str]) -> str:
    lines = ["Settings for this chat:"]
    lines += [f"  {key}: {value}" for key, value in values.items()]
    return "\n".join(lines)


def settings_saved(key: str, value: str) -> str:
    return f"Saved: {key} is now {value}."


def unknown_key(key: str, suggestion: str | None) -> str:
    hint = f" Did you mean '{suggestion}'?" if suggestion else ""
    return f"There is no setting called '{key}'.{hint}\n{SETTINGS_USAGE}"


def bad_value(key: str, value: str, expected: str, suggestion: str | None = None) -> str:
    hint = f" Did you mean '{suggestion}'?" if suggestion else ""
    return f"'{value}' is not a valid value for {key}: expected {expected}.{hint}"


def missing_value(key: str, expected: str) -> str:
    return f"Give a value for {key}: expected {expected}."


def log_chat_unreachable(chat_id: int) -> str:
    return (
        f"I cannot use chat {chat_id} as the log chat: add me to it first "
        "(as an admin in a channel), then try again."
    )


def settings_invalid(message: str) -> str:
    return f"That setting was not saved: {message}"


# --- /status -------------------------------------------------------------------------------

STATUS_NOTHING = "Nothing checked yet."


def status(counts: Mapping[str, int], since: str | None, settings_text: str) -> str:
    head = f"Activity since {since}:" if since else "Activity:"
    shown = [f"  {event}: {count}" for event, count in counts.items() if count]
    lines = [head, *(shown or [f"  {STATUS_NOTHING}"]), "", settings_text]
    return "\n".join(lines)


# --- /allow --------------------------------------------------------------------------------

ALLOW_USAGE = (
    "Reply /allow to a message to trust its sender, or use /allow USER_ID. "
    "/allow remove (as a reply, or with USER_ID) takes the trust away."
)


def allowed(user_id: int) -> str:
    return (
        f"User {user_id} is now trusted: their media is still checked and logged, never acted on."
    )


def disallowed(user_id: int) -> str:
    return f"User {user_id} is no longer trusted."


# --- /report -------------------------------------------------------------------------------

REPORT_USAGE = "Reply /report to the message you want the admins to look at."
REPORT_NO_MEDIA = "That message has no photo, video or file I can check."
REPORT_THANKS = "Thank you. The admins will look at it."
REPORT_FAILED = "I could not check that message. Please tell an admin."

# --- log chat ------------------------------------------------------------------------------

BUTTON_CONFIRM = "Confirm"
BUTTON_FALSE_POSITIVE = "False positive"
BUTTON_UNBAN = "Lift restriction"
BUTTON_DELETE = "Delete and strike"

STATUS_WORDS = {
    "done": "action taken",
    "dry-run": "dry run: nothing was done",
    "held": "held for review: the message is still up",
    "confirmed": "confirmed by an admin",
    "false-positive": "marked as a false positive",
    "unbanned": "restriction lifted",
    "failed": "the action failed",
}
DONE_WORDS = {
    "delete": "message deleted",
    "warn": "sender warned",
    "mute": "sender muted",
    "ban": "sender banned",
    "strike": "strike added",
}

NOT_ALLOWED_TO_PRESS = "Only admins of the moderated chat with the 'Ban users' right can do this."
UNKNOWN_ACTION = "I no longer know this entry."
ALREADY_DECIDED = "This entry has already been decided."
PRESS_FAILED = "That did not work. Please try again in a moment."
PARTLY_DONE = "Not everything worked: the log entry says what failed."


def lift_failed(error: str) -> str:
    return f"I could not lift the restriction: {error}"


def by_admin(what: str, admin: str) -> str:
    return f"{what} by {admin}."


PRESSED = {
    "confirm": "Confirmed",
    "fp": "Marked as a false positive",
    "unban": "Restriction lifted",
    "delete": "Message deleted and sender struck",
}


def appeal_note(action_id: int, user_id: int, chat_id: int, message_id: int) -> str:
    return (
        f"Appeal from user {user_id} on action {action_id} "
        f"(message {message_id} in chat {chat_id})."
    )


def appeal_text_note(action_id: int, user_id: int, text: str) -> str:
    return f"Explanation from user {user_id} for the appeal on action {action_id}:\n{text}"


# --- appeals -------------------------------------------------------------------------------

APPEAL_UNKNOWN = "I cannot find that action. The link may be wrong or too old."
APPEAL_NOT_YOURS = "Only the person whose message was acted on can appeal it."
APPEAL_AGAIN = "You have already appealed this action. The admins have it and will decide."
APPEAL_RECORDED = (
    "Your appeal is recorded and the chat's admins will look at it. If you want to explain, "
    "send one short message now (up to 1000 characters). Never send photos or files here."
)
APPEAL_TEXT_ONLY = "Please explain in a text message. I do not accept photos or files here."
APPEAL_THANKS = "Thank you. Your explanation has been passed to the admins as text."
APPEAL_START = (
    "Hello. I am Consentry, a moderation bot that protects people from intimate images shared "
    "without consent. If I acted on your message, use the appeal link from my warning."
)


def warning_appeal(link: str) -> str:
    return f"If you think this was a mistake, you can appeal: {link}"
