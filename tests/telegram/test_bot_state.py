"""BotState on SQLite and PostgreSQL: settings, strikes, allowlist, file cache, offset,
seen updates, the actions log, counters, appeals, the feedback partner, migration 0004."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect

from consentry.actions import ModerationSettings
from consentry.decisions import Decisions
from consentry.partners import Partners
from consentry.store import Store
from consentry.store.migrate import alembic_config
from consentry.telegram.state import (
    EVENTS,
    MAX_APPEAL_CHARS,
    ActionRecord,
    BotState,
    CachedFile,
    StateError,
)

CHAT = -1001234567890
OTHER_CHAT = -1009876543210
USER = 5_000_000_001  # Telegram user ids exceed 32 bits
CHANNEL = -1001111111111  # a sender chat posting as a channel
TELEGRAM_TABLES = {
    "telegram_chats",
    "telegram_strikes",
    "telegram_allowlist",
    "telegram_files",
    "telegram_state",
    "telegram_seen_updates",
    "telegram_actions",
    "telegram_counters",
    "telegram_appeals",
}


@pytest.fixture
def state(db_store: Store) -> BotState:
    return BotState(db_store)


def _record(**changes: object) -> ActionRecord:
    values: dict[str, object] = {
        "id": None,
        "chat_id": CHAT,
        "message_id": 42,
        "sender_id": USER,
        "sender_chat_id": None,
        "file_unique_id": "AgADfile",
        "decision_id": None,
        "decision": "block",
        "done": ("delete", "warn"),
        "status": "done",
    }
    values.update(changes)
    return ActionRecord(**values)  # type: ignore[arg-type]


def test_settings_default_until_saved_and_are_per_chat(state: BotState) -> None:
    assert state.settings(CHAT) == ModerationSettings()
    chosen = ModerationSettings(policy="strict", dry_run=True, log_chat=OTHER_CHAT)
    state.save_settings(CHAT, chosen)
    assert state.settings(CHAT) == chosen
    assert state.settings(OTHER_CHAT) == ModerationSettings()
    changed = chosen.with_changes(strike_limit=1, media_types="photo")
    state.save_settings(CHAT, changed)
    assert state.settings(CHAT) == changed


def test_unusable_saved_settings_fall_back_to_defaults(state: BotState, db_store: Store) -> None:
    state.save_settings(CHAT, ModerationSettings(strike_limit=2))
    with db_store.engine.begin() as connection:
        connection.exec_driver_sql('UPDATE telegram_chats SET settings = \'{"policy": "retired"}\'')
    assert state.settings(CHAT) == ModerationSettings()


def test_strikes_count_per_chat_and_sender_and_clear(state: BotState) -> None:
    assert state.strikes(CHAT, USER) == 0
    assert [state.add_strike(CHAT, USER) for _ in range(3)] == [1, 2, 3]
    assert state.add_strike(CHAT, CHANNEL) == 1
    assert state.strikes(OTHER_CHAT, USER) == 0
    state.clear_strikes(CHAT, USER)
    assert (state.strikes(CHAT, USER), state.strikes(CHAT, CHANNEL)) == (0, 1)
    assert state.add_strike(CHAT, USER) == 1
    state.clear_strikes(CHAT, 1)  # clearing a sender without strikes is fine


def test_allowlist(state: BotState) -> None:
    assert not state.is_allowed(CHAT, USER)
    state.allow(CHAT, USER, by=7)
    state.allow(CHAT, USER, by=8)  # allowing twice is not an error
    state.allow(CHAT, CHANNEL, by=7)
    assert state.is_allowed(CHAT, USER) and state.is_allowed(CHAT, CHANNEL)
    assert not state.is_allowed(OTHER_CHAT, USER)
    assert state.allowed(CHAT) == [CHANNEL, USER]
    state.disallow(CHAT, USER)
    assert not state.is_allowed(CHAT, USER)
    state.disallow(CHAT, USER)


def test_file_cache_keeps_fingerprints_and_findings_not_paths(state: BotState) -> None:
    assert state.cached("AgADx") is None
    fingerprint = {"path": "<memory>", "sha256": "ab" * 32, "pdq": "0f" * 32, "quality": 90}
    findings = [{"signal": "nudity", "source": "opennsfw", "score": 0.1}]
    state.remember("AgADx", CachedFile(fingerprint, findings))
    cached = state.cached("AgADx")
    assert cached is not None
    assert cached.fingerprint == {"sha256": "ab" * 32, "pdq": "0f" * 32, "quality": 90}
    assert cached.findings == findings
    state.remember("AgADx", CachedFile({"sha256": "cd" * 32}, []))
    assert state.cached("AgADx") == CachedFile({"sha256": "cd" * 32}, [])


def test_file_cache_drops_the_oldest_beyond_its_bound(db_store: Store) -> None:
    state = BotState(db_store, max_cached_files=3)
    for n in range(5):
        state.remember(f"file{n}", CachedFile({"n": n}, []))
    assert [state.cached(f"file{n}") is not None for n in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    state.remember("file2", CachedFile({"n": 22}, []))  # refreshed: now the newest
    state.remember("file5", CachedFile({"n": 5}, []))
    assert state.cached("file3") is None
    assert state.cached("file2") == CachedFile({"n": 22}, [])


def test_offset_is_the_next_update_to_ask_for_and_never_goes_back(state: BotState) -> None:
    assert state.offset() is None
    state.save_offset(100)
    assert state.offset() == 101
    state.save_offset(250)
    state.save_offset(120)
    assert state.offset() == 251


def test_seen_update_tells_a_redelivery_apart(state: BotState) -> None:
    assert state.seen_update(7) is False
    assert state.seen_update(7) is True
    assert state.seen_update(8) is False
    assert state.seen_update(7) is True


def test_seen_updates_forget_ids_far_below_the_newest(db_store: Store) -> None:
    state = BotState(db_store, max_seen_updates=10)
    for update_id in range(1, 21):
        assert state.seen_update(update_id) is False
    assert state.seen_update(20) is True
    assert state.seen_update(11) is True
    assert state.seen_update(10) is False  # forgotten, so treated as new


def test_actions_are_recorded_read_and_updated(state: BotState) -> None:
    moment = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    first = state.record_action(_record(at=moment, message_id=2**40))
    second = state.record_action(_record(sender_id=None, sender_chat_id=CHANNEL, status="held"))
    assert second > first
    stored = state.action(first)
    assert stored == _record(id=first, at=moment, message_id=2**40)
    assert state.action(second).sender_chat_id == CHANNEL  # type: ignore[union-attr]
    assert state.action(second + 100) is None

    updated = state.update_action(
        first, done=("delete", "warn", "ban"), status="confirmed", log_message_id=99
    )
    assert updated.done == ("delete", "warn", "ban")
    assert state.action(first) == updated
    assert (updated.status, updated.log_message_id, updated.error) == ("confirmed", 99, None)
    failed = state.update_action(second, status="failed", error="x" * 5000)
    assert failed.status == "failed" and len(failed.error or "") == 2000


def test_action_updates_are_checked(state: BotState) -> None:
    action_id = state.record_action(_record(done=()))
    assert state.action(action_id).done == ()  # type: ignore[union-attr]
    with pytest.raises(StateError, match="'chat_id' cannot change"):
        state.update_action(action_id, chat_id=1)
    with pytest.raises(StateError, match="not an action status") as caught:
        state.update_action(action_id, status="deleted")
    assert caught.value.code == "invalid-status"
    with pytest.raises(StateError) as missing:
        state.update_action(action_id + 1, status="done")
    assert missing.value.code == "unknown-action"
    with pytest.raises(StateError, match="not an action status"):
        state.record_action(_record(status="whatever"))


def test_counters_count_each_event_per_chat(state: BotState) -> None:
    assert state.counts(CHAT) == dict.fromkeys(EVENTS, 0)
    assert state.counting_since(CHAT) is None
    before = datetime.now(UTC)
    state.count(CHAT, "checked")
    state.count(CHAT, "checked")
    state.count(CHAT, "deleted")
    state.count(CHAT, "errors", 3)
    state.count(OTHER_CHAT, "banned")
    counts = state.counts(CHAT)
    assert (counts["checked"], counts["deleted"], counts["errors"], counts["banned"]) == (
        2,
        1,
        3,
        0,
    )
    since = state.counting_since(CHAT)
    assert since is not None and since.tzinfo is not None and since >= before.replace(microsecond=0)
    with pytest.raises(StateError, match="not a counted event"):
        state.count(CHAT, "kicked")


def test_appeals_are_kept_per_chat_with_capped_text(state: BotState) -> None:
    action_id = state.record_action(_record())
    other = state.record_action(_record(chat_id=OTHER_CHAT))
    first = state.record_appeal(action_id, USER, "  it is my own photo  ")
    second = state.record_appeal(action_id, USER, None)
    state.record_appeal(other, USER, "elsewhere")
    appeals = state.appeals(CHAT)
    assert [(a.id, a.action_id, a.chat_id, a.user_id) for a in appeals] == [
        (first, action_id, CHAT, USER),
        (second, action_id, CHAT, USER),
    ]
    assert [a.text for a in appeals] == ["it is my own photo", None]
    state.set_appeal_text(second, "y" * 5000)
    assert state.appeal(second).text == "y" * MAX_APPEAL_CHARS  # type: ignore[union-attr]
    assert state.appeal(second + 100) is None
    with pytest.raises(StateError) as caught:
        state.record_appeal(other + 100, USER, "no such action")
    assert caught.value.code == "unknown-action"


def test_feedback_partner_exists_once_with_feedback_scope_only(db_store: Store) -> None:
    state = BotState(db_store)
    name = state.feedback_partner()
    assert state.feedback_partner() == name == "telegram-bot"
    partner = Partners(db_store).get(name)
    assert partner.scopes == ("feedback",) and partner.active


def test_feedback_partner_can_review_a_pending_decision(db_store: Store) -> None:
    from consentry.policy import Decision

    decisions = Decisions(db_store)
    decision_id = decisions.record(
        Decision(action="review", rule="derived-from-protected-photo"),
        source="telegram",
        chat=str(CHAT),
    )
    partner = BotState(db_store).feedback_partner()
    review = decisions.review_with_feedback(decision_id, "rejected", partner)
    assert (review.decision.review, review.decision.reviewed_by) == ("rejected", partner)


def test_migration_0004_creates_and_drops_only_the_telegram_tables(db_url: str) -> None:
    from consentry.store.engine import url_engine

    with Store.open_url(db_url) as store:
        BotState(store).save_settings(CHAT, ModerationSettings())
        store.create_bank("kept")
    engine = url_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert tables >= TELEGRAM_TABLES
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003_decisions")
        after = set(inspect(engine).get_table_names())
        assert after == tables - TELEGRAM_TABLES
    finally:
        engine.dispose()
    with Store.open_url(db_url) as store:  # upgrades again
        assert BotState(store).settings(CHAT) == ModerationSettings()
        assert store.get_bank("kept").name == "kept"


def test_a_strike_taken_back_never_goes_below_zero(db_store) -> None:
    from consentry.telegram.state import BotState

    state = BotState(db_store)
    assert state.remove_strike(-100, 7) == 0
    state.add_strike(-100, 7)
    state.add_strike(-100, 7)
    assert state.remove_strike(-100, 7) == 1
    assert state.remove_strike(-100, 7) == 0
    assert state.remove_strike(-100, 7) == 0
    assert state.strikes(-100, 7) == 0
