"""Policies: declarative TOML rules that turn matches and findings into explained decisions.

>>> policy = load_policy("policy.toml")            # or default_policy()
>>> decision = policy.decide(Evidence(matches=..., findings=...), Context(partner="acme"))
>>> decision.action, decision.rule, decision.explain()

The language, the shipped default policy and how decisions are chosen: docs/policy.md.
"""

from consentry.policy.model import (
    ACTIONS,
    Context,
    Decision,
    Evidence,
    Policy,
    Reason,
    Rule,
    Scope,
)
from consentry.policy.parse import (
    PolicyError,
    default_policy,
    default_policy_text,
    load_policy,
    parse_policy,
)

__all__ = [
    "ACTIONS",
    "Context",
    "Decision",
    "Evidence",
    "Policy",
    "PolicyError",
    "Reason",
    "Rule",
    "Scope",
    "default_policy",
    "default_policy_text",
    "load_policy",
    "parse_policy",
]
