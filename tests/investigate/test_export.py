"""Reading Telegram Desktop JSON exports: both layouts, every field and media kind, hostile
paths, damaged JSON and encodings, several exports at once, and a 100k-message stream."""

from __future__ import annotations

import json
import os
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consentry.investigate.export import export_files, read_exports
from consentry.investigate.records import ExportMessage, ExportProblem, ItemResult

from .export_builders import (
    MEDIA_KINDS,
    NOT_INCLUDED,
    START,
    build_account_export,
    build_chat_export,
    chat,
    message,
    sample_photo,
)


def read(*paths: Path) -> tuple[list[ExportMessage], list[ExportProblem]]:
    items = list(read_exports(list(paths)))
    messages = [i for i in items if isinstance(i, ExportMessage)]
    return messages, [i for i in items if isinstance(i, ExportProblem)]


def by_id(messages: list[ExportMessage]) -> dict[int, ExportMessage]:
    return {m.message_id: m for m in messages}


def test_single_chat_export_reads_every_field(tmp_path: Path) -> None:
    when = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    parts = ["Look ", {"type": "bold", "text": "here"}, {"type": "link", "text": " t.me/x"}]
    export = build_chat_export(
        tmp_path / "ChatExport_2021-03-04",
        [
            message(7, date=when, text=parts, sender="Bob", sender_id="user42", via_bot="@gen_bot"),
            message(8, forwarded_from="Other channel", saved_from="Saved", reply_to=7, text="hi"),
            message(9, sender=None, sender_id=None),  # a deleted account
        ],
        name="Channel A",
        chat_type="private_supergroup",
        chat_id=555,
    )
    messages, problems = read(export)
    assert problems == []
    first, second, third = messages
    assert first.export == str(export)
    assert (first.chat_id, first.chat_name, first.chat_type) == (
        555,
        "Channel A",
        "private_supergroup",
    )
    assert first.identity == (555, 7) and first.date == when and first.date.tzinfo is not None
    assert (first.sender, first.sender_id, first.via_bot) == ("Bob", "user42", "@gen_bot")
    assert first.text == "Look here t.me/x" and first.media is None
    assert (second.forwarded_from, second.saved_from, second.reply_to) == (
        "Other channel",
        "Saved",
        7,
    )
    assert second.text == "hi" and second.via_bot is None
    assert (third.sender, third.sender_id) == (None, None)
    assert first.link() == "https://t.me/c/555/7"


@pytest.mark.parametrize("kind", MEDIA_KINDS)
def test_every_media_kind_is_found_inside_the_export(tmp_path: Path, kind: str) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, kind=kind, thumbnail=True)])
    (only,), problems = read(export)
    assert problems == []
    media = only.media
    assert media is not None and media.kind == kind and media.problem is None
    assert media.path is not None and media.path.is_file()
    assert media.path.is_relative_to(export.resolve())
    assert media.size == media.path.stat().st_size > 0
    assert media.relative is not None and (export / media.relative).resolve() == media.path
    assert (media.mime is None) == (kind == "photo")


def test_account_export_reads_chats_and_left_chats(tmp_path: Path) -> None:
    export = build_account_export(
        tmp_path / "DataExport_2021",
        [
            chat(
                "Friend",
                [message(1, kind="photo"), message(2)],
                chat_type="personal_chat",
                chat_id=11,
            ),
            chat(
                "Bots hub",
                [message(5, kind="video", via_bot="@b")],
                chat_type="public_channel",
                chat_id=22,
            ),
            chat(
                "Old group",
                [message(9, kind="sticker")],
                chat_type="private_supergroup",
                chat_id=33,
                left=True,
            ),
        ],
    )
    messages, problems = read(export)
    assert problems == []
    assert [(m.chat_id, m.chat_name, m.message_id) for m in messages] == [
        (11, "Friend", 1), (11, "Friend", 2), (22, "Bots hub", 5), (33, "Old group", 9),
    ]  # fmt: skip
    photo, video, sticker = (m.media for m in messages if m.media is not None)
    assert photo is not None and photo.relative is not None
    assert photo.relative.startswith("chats/chat_01/photos/") and photo.path is not None
    assert video is not None and video.path is not None and video.kind == "video"
    assert sticker is not None and sticker.relative is not None
    assert sticker.relative.startswith("chats/chat_03/") and sticker.path is not None
    assert messages[0].link() is None  # private chats have no t.me link
    assert messages[2].link() == "https://t.me/c/22/5"


def test_media_left_out_of_the_export_is_not_exported_not_a_problem(tmp_path: Path) -> None:
    export = build_chat_export(
        tmp_path / "e",
        [message(1, kind="photo", exported=False), message(2, kind="video", exported=False)],
    )
    messages, problems = read(export)
    assert problems == []
    for found in messages:
        assert found.media is not None and found.media.problem == "not-exported"
        assert found.media.path is None and found.media.relative is None
    raw = json.loads((export / "result.json").read_text())["messages"]
    assert raw[0]["photo"] == NOT_INCLUDED


