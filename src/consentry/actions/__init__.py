"""Client-agnostic moderation actions: per-chat settings, policy presets and action plans.

A client (the Telegram bot) turns a policy decision into an :class:`ActionPlan` with
:func:`plan_actions`, then applies it with its own API.
"""

from consentry.actions.plan import ActionPlan, plan_actions
from consentry.actions.presets import PRESETS, load_preset, preset_text
from consentry.actions.settings import MEDIA_TYPES, ModerationSettings, SettingsError

__all__ = [
    "MEDIA_TYPES",
    "PRESETS",
    "ActionPlan",
    "ModerationSettings",
    "SettingsError",
    "load_preset",
    "plan_actions",
    "preset_text",
]
