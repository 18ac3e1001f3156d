"""ActionPlan: what a block, a review or an allow does, strikes, the allowlist and dry runs;
ModerationSettings: validation and JSON."""

from __future__ import annotations

import json

import pytest

from consentry.actions import (
    MEDIA_TYPES,
    ModerationSettings,
    SettingsError,
    plan_actions,
)

DEFAULTS = ModerationSettings()


def test_block_deletes_warns_and_strikes() -> None:
    plan = plan_actions("block", DEFAULTS, strikes_before=0, allowed_sender=False)
    assert (plan.delete, plan.warn, plan.strike, plan.hold_for_review) == (True, True, True, False)
    assert (plan.restrict, plan.strikes_after, plan.dry_run) == (None, 1, False)
    assert plan.acts
    assert "strike 1 of 3" in plan.reasons


@pytest.mark.parametrize(
    ("strikes_before", "limit", "restrict"),
    [(0, 3, None), (1, 3, None), (2, 3, "ban"), (5, 3, "ban"), (0, 1, "ban")],
)
def test_block_restricts_once_the_strike_limit_is_reached(
    strikes_before: int, limit: int, restrict: str | None
) -> None:
    settings = DEFAULTS.with_changes(strike_limit=limit)
    plan = plan_actions("block", settings, strikes_before=strikes_before, allowed_sender=False)
    assert plan.restrict == restrict
    assert plan.strikes_after == strikes_before + 1


def test_the_restriction_is_the_chosen_strike_action() -> None:
    settings = DEFAULTS.with_changes(strike_limit=2, strike_action="mute", mute_seconds=3600)
    plan = plan_actions("block", settings, strikes_before=1, allowed_sender=False)
    assert plan.restrict == "mute"
    assert "strike limit reached: mute the sender for 1 hour" in plan.reasons


def test_review_holds_the_message_without_a_strike() -> None:
    plan = plan_actions("review", DEFAULTS, strikes_before=2, allowed_sender=False)
    assert plan.hold_for_review
    assert (plan.delete, plan.warn, plan.strike, plan.restrict) == (False, False, False, None)
    assert plan.strikes_after == 2


def test_allow_does_nothing() -> None:
    plan = plan_actions("allow", DEFAULTS, strikes_before=0, allowed_sender=False)
    assert not plan.acts and not plan.strike
    assert plan.reasons == ("allowed by the policy",)


@pytest.mark.parametrize("action", ["block", "review", "allow"])
def test_an_allowlisted_sender_is_never_acted_on_but_the_reason_is_kept(action: str) -> None:
    plan = plan_actions(action, DEFAULTS, strikes_before=9, allowed_sender=True)
    assert not plan.acts and not plan.strike
    assert plan.strikes_after == 9
    assert plan.reasons == (f"sender is allowlisted (decision: {action})",)


@pytest.mark.parametrize("action", ["block", "review", "allow"])
def test_dry_run_plans_the_same_actions_marked_as_dry_run(action: str) -> None:
    live = plan_actions(action, DEFAULTS, strikes_before=2, allowed_sender=False)
    dry_settings = DEFAULTS.with_changes(dry_run=True)
    dry = plan_actions(action, dry_settings, strikes_before=2, allowed_sender=False)
    assert dry.dry_run and not live.dry_run
    assert (dry.delete, dry.warn, dry.restrict, dry.hold_for_review, dry.strike) == (
        live.delete,
        live.warn,
        live.restrict,
        live.hold_for_review,
        live.strike,
    )
    assert dry.reasons[:-1] == live.reasons
    assert dry.reasons[-1].startswith("dry run")


def test_unknown_decisions_and_negative_strikes_are_refused() -> None:
    with pytest.raises(ValueError, match="block, review, allow"):
        plan_actions("bank", DEFAULTS, strikes_before=0, allowed_sender=False)
    with pytest.raises(ValueError, match="negative"):
        plan_actions("block", DEFAULTS, strikes_before=-1, allowed_sender=False)


def test_default_settings() -> None:
    assert (DEFAULTS.policy, DEFAULTS.dry_run, DEFAULTS.log_chat) == ("default", False, None)
    strikes = (DEFAULTS.strike_limit, DEFAULTS.strike_action, DEFAULTS.mute_seconds)
    assert strikes == (3, "ban", 86400)
    assert DEFAULTS.media_types == MEDIA_TYPES
    assert {"photo", "video", "animation", "document", "sticker", "video_note"} == MEDIA_TYPES


def test_settings_round_trip_through_json_text() -> None:
    settings = DEFAULTS.with_changes(
        policy="strict",
        dry_run=True,
        log_chat=-1001234567890,
        strike_limit=5,
        strike_action="mute",
        mute_seconds=600,
        media_types={"photo", "sticker"},
    )
    text = json.dumps(settings.to_json())
    assert json.loads(text)["media_types"] == ["photo", "sticker"]
    assert ModerationSettings.from_json(json.loads(text)) == settings


def test_from_json_ignores_keys_it_does_not_know_and_checks_values() -> None:
    loaded = ModerationSettings.from_json({"strike_limit": 4, "retired_setting": 1})
    assert loaded == DEFAULTS.with_changes(strike_limit=4)
    with pytest.raises(SettingsError, match="strike_action is mute or ban"):
        ModerationSettings.from_json({"strike_action": "kick"})
    with pytest.raises(SettingsError, match="JSON object"):
        ModerationSettings.from_json(["policy"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"dry_run": "on"}, {"dry_run": True}),
        ({"dry_run": "OFF"}, {"dry_run": False}),
        ({"strike_limit": "7"}, {"strike_limit": 7}),
        ({"log_chat": "-100123"}, {"log_chat": -100123}),
        ({"log_chat": "none"}, {"log_chat": None}),
        ({"media_types": "photo, video"}, {"media_types": frozenset({"photo", "video"})}),
        ({"policy": "Matches-Only"}, {"policy": "matches-only"}),
        ({"strike_action": "MUTE"}, {"strike_action": "mute"}),
    ],
)
def test_with_changes_accepts_values_typed_as_text(
    changes: dict[str, object], expected: dict[str, object]
) -> None:
    changed = DEFAULTS.with_changes(**changes)
    assert {name: getattr(changed, name) for name in expected} == expected
    assert ModerationSettings() == DEFAULTS, "the original is unchanged"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"policy": "lenient"}, "policy is one of default, strict, matches-only"),
        ({"dry_run": "maybe"}, "dry_run is on or off"),
        ({"strike_limit": 0}, "from 1 to 100"),
        ({"strike_limit": "three"}, "whole number"),
        ({"strike_limit": True}, "whole number"),
        ({"mute_seconds": 10}, "mute_seconds is from 30"),
        ({"mute_seconds": 400 * 86400}, "366 days"),
        ({"media_types": "photo,voice"}, "'voice' is not a media type"),
        ({"log_chat": "@channel"}, "log_chat must be a whole number"),
        ({"colour": "red"}, "there is no setting 'colour'"),
    ],
)
def test_with_changes_refuses_bad_values_in_plain_words(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        DEFAULTS.with_changes(**changes)
    assert caught.value.code in ("invalid-setting", "unknown-setting")
