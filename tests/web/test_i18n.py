"""Translations: every language has every text, every key the pages use exists, and the
language picker changes the page and is remembered across pages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from page_helpers import open_page, write_sample

from consentry.web.pages import PAGES_DIR, STATIC_DIR

I18N = STATIC_DIR / "i18n"
LANGUAGES = [entry["code"] for entry in json.loads((I18N / "languages.json").read_text())]
FILES = sorted(path.stem for path in (I18N / "en").glob("*.json"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A key in JavaScript: "file.name" as a whole string literal.
JS_KEY = re.compile(r"""["'`]((?:""" + "|".join(FILES) + r""")\.[a-z][a-z0-9_]*)["'`]""")
# Codes the hashing module throws (static/js/hashing/index.js) and the page's own two;
# static/js/ui/file-list.js words each one with a key built from the code.
HASHING_ERROR_CODES = [
    "unsupported-format",
    "unreadable-image",
    "unreadable-video",
    "image-too-large",
    "image-too-small",
    "flat-image",
    "no-code",  # the hashing code itself could not be loaded
    "generic",  # anything else
]


def texts(language: str, file: str) -> dict[str, str]:
    loaded = json.loads((I18N / language / f"{file}.json").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def all_keys() -> set[str]:
    return {f"{file}.{key}" for file in FILES for key in texts("en", file)}


def test_english_and_spanish_are_offered() -> None:
    assert LANGUAGES[0] == "en" and "es" in LANGUAGES
    assert FILES and "common" in FILES


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("file", FILES)
def test_every_language_has_exactly_the_keys_of_english(language: str, file: str) -> None:
    english, other = texts("en", file), texts(language, file)
    assert sorted(set(english) - set(other)) == [], f"missing in {language}/{file}.json"
    assert sorted(set(other) - set(english)) == [], f"not in en/{file}.json"
    for key, text in other.items():
        assert isinstance(text, str) and text.strip(), f"{language}/{file}.json: {key} is empty"
        wanted = set(PLACEHOLDER.findall(english[key]))
        assert set(PLACEHOLDER.findall(text)) == wanted, f"{language}/{file}.{key} placeholders"


def test_no_language_has_a_file_english_lacks() -> None:
    for language in LANGUAGES:
        files = sorted(path.stem for path in (I18N / language).glob("*.json"))
        assert files == FILES, language


class _KeyCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "data-i18n" and value:
                self.keys.add(value)
            if name == "data-i18n-attr" and value:
                self.keys.update(pair.split(":")[1].strip() for pair in value.split(","))


@pytest.mark.parametrize("page", sorted(path.name for path in PAGES_DIR.glob("*.html")))
def test_every_key_in_the_pages_exists(page: str) -> None:
    collector = _KeyCollector()
    collector.feed((PAGES_DIR / page).read_text(encoding="utf-8"))
    assert collector.keys, f"{page} has no translated text"
    assert sorted(collector.keys - all_keys()) == []


class _FallbackCollector(HTMLParser):
    """(key, text) of every element with data-i18n, as the HTML writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-i18n")
        if key:
            self._open.append((tag, key, []))

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, key, parts = self._open.pop()
            self.found.append((key, " ".join("".join(parts).split())))


@pytest.mark.parametrize("page", sorted(path.name for path in PAGES_DIR.glob("*.html")))
def test_the_html_fallback_text_is_the_english_text(page: str) -> None:
    # Without JavaScript the HTML's own words show: they must say what English says.
    collector = _FallbackCollector()
    collector.feed((PAGES_DIR / page).read_text(encoding="utf-8"))
    assert len(collector.found) >= 5
    english = {f"{file}.{key}": text for file in FILES for key, text in texts("en", file).items()}
    different = [
        (key, text)
        for key, text in collector.found
        if key in english and text != " ".join(english[key].split())
    ]
    assert different == []


def test_every_key_in_the_scripts_exists() -> None:
    used: set[str] = set()
    for script in (STATIC_DIR / "js").rglob("*.js"):
        used.update(JS_KEY.findall(script.read_text(encoding="utf-8")))
    used.update(f"protect.file_error_{code.replace('-', '_')}" for code in HASHING_ERROR_CODES)
    assert len(used) > 50
    assert sorted(used - all_keys()) == []


def test_switching_to_spanish_translates_and_is_remembered(server, page, tmp_path) -> None:
    open_page(page, server.url + "/")
    english = page.text_content("h1")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "rocket"))])
    page.wait_for_selector("li.file[data-status=ready]")
    page.select_option("#language", "es")
    page.wait_for_function("() => document.documentElement.lang === 'es'")
    spanish = texts("es", "protect")
    assert page.text_content("h1") == spanish["heading"] != english
    assert page.title() == spanish["title"]
    # Texts made by the script follow too: the file's status and its choices.
    assert page.text_content("li.file .file-status") == "Huellas listas: 3."
    assert page.text_content("#files-summary", timeout=1000).startswith("Archivos: 1.")
    assert "Una imagen íntima mía" in (page.text_content("li.file fieldset") or "")
    assert (
        page.get_attribute("li.file img", "alt")
        == "Vista previa de rocket.jpg, solo se muestra en este dispositivo"
    )

    page.click("a[href='/case']")
    page.wait_for_selector("html[data-ready=true]", state="attached")
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.text_content("h1") == texts("es", "case")["heading"]
    assert page.input_value("#language") == "es"
    page.select_option("#language", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.text_content("h1") == texts("en", "case")["heading"]


def test_the_browser_language_is_the_default(browser, server) -> None:
    context = browser.new_context(locale="es-ES")
    try:
        page = context.new_page()
        open_page(page, server.url + "/case")
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.text_content("h1") == texts("es", "case")["heading"]
    finally:
        context.close()


def test_the_translation_guide_exists() -> None:
    guide = Path(__file__).parents[2] / "docs" / "translating.md"
    text = guide.read_text(encoding="utf-8")
    assert "languages.json" in text and "static/i18n" in text
