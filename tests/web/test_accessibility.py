"""WCAG 2.1 AA checks on the pages, in real Chromium: names for every control, alt text,
text contrast against the background actually behind it, one h1 and ordered headings, no
horizontal scrolling at 360 px, and both people-at-risk flows done with the keyboard only."""

from __future__ import annotations

import httpx
import pytest
from page_helpers import open_page, stored_case, wait_until_fingerprinted, write_sample

MIN_CONTRAST = 4.5
PHONE = {"width": 360, "height": 800}

UNNAMED_CONTROLS = """() => {
  const text = (node) => (node?.textContent ?? "").trim();
  const name = (el) => {
    const by = el.getAttribute("aria-labelledby");
    if (by) return by.split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ").trim();
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    const labels = [...(el.labels ?? [])].map(text).join(" ").trim();
    if (labels) return labels;
    if (el.matches("button, a, summary")) return text(el);
    return (el.getAttribute("title") ?? "").trim();
  };
  const controls = "input, select, textarea, button, a[href], summary, progress";
  return [...document.querySelectorAll(controls)]
    .filter((el) => !name(el)).map((el) => el.outerHTML.slice(0, 120));
}"""

LOW_CONTRAST = """(minimum) => {
  const parse = (colour) => {
    const parts = colour.match(/[\\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const luminance = ({ r, g, b }) => {
    const channel = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour.a > 0) layers.push(colour);
      if (colour.a >= 1) break;
    }
    const white = { r: 255, g: 255, b: 255, a: 1 };
    return layers.reverse().reduce((below, layer) => over(layer, below), white);
  };
  const hasText = (el) =>
    el.matches("input:not([type=radio]):not([type=checkbox]), select, button") ||
    [...el.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
  const problems = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.matches("option, script, style") || !hasText(el)) continue;
    if (el.closest(".visually-hidden")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width === 0 || box.height === 0) continue;
    const back = background(el);
    const fore = over(parse(style.color), back);
    const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const text = el.textContent.trim().slice(0, 50);
    if (ratio < minimum) problems.push(`${ratio.toFixed(2)}: ${el.tagName} ${text}`);
  }
  return problems;
}"""

HEADING_PROBLEMS = """() => {
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter((heading) => heading.checkVisibility());
  const problems = [];
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  let previous = 0;
  for (const heading of headings) {
    const level = Number(heading.tagName[1]);
    const text = heading.textContent.trim();
    if (level > previous + 1) problems.push(`${heading.tagName} after h${previous}: ${text}`);
    previous = level;
  }
  return problems;
}"""


def audit(page) -> None:
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert (
        page.evaluate("() => [...document.images].filter((i) => !i.hasAttribute('alt')).length")
        == 0
    )
    assert page.evaluate(LOW_CONTRAST, MIN_CONTRAST) == []
    assert page.evaluate(HEADING_PROBLEMS) == []
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )
    assert page.evaluate("() => document.documentElement.lang") in {"en", "es"}


def new_case(server) -> tuple[str, str]:
    body = {"fingerprints": [{"type": "md5", "value": "0" * 32, "label": "intimate"}]}
    receipt = httpx.post(server.url + "/v1/cases", json=body).json()
    return receipt["case_id"], receipt["secret"]


@pytest.mark.parametrize("path", ["/", "/case", "/review"])
def test_each_page_as_it_opens(server, page, path: str) -> None:
    page.goto(server.url + path)
    page.wait_for_function("() => document.querySelector('#language option') !== null")
    audit(page)
    page.set_viewport_size(PHONE)
    audit(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_register_page_with_files_a_review_and_a_receipt(server, page, tmp_path, language):
    page.set_viewport_size(PHONE)
    open_page(page, f"{server.url}/?lang={language}")
    broken = tmp_path / "broken-file-with-a-rather-long-name-from-a-phone-IMG_20250101.jpg"
    broken.write_bytes(b"not an image")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "astronaut")), str(broken)])
    wait_until_fingerprinted(page, 2)
    page.check("li.file input[value=protected-public-photo]")
    wait_until_fingerprinted(page, 2)
    page.click("#review-button")
    page.wait_for_selector("#review:not([hidden])")
    page.click("details.json summary")
    audit(page)
    page.click("#send-button")
    page.wait_for_selector("#receipt:not([hidden])")
    audit(page)


def test_the_case_page_with_a_case_and_the_confirmation(server, page) -> None:
    case_id, secret = new_case(server)
    page.set_viewport_size(PHONE)
    open_page(page, f"{server.url}/case#{case_id}")
    page.fill("#secret", "wrong")
    page.click("#check-button")
    page.wait_for_function("() => document.getElementById('case-error').textContent !== ''")
    audit(page)
    page.fill("#secret", secret)
    page.click("#check-button")
    page.wait_for_selector("#case-result:not([hidden])")
    page.click("#withdraw-button")
    audit(page)


# -- keyboard only ----------------------------------------------------------------------------

FOCUSED = """(selector) => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    matches: el.matches(selector),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    what: el.outerHTML.slice(0, 80),
  };
}"""


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until ``selector`` has focus; every stop must show focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED, selector)
        assert focused["outline"], f"no visible focus on {focused['what']}"
        if focused["matches"]:
            return
    raise AssertionError(f"{selector} never got focus")


def focused_id(page) -> str:
    return str(page.evaluate("() => document.activeElement.id"))


def test_registering_with_the_keyboard_only(server, page, tmp_path) -> None:
    open_page(page, server.url + "/")
    tab_to(page, "#file-input")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "coffee"))])
    wait_until_fingerprinted(page, 1)
    tab_to(page, "li.file input[type=radio]")
    page.keyboard.press("ArrowDown")  # arrows move through the choices and pick one
    assert page.is_checked("li.file input[value=fake-of-me]")
    page.keyboard.press("ArrowUp")
    assert page.is_checked("li.file input[value=intimate]")
    tab_to(page, "#review-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review:not([hidden])")
    assert focused_id(page) == "review-heading"
    tab_to(page, "#send-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt:not([hidden])")
    assert focused_id(page) == "receipt-heading"
    case_id = page.text_content("#receipt-id") or ""
    assert stored_case(server, case_id)[0] == "active"
    tab_to(page, "#receipt-done")
    page.keyboard.press("Space")
    assert page.is_hidden("#receipt") and focused_id(page) == "file-input"


def test_checking_and_withdrawing_with_the_keyboard_only(server, page) -> None:
    case_id, secret = new_case(server)
    open_page(page, f"{server.url}/case#{case_id}")
    tab_to(page, "#toggle-secret")
    page.keyboard.press("Space")
    assert page.get_attribute("#secret", "type") == "text"
    tab_to(page, "#secret", backwards=True)
    page.keyboard.type(secret)
    page.keyboard.press("Enter")
    page.wait_for_selector("#case-result:not([hidden])")
    assert focused_id(page) == "result-heading"
    tab_to(page, "#withdraw-button")
    page.keyboard.press("Enter")
    assert focused_id(page) == "confirm-heading"
    tab_to(page, "#confirm-withdraw")
    page.keyboard.press("Space")
    page.wait_for_selector("#case-result[data-status=withdrawn]")
    assert focused_id(page) == "result-heading"
    assert stored_case(server, case_id) == ("withdrawn", [])
