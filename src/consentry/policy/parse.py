"""TOML text -> a validated :class:`Policy`, or a :class:`PolicyError` naming the line.

Everything is checked up front, so a policy that loads cannot fail or silently misbehave
later: unknown keys (with a "did you mean"), unknown decisions, signals, match kinds and
sources, thresholds that are not numbers or are out of range where used, undefined
``$threshold`` references, duplicate rule names, rules without conditions, conditions that
can never hold, scopes without selectors, disabling a rule that does not exist.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from consentry.errors import ConsentryError
from consentry.policy.model import (
    ACTIONS,
    ALLOW,
    BANK,
    C2PA,
    DECISIONS,
    MATCH_KINDS,
    MATCH_SIGNALS,
    NUDITY_SOURCES,
    PROVENANCE_SOURCES,
    ClassifierCondition,
    Clause,
    Condition,
    MatchCondition,
    NudityCondition,
    Number,
    Policy,
    ProvenanceCondition,
    Ref,
    Rule,
    Scope,
)
from consentry.policy.positions import Path as KeyPath
from consentry.policy.positions import Positions

SUPPORTED_VERSIONS = (1,)
MAX_POLICY_BYTES = 1 << 20  # a policy is a page of rules; anything bigger is a wrong file
MAX_DISTANCE = 256  # PDQ hashes are 256 bits
DEFAULT_POLICY_FILE = "default.toml"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_THRESHOLD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)$")

TOP_KEYS = ("version", "default", "name", "description", "thresholds", "rule", "scope")
RULE_KEYS = ("name", "description", "decision", "when")
SCOPE_KEYS = ("name", "description", "partner", "chat", "bank", "thresholds", "disable")
SCOPE_KEYS += ("default", "rule")
MATCH_KEYS = ("bank", "label", "signal", "kind", "not_bank", "not_label", "not_signal")
MATCH_KEYS += ("not_kind", "max_distance")  # max_distance last: the others are names
NUDITY_KEYS = ("source", "above", "below")
PROVENANCE_KEYS = ("source", "ai_generated", "valid")
CLASSIFIER_KEYS = ("name", "label", "above", "below")
CONDITION_KINDS = ("match", "nudity", "provenance", "classifier")
# Words people reach for that difflib would not connect to the key meant.
ALIASES = {
    "action": "decision",
    "if": "when",
    "conditions": "when",
    "rules": "rule",
    "scopes": "scope",
    "min": "above",
    "minimum": "above",
    "threshold": "above",
    "max": "below",
    "maximum": "below",
    "distance": "max_distance",
    "ai": "ai_generated",
    "model": "name",
    "class": "label",
    "type": "kind",
}
CLASSIFIER_ALIASES = {**ALIASES, "source": "name"}


class PolicyError(ConsentryError):
    """A policy that cannot be used: ``message`` is "SOURCE:LINE: reason"."""

    code = "invalid-policy"

    def __init__(self, reason: str, *, source: str = "<policy>", line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.reason = reason
        self.source = source
        self.line = line

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "source": self.source,
            "line": self.line,
            "reason": self.reason,
        }


def load_policy(path: str | Path) -> Policy:
    """Read and parse a policy file (UTF-8 TOML)."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        reason = f"cannot read the policy file: {exc.strerror or exc}"
        raise PolicyError(reason, source=source) from None
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyError(f"larger than {MAX_POLICY_BYTES} bytes: not a policy", source=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyError("not UTF-8 text", source=source, line=line) from None
    return parse_policy(text, source=source)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate policy TOML; ``source`` names it in error messages."""
    return _Parser(text, source).policy()


@cache
def default_policy_text() -> str:
    """The shipped default policy's TOML, comments included (a starting point to edit)."""
    return resources.files("consentry.policy").joinpath(DEFAULT_POLICY_FILE).read_text("utf-8")


@cache
def default_policy() -> Policy:
    return parse_policy(default_policy_text(), source=f"<default policy: {DEFAULT_POLICY_FILE}>")


def suggestion(word: str, choices: Iterable[str], aliases: Mapping[str, str] = ALIASES) -> str:
    """ " (did you mean 'x'?)" or ""."""
    choices = list(choices)
    if aliases.get(word) in choices:
        return f" (did you mean '{aliases[word]}'?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True)
class _Use:
    """Where a ``$threshold`` is used, to check every value it can take there."""

    name: str
    distance: bool  # max_distance (an int 0..256) rather than a score bound (0..1)
    path: KeyPath
    rule: str


@dataclass(frozen=True)
class _Bounds:
    above: Number | None
    below: Number | None
    path: KeyPath
    rule: str


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._positions: Positions | None = None
        self.thresholds: dict[str, float] = {}
        self.rule_paths: dict[str, KeyPath] = {}
        self.uses: list[_Use] = []
        self.bounds: list[_Bounds] = []

    # --- errors ----------------------------------------------------------------------------

    def fail(self, path: KeyPath, reason: str) -> NoReturn:
        raise PolicyError(reason, source=self.source, line=self.line_of(path))

    def line_of(self, path: KeyPath) -> int | None:
        if self._positions is None:  # scanned only when there is an error to report
            self._positions = Positions(self.text)
        return self._positions.line(path)

    def check_keys(
        self,
        table: Mapping[str, Any],
        allowed: tuple[str, ...],
        path: KeyPath,
        where: str,
        aliases: Mapping[str, str] = ALIASES,
    ) -> None:
        for key in table:
            if key not in allowed:
                hint = suggestion(key, allowed, aliases)
                self.fail((*path, key), f"unknown key '{key}' in {where}{hint}")

    # --- the document ----------------------------------------------------------------------

    def policy(self) -> Policy:
        doc = self.toml()
        self.check_keys(doc, TOP_KEYS, (), "the policy")
        version = self.version(doc)
        self.thresholds = self.threshold_table(doc.get("thresholds", {}), ("thresholds",))
        default = self.action(doc.get("default", ALLOW), ("default",), "default")
        rules = self.rules(doc.get("rule", []), ("rule",), None)
        scopes = tuple(
            self.scope(table, ("scope", index))
            for index, table in enumerate(self.tables(doc.get("scope", []), ("scope",), "scope"))
        )
        self.check_disables(scopes)
        self.check_threshold_values(scopes)
        return Policy(
            version=version,
            rules=rules,
            thresholds=self.thresholds,
            scopes=scopes,
            default=default,
            source=self.source,
            name=self.optional_text(doc, "name", ()),
            description=self.optional_text(doc, "description", ()),
        )

    def toml(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            found = _TOML_POSITION.search(message)
            line = int(found.group(1)) if found else None
            reason = message[: found.start()] if found else message
            raise PolicyError(f"invalid TOML: {reason}", source=self.source, line=line) from None

    def version(self, doc: Mapping[str, Any]) -> int:
        if "version" not in doc:
            supported = SUPPORTED_VERSIONS[-1]
            raise PolicyError(
                f"the policy has no version: start it with `version = {supported}`",
                source=self.source,
                line=1,
            )
        version = doc["version"]
        if type(version) is not int or version not in SUPPORTED_VERSIONS:
            choices = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
            self.fail(
                ("version",), f"unsupported policy version {version!r} (supported: {choices})"
            )
        return version

    def threshold_table(self, table: Any, path: KeyPath) -> dict[str, float]:
        if not isinstance(table, dict):
            self.fail(path, "[thresholds] must be a table of name = number")
        values = {}
        for name, value in table.items():
            if not _THRESHOLD_NAME.match(name):
                self.fail((*path, name), f"threshold name '{name}' must be a word (letters, _, -)")
            values[name] = self.finite_number(value, (*path, name), f"threshold '{name}'")
        return values

    def finite_number(self, value: Any, path: KeyPath, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"{what} must be a number, not {_shown(value)}")
        if not math.isfinite(value):
            self.fail(path, f"{what} must be a finite number")
        return value

    def action(
        self, value: Any, path: KeyPath, what: str, choices: tuple[str, ...] = ACTIONS
    ) -> str:
        if not isinstance(value, str) or value not in choices:
            hint = suggestion(value, choices) if isinstance(value, str) else ""
            listed = ", ".join(choices)
            self.fail(path, f"{what}: unknown decision {_shown(value)}{hint}; use one of {listed}")
        return value

    def optional_text(self, table: Mapping[str, Any], key: str, path: KeyPath) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            self.fail((*path, key), f"'{key}' must be a string")
        return value

    def tables(self, value: Any, path: KeyPath, what: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(path, f"'{what}' must be an array of tables: write each as [[{what}]]")
        return value

    # --- rules -----------------------------------------------------------------------------

    def rules(self, value: Any, path: KeyPath, scope: str | None) -> tuple[Rule, ...]:
        what = ".".join(str(p) for p in path if isinstance(p, str))
        tables = self.tables(value, path, what)
        return tuple(self.rule(table, (*path, i), scope) for i, table in enumerate(tables))

    def rule(self, table: dict[str, Any], path: KeyPath, scope: str | None) -> Rule:
        name = self.rule_name(table, path)
        where = f"rule '{name}'"
        self.check_keys(table, RULE_KEYS, path, where)
        if "decision" not in table:
            self.fail(path, f'{where} has no decision: add decision = "block" (or review, ...)')
        decision = self.action(table["decision"], (*path, "decision"), where, DECISIONS)
        clauses = self.clauses(table.get("when"), (*path, "when"), name)
        if decision == BANK and not any(c.kind == MatchCondition.kind for c in clauses):
            self.fail(
                (*path, "decision"),
                f'{where}: decision "bank" takes the matched bank\'s action hint, so the rule '
                "needs a when.match condition",
            )
        description = self.optional_text(table, "description", path)
        return Rule(name, decision, clauses, description, scope)

    def rule_name(self, table: Mapping[str, Any], path: KeyPath) -> str:
        name = table.get("name")
        if name is None:
            self.fail(path, 'a rule has no name: add name = "..."')
        if not isinstance(name, str) or not _NAME.match(name):
            self.fail(
                (*path, "name"),
                f"rule name {_shown(name)} must be 1-64 letters, digits, '.', '_' or '-'",
            )
        if name in self.rule_paths:
            first = self.line_of(self.rule_paths[name])
            self.fail(
                (*path, "name"), f"duplicate rule name '{name}' (first defined on line {first})"
            )
        self.rule_paths[name] = (*path, "name")
        return name

    def clauses(self, when: Any, path: KeyPath, rule: str) -> tuple[Clause, ...]:
        if when is None or when == {}:
            self.fail(
                path,
                f"rule '{rule}' has no conditions: add when.match / when.nudity / "
                "when.provenance / when.classifier (to change what happens when no rule "
                "applies, set default = ...)",
            )
        if not isinstance(when, dict):
            self.fail(path, f"rule '{rule}': 'when' must be a table of conditions")
        self.check_keys(when, CONDITION_KINDS, path, f"the conditions of rule '{rule}'")
        return tuple(self.clause(kind, value, (*path, kind), rule) for kind, value in when.items())

    def clause(self, kind: str, value: Any, path: KeyPath, rule: str) -> Clause:
        if isinstance(value, dict):
            options = [(value, path)]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            options = [(item, (*path, i)) for i, item in enumerate(value)]
        else:
            self.fail(
                path,
                f"rule '{rule}': when.{kind} must be a table, or a non-empty list of tables "
                "(any one of them holds)",
            )
        parse = {
            "match": self.match,
            "nudity": self.nudity,
            "provenance": self.provenance,
            "classifier": self.classifier,
        }[kind]
        return Clause(kind, tuple(parse(table, where, rule) for table, where in options))

    # --- conditions ------------------------------------------------------------------------

    def match(self, table: dict[str, Any], path: KeyPath, rule: str) -> Condition:
        self.check_keys(table, MATCH_KEYS, path, f"the match condition of rule '{rule}'")
        names = {key: self.names(table, key, path, f"rule '{rule}'") for key in MATCH_KEYS[:-1]}
        for key in ("signal", "not_signal"):
            for signal in names[key]:
                self.check_signal(signal, (*path, key), key)
        for key in ("kind", "not_kind"):
            for kind in names[key]:
                if kind not in MATCH_KINDS:
                    hint = suggestion(kind, MATCH_KINDS)
                    listed = ", ".join(MATCH_KINDS)
                    self.fail((*path, key), f"unknown match kind '{kind}'{hint}; use {listed}")
        distance = None
        if "max_distance" in table:
            distance = self.number(table["max_distance"], (*path, "max_distance"), rule, True)
        return MatchCondition(
            banks=names["bank"],
            labels=tuple(label.casefold() for label in names["label"]),
            signals=names["signal"],
            not_banks=names["not_bank"],
            not_labels=tuple(label.casefold() for label in names["not_label"]),
            not_signals=names["not_signal"],
            kinds=names["kind"],
            not_kinds=names["not_kind"],
            max_distance=distance,  # type: ignore[arg-type]
        )

    def check_signal(self, signal: str, path: KeyPath, key: str) -> None:
        if signal in MATCH_SIGNALS:
            return
        as_kind = key.replace("signal", "kind")  # not_signal -> not_kind
        if signal in MATCH_KINDS:  # "derived" was a signal value before it became a kind
            self.fail(
                path, f"'{signal}' is a kind of match, not a signal: write {as_kind} = \"{signal}\""
            )
        hint = suggestion(signal, MATCH_SIGNALS)
        close_kind = difflib.get_close_matches(signal, MATCH_KINDS, n=1, cutoff=0.6)
        if not hint and close_kind:
            hint = f' (did you mean {as_kind} = "{close_kind[0]}"?)'
        listed = ", ".join(MATCH_SIGNALS)
        self.fail(path, f"unknown signal '{signal}'{hint}; use {listed}")

    def nudity(self, table: dict[str, Any], path: KeyPath, rule: str) -> Condition:
        self.check_keys(table, NUDITY_KEYS, path, f"the nudity condition of rule '{rule}'")
        sources = self.sources(table, path, rule, NUDITY_SOURCES)
        above, below = self.score_bounds(table, path, rule)
        return NudityCondition(sources=sources, above=above, below=below)

    def provenance(self, table: dict[str, Any], path: KeyPath, rule: str) -> Condition:
        self.check_keys(table, PROVENANCE_KEYS, path, f"the provenance condition of rule '{rule}'")
        sources = self.sources(table, path, rule, PROVENANCE_SOURCES)
        flags = {}
        for key in ("ai_generated", "valid"):
            value = table.get(key)
            if value is not None and not isinstance(value, bool):
                self.fail((*path, key), f"rule '{rule}': {key} must be true or false")
            flags[key] = value
        if flags["valid"] is not None and sources and C2PA not in sources:
            self.fail(
                (*path, "valid"),
                f"rule '{rule}': 'valid' is a C2PA manifest's state: add \"c2pa\" to source",
            )
        return ProvenanceCondition(sources=sources, **flags)

    def classifier(self, table: dict[str, Any], path: KeyPath, rule: str) -> Condition:
        where = f"the classifier condition of rule '{rule}'"
        self.check_keys(table, CLASSIFIER_KEYS, path, where, CLASSIFIER_ALIASES)
        name = table.get("name")
        if not isinstance(name, str) or not name:
            self.fail(path, f'{where} needs name = "<classifier name>"')
        label = self.optional_text(table, "label", path)
        above, below = self.score_bounds(table, path, rule)
        return ClassifierCondition(name=name, label=label, above=above, below=below)

    def names(
        self, table: Mapping[str, Any], key: str, path: KeyPath, where: str
    ) -> tuple[str, ...]:
        """A string or a non-empty list of strings, as a tuple."""
        value = table.get(key)
        if value is None:
            return ()
        values = [value] if isinstance(value, str) else value
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            self.fail((*path, key), f"{where}: {key} must be a string or a list of strings")
        return tuple(values)

    def sources(
        self, table: Mapping[str, Any], path: KeyPath, rule: str, known: tuple[str, ...]
    ) -> tuple[str, ...]:
        sources = self.names(table, "source", path, f"rule '{rule}'")
        for source in sources:
            if source not in known:
                hint = suggestion(source, known)
                listed = ", ".join(known)
                self.fail((*path, "source"), f"unknown source '{source}'{hint}; use {listed}")
        return sources

    def score_bounds(
        self, table: Mapping[str, Any], path: KeyPath, rule: str
    ) -> tuple[Number | None, Number | None]:
        above = below = None
        if "above" in table:
            above = self.number(table["above"], (*path, "above"), rule, False)
        if "below" in table:
            below = self.number(table["below"], (*path, "below"), rule, False)
        if above is not None and below is not None:
            self.bounds.append(_Bounds(above, below, path, rule))
        return above, below

    def number(self, value: Any, path: KeyPath, rule: str, distance: bool) -> Number | int:
        """A literal in range, or a ``$name`` reference to a defined threshold."""
        if isinstance(value, str):
            if not value.startswith("$"):
                self.fail(path, f"rule '{rule}': expected a number or a $threshold, not {value!r}")
            name = value[1:]
            if name not in self.thresholds:
                hint = suggestion(name, self.thresholds)
                hint = hint.replace("'", "'$", 1) if hint else ""
                self.fail(path, f"rule '{rule}': undefined threshold '{value}'{hint}")
            self.uses.append(_Use(name, distance, path, rule))
            return Ref(name)
        number = self.finite_number(value, path, f"rule '{rule}': {path[-1]}")
        problem = _range_problem(number, distance)
        if problem:
            self.fail(path, f"rule '{rule}': {path[-1]} {problem}")
        return number

    # --- scopes ----------------------------------------------------------------------------

    def scope(self, table: dict[str, Any], path: KeyPath) -> Scope:
        self.check_keys(table, SCOPE_KEYS, path, "a scope")
        selectors = {
            key: self.names(table, key, path, "a scope") for key in ("partner", "chat", "bank")
        }
        if not any(selectors.values()):
            self.fail(path, "a scope needs a selector: partner, chat and/or bank")
        label = self.optional_text(table, "name", path) or _scope_label(selectors)
        thresholds = self.scope_thresholds(table.get("thresholds", {}), (*path, "thresholds"))
        disable = self.disable_list(table.get("disable", []), (*path, "disable"))
        default = None
        if "default" in table:
            default = self.action(table["default"], (*path, "default"), f"scope {label}")
        return Scope(
            label=label,
            partners=selectors["partner"],
            chats=selectors["chat"],
            banks=selectors["bank"],
            thresholds=thresholds,
            disable=disable,
            rules=self.rules(table.get("rule", []), (*path, "rule"), label),
            default=default,
            description=self.optional_text(table, "description", path),
        )

    def scope_thresholds(self, table: Any, path: KeyPath) -> dict[str, float]:
        values = self.threshold_table(table, path)
        for name in values:
            if name not in self.thresholds:
                hint = suggestion(name, self.thresholds)
                self.fail(
                    (*path, name),
                    f"scope threshold '{name}' is not defined in [thresholds]{hint}",
                )
        return values

    def disable_list(self, value: Any, path: KeyPath) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(path, "disable must be a list of rule names")
        return tuple(values)

    def check_disables(self, scopes: tuple[Scope, ...]) -> None:
        for index, scope in enumerate(scopes):
            for position, name in enumerate(scope.disable):
                if name not in self.rule_paths:
                    hint = suggestion(name, self.rule_paths)
                    self.fail(
                        ("scope", index, "disable", position),
                        f"scope {scope.label} disables unknown rule '{name}'{hint}",
                    )

    # --- threshold values where they are used ----------------------------------------------

    def check_threshold_values(self, scopes: tuple[Scope, ...]) -> None:
        """Every value a $threshold can take must fit every place it is used."""
        self.check_setting(self.thresholds, {}, ("thresholds",), "")
        for index, scope in enumerate(scopes):
            if scope.thresholds:
                where = f" in scope {scope.label}"
                path = ("scope", index, "thresholds")
                self.check_setting(self.thresholds, scope.thresholds, path, where)

    def check_setting(
        self, base: Mapping[str, float], own: Mapping[str, float], path: KeyPath, where: str
    ) -> None:
        values = {**base, **own}
        for use in self.uses:
            problem = _range_problem(values[use.name], use.distance)
            if problem:
                defined = (*path, use.name) if use.name in own else ("thresholds", use.name)
                self.fail(
                    defined,
                    f"threshold '{use.name}'{where} {problem} (it is used by rule '{use.rule}')",
                )
        for bounds in self.bounds:
            self.check_bounds(bounds, values, where)

    def check_bounds(self, bounds: _Bounds, values: Mapping[str, float], where: str) -> None:
        above = _value(bounds.above, values)
        below = _value(bounds.below, values)
        if above >= below:
            self.fail(
                bounds.path,
                f"rule '{bounds.rule}': above {above:g} is not less than below {below:g}{where}, "
                "so the condition can never hold",
            )


def _value(number: Number | None, values: Mapping[str, float]) -> float:
    assert number is not None
    return values[number.name] if isinstance(number, Ref) else number


def _range_problem(number: float, distance: bool) -> str:
    if distance:
        if not isinstance(number, int) or not 0 <= number <= MAX_DISTANCE:
            return f"must be a whole number of bits from 0 to {MAX_DISTANCE}, not {number}"
        return ""
    if not 0 <= number <= 1:
        return f"must be a score from 0 to 1, not {number}"
    return ""


def _scope_label(selectors: Mapping[str, tuple[str, ...]]) -> str:
    parts = []
    for key, values in selectors.items():
        if values:
            parts.append(f"{key} " + " or ".join(f"'{v}'" for v in values))
    return ", ".join(parts)


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
