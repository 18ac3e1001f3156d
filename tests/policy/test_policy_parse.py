"""Broken policies: each rejection names the line and says what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from consentry.errors import ConsentryError
from consentry.policy import PolicyError, load_policy, parse_policy
from consentry.policy.positions import Positions

GOOD_RULE = """
[[rule]]
name = "ok"
decision = "block"
when.match = {}
"""


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(textwrap.dedent(text).lstrip("\n"), source="p.toml")
    return caught.value


# (policy text, the line the error must name, words the reason must contain)
CASES = {
    "toml-syntax": ("version = 1\n[[rule]\nname = 'x'\n", 2, ["invalid TOML"]),
    "version-missing": ("[thresholds]\nnudity = 0.8\n", 1, ["no version", "version = 1"]),
    "version-unsupported": ("# a comment\nversion = 2\n", 2, ["unsupported policy version 2"]),
    "version-not-int": ('version = "1"\n', 1, ["unsupported policy version '1'"]),
    "unknown-top-key": (
        "version = 1\ndefualt = 'allow'\n",
        2,
        ["unknown key 'defualt' in the policy", "did you mean 'default'"],
    ),
    "bad-default": (
        "version = 1\ndefault = 'bank'\n",
        2,
        ["default: unknown decision 'bank'", "use one of block, review, allow"],
    ),
    "threshold-not-number": (
        "version = 1\n[thresholds]\nnudity = 0.8\nhigh = 'very'\n",
        4,
        ["threshold 'high' must be a number, not 'very'"],
    ),
    "threshold-bool": ("version = 1\n[thresholds]\nx = true\n", 3, ["must be a number"]),
    "threshold-nan": ("version = 1\n[thresholds]\nx = nan\n", 3, ["finite"]),
    "thresholds-not-table": ("version = 1\nthresholds = 3\n", 2, ["table of name = number"]),
    "rule-not-array": ("version = 1\nrule = 3\n", 2, ["array of tables", "[[rule]]"]),
    "rule-without-name": (
        "version = 1\n" + GOOD_RULE + "\n[[rule]]\ndecision = 'block'\n",
        8,
        ["a rule has no name"],
    ),
    "bad-rule-name": (
        "version = 1\n[[rule]]\nname = 'has space'\n",
        3,
        ["rule name 'has space' must be"],
    ),
    "duplicate-rule-name": (
        "version = 1\n" + GOOD_RULE + GOOD_RULE,
        9,
        ["duplicate rule name 'ok'", "first defined on line 4"],
    ),
    "unknown-rule-key": (
        "version = 1\n[[rule]]\nname = 'r'\naction = 'block'\n",
        4,
        ["unknown key 'action' in rule 'r'", "did you mean 'decision'"],
    ),
    "decision-missing": (
        "version = 1\n[[rule]]\nname = 'r'\nwhen.match = {}\n",
        2,
        ["rule 'r' has no decision"],
    ),
    "unknown-decision": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'blok'\nwhen.match = {}\n",
        4,
        ["unknown decision 'blok'", "did you mean 'block'"],
    ),
    "no-conditions": (
        "version = 1\n\n[[rule]]\nname = 'r'\ndecision = 'block'\n",
        3,
        ["rule 'r' has no conditions"],
    ),
    "empty-when": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen = {}\n",
        5,
        ["has no conditions"],
    ),
    "unknown-condition": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.nudty = { above = 0.5 }\n",
        5,
        ["unknown key 'nudty'", "did you mean 'nudity'"],
    ),
    "condition-not-table": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.match = 'yes'\n",
        5,
        ["when.match must be a table"],
    ),
    "unknown-match-key": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.match = { bank = 'a', labels = ['x'] }\n",
        5,
        ["unknown key 'labels' in the match condition of rule 'r'", "did you mean 'label'"],
    ),
    "unknown-signal": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.match = { signal = 'pqd' }\n",
        5,
        ["unknown signal 'pqd'", "did you mean 'pdq'"],
    ),
    "bad-label-type": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.match = { label = 3 }\n",
        5,
        ["label must be a string or a list of strings"],
    ),
    "distance-out-of-range": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.match = { max_distance = 300 }\n",
        5,
        ["max_distance must be a whole number of bits from 0 to 256"],
    ),
    "score-out-of-range": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "[rule.when.nudity]\nsource = 'opennsfw'\nabove = 80\n",
        7,
        ["above must be a score from 0 to 1, not 80"],
    ),
    "bound-not-number": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.nudity = { above = 'high' }\n",
        5,
        ["expected a number or a $threshold, not 'high'"],
    ),
    "undefined-threshold": (
        "version = 1\n[thresholds]\nnudity = 0.8\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.nudity = { above = '$nudty' }\n",
        7,
        ["undefined threshold '$nudty'", "did you mean '$nudity'"],
    ),
    "threshold-out-of-range-where-used": (
        "version = 1\n[thresholds]\nnudity = 80\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.nudity = { above = '$nudity' }\n",
        3,
        ["threshold 'nudity' must be a score from 0 to 1, not 80", "used by rule 'r'"],
    ),
    "impossible-bounds": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.nudity = { above = 0.7, below = 0.5 }\n",
        5,
        ["above 0.7 is not less than below 0.5", "never hold"],
    ),
    "unknown-nudity-source": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.nudity = { source = 'nudenett', above = 0.5 }\n",
        5,
        ["unknown source 'nudenett'", "did you mean 'nudenet'"],
    ),
    "provenance-flag-not-bool": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.provenance = { ai_generated = 'yes' }\n",
        5,
        ["ai_generated must be true or false"],
    ),
    "valid-without-c2pa": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.provenance = { source = 'xmp', valid = true }\n",
        5,
        ["'valid' is a C2PA manifest's state"],
    ),
    "classifier-without-name": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.classifier = { above = 0.5 }\n",
        5,
        ["needs name ="],
    ),
    "classifier-source-key": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\n"
        "when.classifier = { source = 'deepfake', above = 0.5 }\n",
        5,
        ["unknown key 'source'", "did you mean 'name'"],
    ),
    "bank-decision-without-match": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'bank'\nwhen.nudity = { above = 0.5 }\n",
        4,
        ['decision "bank"', "needs a when.match condition"],
    ),
    "scope-without-selector": (
        "version = 1\n" + GOOD_RULE + "\n[[scope]]\ndisable = ['ok']\n",
        8,
        ["a scope needs a selector"],
    ),
    "scope-unknown-key": (
        "version = 1\n[[scope]]\npartners = 'acme'\n",
        3,
        ["unknown key 'partners' in a scope", "did you mean 'partner'"],
    ),
    "scope-selector-type": (
        "version = 1\n[[scope]]\npartner = 3\n",
        3,
        ["a scope: partner must be a string or a list of strings"],
    ),
    "disable-unknown-rule": (
        "version = 1\n"
        + GOOD_RULE
        + "\n[[scope]]\npartner = 'acme'\ndisable = [\n  'ok',\n  'okk',\n]\n",
        12,
        ["scope partner 'acme' disables unknown rule 'okk'", "did you mean 'ok'"],
    ),
    "scope-threshold-undefined": (
        "version = 1\n[thresholds]\nnudity = 0.8\n[[scope]]\nchat = 'c'\n"
        "thresholds = { nudty = 0.9 }\n",
        6,
        ["scope threshold 'nudty' is not defined", "did you mean 'nudity'"],
    ),
    "scope-threshold-out-of-range": (
        "version = 1\n[thresholds]\nnudity = 0.8\n"
        "[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.nudity = { above = '$nudity' }\n"
        "[[scope]]\npartner = 'acme'\n[scope.thresholds]\nnudity = 1.5\n",
        11,
        ["threshold 'nudity' in scope partner 'acme' must be a score from 0 to 1"],
    ),
    "scope-rule-duplicate": (
        "version = 1\n" + GOOD_RULE + "\n[[scope]]\nbank = 'b'\n[[scope.rule]]\nname = 'ok'\n",
        11,
        ["duplicate rule name 'ok'"],
    ),
    "scope-rule-unknown-key": (
        "version = 1\n[[scope]]\nbank = 'b'\n[[scope.rule]]\nname = 'x'\ndecision = 'allow'\n"
        "when.match = {}\n[[scope.rule]]\nname = 'y'\ndecision = 'review'\n"
        "when.match = { bank = 'b', max_distanse = 3 }\n",
        11,
        ["unknown key 'max_distanse'", "did you mean 'max_distance'"],
    ),
    "or-list-element": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.match = [\n"
        "  { label = 'a' },\n  { signal = 'regoins' },\n]\n",
        7,
        ["unknown signal 'regoins'", "did you mean 'regions'"],
    ),
    "derived-is-a-kind-not-a-signal": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\n"
        "when.match = { signal = 'derived' }\n",
        5,
        ["'derived' is a kind of match, not a signal", 'write kind = "derived"'],
    ),
    "not-derived-is-a-kind-not-a-signal": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'allow'\n"
        "when.match = { label = 'x', not_signal = ['pdq', 'derived'] }\n",
        5,
        ['write not_kind = "derived"'],
    ),
    "signal-typo-of-a-kind": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\n"
        "when.match = { signal = 'drived' }\n",
        5,
        ["unknown signal 'drived'", 'did you mean kind = "derived"', "use pdq, vpdq"],
    ),
    "unknown-kind": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\n"
        "when.match = [\n  { label = 'a' },\n  { kind = 'derivd' },\n]\n",
        7,
        ["unknown match kind 'derivd'", "did you mean 'derived'", "use copy, derived"],
    ),
    "unknown-not-kind": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\n"
        "when.match = { not_kind = ['copy', 'fake'] }\n",
        5,
        ["unknown match kind 'fake'", "use copy, derived"],
    ),
    "kind-not-a-string": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\nwhen.match = { kind = 1 }\n",
        5,
        ["kind must be a string or a list of strings"],
    ),
    "type-for-kind": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'review'\n"
        "when.match = { type = 'derived' }\n",
        5,
        ["unknown key 'type'", "did you mean 'kind'"],
    ),
    "empty-or-list": (
        "version = 1\n[[rule]]\nname = 'r'\ndecision = 'block'\nwhen.match = []\n",
        5,
        ["non-empty list of tables"],
    ),
}


@pytest.mark.parametrize(("text", "line", "words"), CASES.values(), ids=CASES.keys())
def test_rejection_names_the_line(text: str, line: int, words: list[str]) -> None:
    error = _error(text)
    assert error.line == line, error.message
    assert error.message.startswith(f"p.toml:{line}: ")
    for word in words:
        assert word in error.reason, error.reason
    assert error.code == "invalid-policy" and isinstance(error, ConsentryError)
    assert error.to_dict()["line"] == line


def test_a_valid_policy_with_every_feature_parses() -> None:
    policy = parse_policy(
        textwrap.dedent(
            """
            version = 1
            name = "all"
            description = "every feature once"
            default = "review"
            [thresholds]
            nudity = 0.8
            bits = 12
            [[rule]]
            name = "m"
            decision = "bank"
            when.match = { bank = "b", label = ["x", "Y"], signal = "pdq", max_distance = "$bits" }
            [[rule]]
            name = "d"
            decision = "review"
            when.match = [{ kind = "derived", signal = "regions" }, { not_kind = ["derived"] }]
            [[rule]]
            name = "n"
            decision = "block"
            [rule.when]
            nudity = { source = ["opennsfw", "nudenet"], above = "$nudity", below = 1 }
            provenance = [{ source = "c2pa", valid = true }, { ai_generated = true }]
            classifier = { name = "deepfake", label = "fake", above = 0.5 }
            [[scope]]
            partner = ["p1", "p2"]
            chat = "c"
            bank = "b"
            thresholds = { bits = 3 }
            disable = ["m"]
            default = "allow"
            [[scope.rule]]
            name = "s"
            decision = "allow"
            when.match = {}
            """
        )
    )
    assert [rule.name for rule in policy.all_rules()] == ["m", "d", "n", "s"]
    assert policy.rule("m").clauses[0].options[0].labels == ("x", "y")
    derived, not_derived = policy.rule("d").clauses[0].options
    assert (derived.kinds, derived.signals, derived.not_kinds) == (("derived",), ("regions",), ())
    assert (not_derived.kinds, not_derived.not_kinds) == ((), ("derived",))
    assert policy.scopes[0].label == "partner 'p1' or 'p2', chat 'c', bank 'b'"
    assert policy.scopes[0].rules[0].scope == policy.scopes[0].label
    assert policy.default == "review" and policy.thresholds == {"nudity": 0.8, "bits": 12}


# --- files ---------------------------------------------------------------------------------


def test_load_policy_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("version = 1\n" + GOOD_RULE, encoding="utf-8")
    assert load_policy(path).source == str(path)


def test_load_policy_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope.toml")
    assert caught.value.line is None
    assert "cannot read the policy file" in caught.value.message
    assert caught.value.message.startswith(str(tmp_path / "nope.toml"))


def test_load_policy_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"version = 1\n# caf\xe9\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.line == 2 and "not UTF-8" in caught.value.reason


def test_load_policy_refuses_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"#" * ((1 << 20) + 10))
    with pytest.raises(PolicyError, match="larger than"):
        load_policy(path)


def test_binary_garbage_is_a_toml_error() -> None:
    with pytest.raises(PolicyError, match="invalid TOML"):
        parse_policy("\x00\x01 = = [[", source="junk")


# --- the position scanner ------------------------------------------------------------------


def test_positions_of_headers_keys_inline_tables_and_arrays() -> None:
    text = textwrap.dedent(
        """\
        version = 1          # 1
        [[rule]]             # 2
        name = "a"           # 3
        [[rule]]             # 4
        name = "b"           # 5
        when.match = [       # 6
          { label = "x" },   # 7
          # comment          # 8
          { "signal" = 'derived', bank = "q" },  # 9
        ]                    # 10
        description = '''
        [[rule]] inside a string
        '''                  # 13
        [rule.when.nudity]   # 14
        above = 0.5          # 15
        [[scope]]            # 16
        partner = "p"        # 17
        [[scope.rule]]       # 18
        name = "c"           # 19
        """
    )
    positions = Positions(text)
    expected = {
        ("version",): 1,
        ("rule", 0): 2,
        ("rule", 0, "name"): 3,
        ("rule", 1): 4,
        ("rule", 1, "when", "match"): 6,
        ("rule", 1, "when", "match", 0, "label"): 7,
        ("rule", 1, "when", "match", 1): 9,
        ("rule", 1, "when", "match", 1, "signal"): 9,
        ("rule", 1, "description"): 11,
        ("rule", 1, "when", "nudity", "above"): 15,
        ("scope", 0, "partner"): 17,
        ("scope", 0, "rule", 0, "name"): 19,
        ("rule", 1, "when", "match", 1, "not-there"): 9,  # falls back to the parent
        ("nothing",): None,
    }
    assert {path: positions.line(path) for path in expected} == expected


def test_positions_never_raise_on_text_it_cannot_follow() -> None:
    positions = Positions('a = 1\nb = "unterminated\n[[x')
    assert positions.line(("a",)) == 1
    assert positions.line(("x", 0)) is None
