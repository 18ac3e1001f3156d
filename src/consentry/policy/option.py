"""A policy named the way users name it: a TOML file, or "default" for the shipped one."""

from __future__ import annotations

from consentry.policy.model import Policy
from consentry.policy.parse import default_policy, load_policy


def policy_from_option(value: str | None) -> Policy | None:
    """None -> None (no policy); "default" -> the shipped policy; else the file at ``value``."""
    if value is None:
        return None
    if value.strip().lower() == "default":
        return default_policy()
    return load_policy(value)
