"""investigate(): assessing exports' media in memory, resumably, and summarising them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consentry.investigate.journal import journal_path
from consentry.investigate.process import investigate
from consentry.policy import parse_policy
from consentry.signals import fingerprint
from consentry.store import Store

from .export_builders import (
    build_account_export,
    build_chat_export,
    chat,
    default_content,
    drawn_photo,
    message,
    sample_photo,
)

CAPTION_EN = "Look at this picture of the beautiful morning sky over the harbour"
CAPTION_RU = "Посмотрите на эту фотографию красивого утреннего неба над гаванью"
CHAT = 1234567890


def _every_kind(directory: Path) -> Path:
    """Each media kind once, plus media left out, missing, outside the export, and text."""
    specs = [
        message(1, kind="photo", text=CAPTION_EN, via_bot="@render_bot"),
        message(2, kind="video", text=CAPTION_RU, forwarded_from="Source channel"),
        message(3, kind="animation"),
        message(4, kind="video_note"),
        message(5, kind="sticker"),
        message(6, kind="voice"),
        message(7, kind="audio"),
        message(8, kind="file", thumbnail=True),
        message(9, kind="photo", exported=False),
        message(10, kind="photo", write=False),
        message(11, kind="photo", path="../../outside.jpg"),
        message(12, text="just words", via_bot="@render_bot", forwarded_from="Source channel"),
    ]
    return build_chat_export(directory / "ChatExport_2020-10-01", specs)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _every_kind(tmp_path_factory.mktemp("exports"))


def _items(result) -> dict[int, object]:
    return {item.identity[1]: item for item in result.items}


def test_every_media_kind_is_assessed_in_memory(every_kind: Path, tmp_path: Path) -> None:
    result = investigate([every_kind], tmp_path / "out", workers=1)
    items = _items(result)
    # Images and videos get an item; voice and audio are not media here; left-out media none.
    assert sorted(items) == [1, 2, 3, 4, 5, 8, 10, 11]
    for number in (1, 5, 8):
        assert items[number].error is None and items[number].pdq and items[number].sha256
        assert items[number].nudity is not None and 0 <= items[number].nudity < 0.8
        assert items[number].decision["action"] == "allow" and not items[number].flagged
    for number in (2, 3, 4):
        assert items[number].error is None and items[number].vpdq_frames
    assert items[10].error.startswith("missing-file")
    assert items[11].error.startswith("path-outside-export")
    photo = fingerprint(default_content("photo"))
    assert items[1].sha256 == photo.sha256 and items[1].pdq == photo.pdq
    summary = result.summary
    assert (summary.messages, summary.media, summary.assessed) == (12, 9, 6)
    assert (summary.errors, summary.not_exported, summary.flagged) == (2, 1, 0)
    assert summary.problems == len(result.problems) == 2
    assert {p.code for p in result.problems} == {"missing-file", "path-outside-export"}
    assert summary.bots == {"@render_bot": 2}
    assert [(e.source, e.target, e.count) for e in summary.forwards] == [
        ("Source channel", "Test channel", 2)
    ]
    assert summary.languages == {"en": 1, "ru": 1}
    assert summary.chats == {"Test channel": 9}
    assert result.counts.assessed_now == 6 and result.counts.resumed == 0
    assert set(result.messages) == {(CHAT, n) for n in (1, 2, 3, 4, 5, 8, 9, 10, 11)}
    assert all(message.text == "" for message in result.messages.values())


def test_outputs_hold_no_media_and_no_message_text(every_kind: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = investigate([every_kind], out, workers=1)
    assert {p.relative_to(out).as_posix() for p in result.files} == {
        "summary.json",
        "problems.jsonl",
        "work/items.jsonl",
    }
    files = [p for p in every_kind.rglob("*") if p.is_file() and p.suffix != ".json"]
    media = [p.read_bytes() for p in files if p.stat().st_size > 1000]
    assert len(media) >= 6
    for written in result.files:
        data = written.read_bytes()
        for content in media:
            assert content[200:264] not in data  # not a byte run of any media file
        for text in (CAPTION_EN, CAPTION_RU, "just words"):
            assert text.encode() not in data
    summary = json.loads((out / "summary.json").read_text())
    assert summary["media"] == 9 and summary["languages"] == {"en": 1, "ru": 1}


def test_clusters_count_distinct_images_and_copies(tmp_path: Path) -> None:
    astronaut = sample_photo("astronaut", 128)
    resized = sample_photo("astronaut", 112)
    specs = [
        message(1, kind="photo", content=astronaut),
        message(2, kind="photo", content=astronaut),
        message(3, kind="photo", content=resized),
        message(4, kind="photo", content=drawn_photo(1, 128)),
        message(5, kind="photo", content=sample_photo("coffee", 128)),
    ]
    export = build_chat_export(tmp_path / "ChatExport", specs)
    result = investigate([export], tmp_path / "out", workers=1)
    assert (result.summary.distinct, result.summary.copies) == (3, 2)
    top = result.summary.clusters
    assert len(top) == 1 and top[0].size == 3 and top[0].id == 1
    assert result.clusters[0].members == ((CHAT, 1), (CHAT, 2), (CHAT, 3))


def test_a_rerun_resumes_from_the_journal(every_kind: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = investigate([every_kind], out, workers=1)
    journal = journal_path(out)
    lines = journal.read_text().splitlines()
    assert json.loads(lines[0])["journal"] == 1 and len(lines) == 1 + 6
    # Interrupted after two items, the third line cut short mid-write.
    journal.write_text("\n".join(lines[:3]) + "\n" + lines[3][:40])
    second = investigate([every_kind], out, workers=1)
    assert (second.counts.resumed, second.counts.assessed_now) == (2, 4)
    assert not second.counts.restarted
    assert [i.to_json() for i in second.items] == [i.to_json() for i in first.items]
    assert len(journal.read_text().splitlines()) == 1 + 6
    third = investigate([every_kind], out, workers=1)
    assert (third.counts.resumed, third.counts.assessed_now) == (6, 0)
    assert third.summary.assessed == first.summary.assessed


def test_other_settings_start_the_journal_over(every_kind: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    investigate([every_kind], out, workers=1)
    stricter = parse_policy(
        'version = 1\ndefault = "review"\n[thresholds]\nnudity = 0.5\n'
        '[[rule]]\nname = "n"\ndecision = "block"\nwhen.nudity = { above = "$nudity" }\n'
    )
    again = investigate([every_kind], out, workers=1, policy=stricter)
    assert again.counts.restarted and again.counts.assessed_now == 6
    assert again.summary.nudity_threshold == 0.5
    assert again.summary.flagged == 6  # the default "review" flags every assessed file


def test_no_media_opens_nothing_and_still_counts(every_kind: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = investigate([every_kind], out, no_media=True)
    assert result.items == [] and not journal_path(out).exists()
    summary = result.summary
    assert (summary.media, summary.assessed, summary.not_exported) == (9, 0, 9)
    assert summary.bots == {"@render_bot": 2} and summary.languages == {"en": 1, "ru": 1}


def test_known_only_reuses_answers_for_known_digests(tmp_path: Path) -> None:
    photo = sample_photo("camera", 96)
    specs = [message(n, kind="photo", content=photo) for n in range(1, 5)]
    specs.append(message(5, kind="photo", content=drawn_photo(9)))
    export = build_chat_export(tmp_path / "ChatExport", specs)
    out = tmp_path / "out"
    result = investigate([export], out, workers=1, known_only=True)
    assert (result.counts.assessed_now, result.counts.reused) == (2, 3)
    items = _items(result)
    assert all(items[n].sha256 == items[1].sha256 for n in range(2, 5))
    assert all(items[n].nudity == items[1].nudity for n in range(2, 5))
    # A second export re-posting the photo: answered from the journal, not decoded.
    more = build_chat_export(
        tmp_path / "ChatExport2", [message(1, kind="photo", content=photo)], chat_id=777
    )
    again = investigate([export, more], out, workers=1, known_only=True)
    assert (again.counts.resumed, again.counts.reused, again.counts.assessed_now) == (5, 1, 0)
    by_identity = {item.identity: item for item in again.items}
    assert by_identity[(777, 1)].sha256 == items[1].sha256
    assert by_identity[(777, 1)].nudity == items[1].nudity


def test_messages_are_deduplicated_across_exports(tmp_path: Path) -> None:
    start = datetime(2021, 3, 1, 22, 30, tzinfo=UTC)  # a Monday
    specs = [
        message(n, kind="photo", content=drawn_photo(n), date=start + timedelta(days=3 * n))
        for n in range(1, 4)
    ]
    account = build_account_export(
        tmp_path / "DataExport", [chat("Group", specs, chat_type="private_supergroup")]
    )
    single = build_chat_export(tmp_path / "ChatExport", specs, name="Group")
    result = investigate([account, single], tmp_path / "out", workers=1)
    assert result.summary.messages == 3 and len(result.items) == 3
    # 4 and 7 March (a Sunday) fall in the week of Monday 1 March, the 10th in the next.
    assert result.summary.weekly == {"2021-03-01": 2, "2021-03-08": 1}
    assert result.summary.hours[22] == 3
    assert len(result.inputs) == len(set(result.inputs)) >= 2 * 4  # both exports' files


def test_workers_give_the_same_results(every_kind: Path, tmp_path: Path) -> None:
    alone = investigate([every_kind], tmp_path / "one", workers=1)
    pooled = investigate([every_kind], tmp_path / "two", workers=2)
    assert [i.to_json() for i in pooled.items] == [i.to_json() for i in alone.items]


def test_progress_is_reported(every_kind: Path, tmp_path: Path) -> None:
    events: list[tuple] = []

    class Recorder:
        def start(self, total: int, completed: int) -> None:
            events.append(("start", total, completed))

        def advance(self, record: dict) -> None:
            events.append(("advance", tuple(record["identity"])))

        def stop(self) -> None:
            events.append(("stop",))

    investigate([every_kind], tmp_path / "out", workers=1, progress=Recorder())
    # 9 media messages: 3 need no opening (left out, missing, outside), 6 are assessed.
    assert events[0] == ("start", 9, 3) and events[-1] == ("stop",)
    assert len([e for e in events if e[0] == "advance"]) == 6


def _bank_with(store: Store, name: str, data: bytes, label: str | None) -> None:
    fp = fingerprint(data)
    store.create_bank(name)
    store.add_entry(name, [("pdq", fp.pdq), ("sha256", fp.sha256)], label=label)


def test_banks_flag_matches_and_findings_go_to_a_bank(db_store: Store, tmp_path: Path) -> None:
    registered = sample_photo("astronaut", 128)
    _bank_with(db_store, "ncii", registered, "intimate")
    db_store.create_bank("found")
    specs = [
        message(1, kind="photo", content=registered),
        message(2, kind="photo", content=sample_photo("astronaut", 100)),  # resized copy
        message(3, kind="photo", content=sample_photo("coffee", 128)),
    ]
    export = build_chat_export(tmp_path / "ChatExport", specs)
    result = investigate(
        [export], tmp_path / "out", workers=1, store=db_store, banks=["ncii"], to_bank="found"
    )
    items = _items(result)
    assert items[1].flagged and items[1].decision["action"] == "block"
    assert items[1].matches[0]["bank"] == "ncii" and items[1].matches[0]["distance"] == 0
    assert items[2].flagged and items[2].matches[0]["signal"] == "pdq"
    assert not items[3].flagged and items[3].matches == []
    assert result.summary.matched == 2 and result.summary.flagged == 2
    assert result.pushed == 2
    entries = list(db_store.iter_entries("found"))
    assert {dict(e.fingerprints)["sha256"] for e in entries} == {
        items[1].sha256,
        items[2].sha256,
    }
    again = investigate(
        [export], tmp_path / "out", workers=1, store=db_store, banks=["ncii"], to_bank="found"
    )
    assert again.pushed == 0 and len(list(db_store.iter_entries("found"))) == 2


def test_known_only_answers_bank_digests_without_decoding(store: Store, tmp_path: Path) -> None:
    registered = sample_photo("chelsea", 96)
    _bank_with(store, "ncii", registered, "intimate")
    export = build_chat_export(
        tmp_path / "ChatExport", [message(1, kind="photo", content=registered)]
    )
    result = investigate(
        [export], tmp_path / "out", workers=1, store=store, banks=["ncii"], known_only=True
    )
    (item,) = result.items
    assert result.counts.reused == 1 and result.counts.assessed_now == 0
    assert item.flagged and item.decision["action"] == "block"
    assert item.findings == [] and item.nudity is None and item.pdq is None  # never decoded


def test_an_unknown_target_bank_fails_before_any_work(store: Store, tmp_path: Path) -> None:
    from consentry.store import UnknownBank

    export = build_chat_export(tmp_path / "ChatExport", [message(1, kind="photo")])
    with pytest.raises(UnknownBank):
        investigate([export], tmp_path / "out", store=store, to_bank="nope")
    assert not (tmp_path / "out").exists()


def test_caption_languages_and_weeks() -> None:
    from consentry.investigate.summarize import caption_language, week_of

    assert caption_language(CAPTION_EN) == "en"
    assert caption_language(CAPTION_RU) == "ru"
    assert caption_language("Mira esta foto del cielo de la mañana sobre el puerto") == "es"
    assert caption_language("lol 😂😂 !!") == "und"  # too few letters to tell
    assert caption_language("hola a todos, mirad esto") == "es"  # short, still clear enough
    sunday_night = datetime(2021, 3, 7, 23, 59, tzinfo=UTC)
    assert week_of(sunday_night) == "2021-03-01"
    assert week_of(sunday_night + timedelta(minutes=1)) == "2021-03-08"


def test_two_runs_cannot_write_one_journal(tmp_path: Path) -> None:
    from consentry.errors import ConsentryError
    from consentry.investigate.journal import open_journal

    path = tmp_path / "work" / "items.jsonl"
    with (
        open_journal(path, {"banks": []}),
        pytest.raises(ConsentryError) as caught,
        open_journal(path, {"banks": []}),
    ):
        pass
    assert caught.value.code == "investigation-busy"
    with open_journal(path, {"banks": []}) as journal:  # free again afterwards
        assert journal.done == {} and not journal.restarted