def test_missing_media_is_reported_and_the_message_kept(tmp_path: Path) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, kind="photo", write=False), message(2)])
    messages, problems = read(export)
    assert [m.message_id for m in messages] == [1, 2]
    assert messages[0].media is not None and messages[0].media.problem == "missing-file"
    assert messages[0].media.path is None
    (problem,) = problems
    assert problem.code == "missing-file" and "message 1" in problem.where


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("../outside.jpg", "path-outside-export"),
        ("photos/../../outside.jpg", "path-outside-export"),
        ("..\\outside.jpg", "path-outside-export"),
        ("/etc/hostname", "absolute-path"),
        ("C:\\Users\\x\\outside.jpg", "absolute-path"),
        ("photos/link.jpg", "symlink-outside-export"),
        ("linked_dir/outside.jpg", "symlink-outside-export"),
    ],
)
def test_paths_leading_out_of_the_export_are_refused(tmp_path: Path, path: str, code: str) -> None:
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(sample_photo())
    export = build_chat_export(tmp_path / "e", [message(1, kind="photo", path=path)])
    (export / "photos").mkdir(exist_ok=True)
    (export / "photos" / "link.jpg").symlink_to(outside)
    (export / "linked_dir").symlink_to(tmp_path)
    (found,), problems = read(export)
    assert found.media is not None and found.media.problem == code
    assert found.media.path is None and found.media.size is None
    assert found.media.relative == path
    (problem,) = problems
    assert problem.code == "path-outside-export" and "message 1" in problem.where


def test_a_symlink_that_stays_inside_the_export_is_followed(tmp_path: Path) -> None:
    export = build_chat_export(
        tmp_path / "e",
        [message(1, kind="photo"), message(2, kind="photo", path="photos/again.jpg")],
    )
    target = next((export / "photos").iterdir())
    (export / "photos" / "again.jpg").symlink_to(target)
    messages, problems = read(export)
    assert problems == []
    assert messages[1].media is not None and messages[1].media.path == target.resolve()


def test_a_directory_named_as_media_is_unreadable(tmp_path: Path) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, kind="file", path="files")])
    (export / "files").mkdir()
    (found,), (problem,) = read(export)
    assert found.media is not None and found.media.problem == "unreadable"
    assert problem.code == "unreadable"


def test_truncated_json_keeps_the_messages_before_the_cut(tmp_path: Path) -> None:
    export = build_chat_export(tmp_path / "e", [message(i, text=f"m{i}") for i in range(1, 51)])
    result = export / "result.json"
    content = result.read_bytes()
    result.write_bytes(content[: content.index(b'"id": 41,')])
    messages, problems = read(export)
    assert [m.message_id for m in messages] == list(range(1, 41))
    (problem,) = problems
    assert problem.code == "truncated-json" and "near byte" in problem.where


def test_broken_json_is_reported_without_quoting_the_export(tmp_path: Path) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, text="secret caption"), message(2)])
    result = export / "result.json"
    result.write_text(result.read_text().replace('"id": 2,', '"id": 2 oops,'))
    messages, problems = read(export)
    assert [m.message_id for m in messages] == [1]
    (problem,) = problems
    assert problem.code == "bad-json" and "secret" not in problem.message + problem.where


def test_bad_fields_skip_only_their_message(tmp_path: Path) -> None:
    export = build_chat_export(
        tmp_path / "e",
        [
            message(1),
            message(2, extra={"id": "two"}),
            message(3, unixtime=False, extra={"date": "yesterday"}),
            message(4, extra={"from": 12, "via_bot": ["x"], "reply_to_message_id": "x"}),
            message(5, service=True),
            message(6, unixtime=False, date=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ],
    )
    messages, problems = read(export)
    assert [m.message_id for m in messages] == [1, 4, 6]  # 5 is a service message, not a post
    assert [p.code for p in problems] == ["bad-field", "bad-field"]
    odd = by_id(messages)[4]
    assert (odd.sender, odd.via_bot, odd.reply_to) == (None, None, None)
    assert by_id(messages)[6].date == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_chat_without_an_id_is_reported_once(tmp_path: Path) -> None:
    export = tmp_path / "e"
    export.mkdir()
    body = {
        "name": "No id",
        "type": "public_channel",
        "messages": [message(1).data, message(2).data],
    }
    (export / "result.json").write_text(json.dumps(body))
    messages, problems = read(export)
    assert messages == [] and [p.code for p in problems] == ["bad-field"]


def test_each_account_chat_keeps_its_own_header(tmp_path: Path) -> None:
    # Telegram writes a chat's id before its messages; a chat that does not is reported and
    # skipped, and the header of one chat never leaks into the next.
    export = tmp_path / "e"
    export.mkdir()
    late = {"messages": [message(1).data], "id": 5, "name": "Late"}
    chats = [{"id": 4, "name": "A", "messages": [message(1).data]}, late]
    left = {"id": 6, "type": "private_group", "messages": [message(2).data]}
    body = {"chats": {"list": chats}, "left_chats": {"list": [left]}}
    (export / "result.json").write_text(json.dumps(body))
    messages, problems = read(export)
    assert [p.code for p in problems] == ["bad-field"]
    assert [(m.chat_id, m.chat_name, m.chat_type) for m in messages] == [
        (4, "A", None), (6, None, "private_group"),
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_byte_order_marks_pick_the_encoding(tmp_path: Path, encoding: str) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, text="añ 日本語 ✓"), message(2)])
    result = export / "result.json"
    result.write_bytes(result.read_text(encoding="utf-8").encode(encoding))
    messages, problems = read(export)
    assert problems == [] and messages[0].text == "añ 日本語 ✓" and len(messages) == 2


