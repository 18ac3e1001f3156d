"""What the fake Bot API does with a message's text and buttons, as Telegram does: parse
modes (HTML, MarkdownV2, Markdown) turned into plain text and entities, ``bot_command``
entities of incoming text, inline keyboards checked. Offsets are in UTF-16 code units."""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64


class Rejected(Exception):
    """Telegram refuses the text or markup: the message is the "Bad Request: ..." reason."""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group()),
        }
        for match in re.finditer(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?", text)
    ]


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard a message keeps (other markups are not stored on messages)."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise Rejected("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not re.match(r"(https?|tg)://\S+$", url):
                raise Rejected(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
            if not button.get("text"):
                raise Rejected("text buttons are unallowed in the inline keyboard")
    return copy.deepcopy(markup) if markup["inline_keyboard"] else None


def formatted_text(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text and entities a message gets from ``text`` + ``parse_mode``/``entities``;
    raises the Bot API's errors for empty, too long or badly formatted text."""
    raw = params.get("text")
    if raw is None or str(raw).strip() == "":
        raise Rejected("message text is empty")
    raw = str(raw)
    mode = (params.get("parse_mode") or "").lower()
    if mode == "html":
        text, entities = _parse_html(raw)
    elif mode == "markdownv2":
        text, entities = _parse_markdown_v2(raw), []
    elif mode == "markdown":
        text, entities = re.sub(r"[*_`\[\]]", "", raw), []
    else:
        text, entities = raw, list(params.get("entities") or [])
    if not text.strip():
        raise Rejected("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise Rejected("message is too long")
    return text, entities


_HTML_ENTITY_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    """Telegram's HTML subset: the supported tags, properly nested; anything else fails."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_ENTITY_TAGS:
            self.fail(f'Unsupported start tag "{tag}"')
            return
        self.open.append((tag, _utf16_len(self.text), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            self.fail(f'Unexpected end tag "{tag}"')
            return
        name, start, attrs = self.open.pop()
        entity: dict[str, Any] = {
            "type": _HTML_ENTITY_TAGS[name],
            "offset": start,
            "length": _utf16_len(self.text) - start,
        }
        if name == "a":
            entity["url"] = attrs.get("href") or ""
        if entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data

    def fail(self, reason: str) -> None:
        if self.error is None:
            self.error = reason


def _parse_html(raw: str) -> tuple[str, list[dict[str, Any]]]:
    bare = re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", raw)
    if bare:
        return _html_error(f"Unsupported HTML entity at byte offset {bare.start()}")
    if re.search(r"<(?![/a-zA-Z])", raw):
        return _html_error("Unexpected character '<': escape it as &lt;")
    parser = _TelegramHtml()
    parser.feed(raw)
    parser.close()
    if parser.error is None and parser.open:
        parser.fail(f'Can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"')
    if parser.error is not None:
        return _html_error(parser.error)
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return parser.text, entities  # the parser already turned &lt; and the like into text


def _html_error(reason: str) -> tuple[str, list[dict[str, Any]]]:
    raise Rejected(f"can't parse entities: {reason}")


_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _parse_markdown_v2(raw: str) -> str:
    """The plain text of MarkdownV2; unescaped reserved characters outside formatting fail
    as they do in Telegram (inside code only ` and \\ need escaping)."""
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            out.append(raw[index + 1])
            index += 2
        elif char == "`":
            fence = "```" if raw.startswith("```", index) else "`"
            code, index = _markdown_code(raw, index + len(fence), fence)
            out.append(code)
        elif raw.startswith("](", index):  # a link's URL: not part of the text
            end = raw.find(")", index)
            index = len(raw) if end < 0 else end + 1
        elif char in "*_~|[]" or (char == ">" and (index == 0 or raw[index - 1] == "\n")):
            index += 1  # formatting markers (their balance is not checked)
        elif char in _MARKDOWN_V2_RESERVED:
            raise Rejected(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _markdown_code(raw: str, start: int, fence: str) -> tuple[str, int]:
    """The text of a code span or block opened by ``fence`` before ``start``; the index
    after its closing fence."""
    out: list[str] = []
    index = start
    while index < len(raw):
        if raw[index] == "\\" and index + 1 < len(raw):
            out.append(raw[index + 1])
            index += 2
        elif raw.startswith(fence, index):
            code = "".join(out)
            if fence == "```" and "\n" in code:
                code = code.split("\n", 1)[1]  # the first line names the language
            return code, index + len(fence)
        else:
            out.append(raw[index])
            index += 1
    raise Rejected("can't parse entities: Can't find end of Code entity")