def test_invalid_utf8_is_replaced_and_reported(tmp_path: Path) -> None:
    export = build_chat_export(tmp_path / "e", [message(1, text="caf\u00e9 XX"), message(2)])
    result = export / "result.json"
    result.write_bytes(result.read_bytes().replace(b"XX", b"\xff\xfe"))
    messages, problems = read(export)
    assert [m.message_id for m in messages] == [1, 2]
    assert messages[0].text.startswith("café ") and "\ufffd" in messages[0].text
    (problem,) = problems
    assert problem.code == "bad-encoding"


def test_things_that_are_not_exports_are_reported(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "result.json").write_text('{"about": "not a chat", "list": [1, 2]}')
    empty = tmp_path / "empty"
    empty.mkdir()
    messages, problems = read(other, empty, tmp_path / "absent")
    assert messages == []
    assert [p.code for p in problems] == ["unknown-layout"] * 3
    assert "does not exist" in problems[2].message


def test_several_exports_are_deduplicated_first_seen_wins(tmp_path: Path) -> None:
    first = build_chat_export(
        tmp_path / "ChatExport_1", [message(1, text="a"), message(2, text="b")]
    )
    second = build_chat_export(
        tmp_path / "ChatExport_2", [message(2, text="B"), message(3, text="c")]
    )
    other = build_chat_export(tmp_path / "ChatExport_3", [message(2)], chat_id=999)
    messages, problems = read(first, second, other)
    assert problems == []
    assert [(m.identity, m.text) for m in messages] == [
        ((1234567890, 1), "a"), ((1234567890, 2), "b"), ((1234567890, 3), "c"), ((999, 2), ""),
    ]  # fmt: skip
    assert by_id(messages)[3].export == str(second)


def test_a_folder_of_exports_and_a_result_json_path_are_accepted(tmp_path: Path) -> None:
    build_chat_export(tmp_path / "all" / "ChatExport_1", [message(1)], chat_id=1)
    build_chat_export(tmp_path / "all" / "ChatExport_2", [message(1)], chat_id=2)
    messages, _ = read(tmp_path / "all")
    assert [m.chat_id for m in messages] == [1, 2]
    assert messages[1].export == str(tmp_path / "all" / "ChatExport_2")
    direct, _ = read(tmp_path / "all" / "ChatExport_1" / "result.json")
    assert [m.identity for m in direct] == [(1, 1)]


def test_export_files_lists_every_regular_file_but_no_symlinks(tmp_path: Path) -> None:
    export = build_chat_export(
        tmp_path / "e", [message(1, kind="photo", thumbnail=True), message(2, kind="video")]
    )
    (export / "escape").symlink_to(tmp_path)
    files = sorted(export_files(export))
    expected = sorted(
        Path(root) / name for root, _, names in os.walk(export) for name in names
        if not (Path(root) / name).is_symlink()
    )  # fmt: skip
    assert files == expected and export / "result.json" in files and len(files) == 4


def test_links_use_the_bare_channel_id() -> None:
    def sample(chat_id: int, chat_type: str | None) -> ExportMessage:
        return ExportMessage("e", chat_id, "c", chat_type, 9, START, None, None, None, None,
                             None, None, "", None)  # fmt: skip

    assert sample(-1001234, "public_channel").link() == "https://t.me/c/1234/9"
    assert sample(1234, "private_channel").link() == "https://t.me/c/1234/9"
    assert sample(1234, "personal_chat").link() is None
    assert sample(1234, None).link() is None


def test_item_result_round_trips_through_json() -> None:
    item = ItemResult(
        (5, 6), sha256="a" * 64, md5="b" * 32, pdq="c" * 64, pdq_quality=90, vpdq_frames=3,
        matches=[{"bank": "b", "distance": 4}], findings=[{"signal": "nudity"}],
        decision={"action": "review"}, nudity=0.9, synthetic=True, flagged=True, error=None,
    )  # fmt: skip
    data = json.loads(json.dumps(item.to_json()))
    assert ItemResult.from_json(data) == item


def test_a_100k_message_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    count = 100_000
    specs = (
        message(
            i, text=f"caption {i} " * 3, via_bot="@bot", kind="photo" if i % 5000 == 0 else None
        )
        for i in range(1, count + 1)
    )
    export = build_chat_export(tmp_path / "big", specs)
    size = (export / "result.json").stat().st_size
    tracemalloc.start()
    try:
        seen = sum(isinstance(item, ExportMessage) for item in read_exports([export]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    limit = 4 * 1024 * 1024
    assert size > 5 * limit  # the file is far larger than what reading it may hold
    assert peak < limit, f"peak {peak} bytes while reading a {size}-byte export"
