"""The "/" page in real Chromium: pick photos, label them, review, send only fingerprints."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from page_helpers import (
    SAMPLES,
    choose_label,
    file_item,
    hamming,
    open_page,
    review_and_send,
    sample_bytes,
    stored_case,
    wait_until_fingerprinted,
    write_sample,
)

from consentry.signals.fingerprint import fingerprint
from consentry.signals.regions import RegionFingerprint

PDQ_AGREEMENT = 10  # bits: the bar for a browser PDQ against Python's


def expected_rows(path: Path, label: str) -> dict[str, str]:
    python = fingerprint(path)
    assert python.ok and python.pdq and python.md5 and python.sha256
    return {"pdq": python.pdq, "md5": python.md5, "sha256": python.sha256, "label": label}


def assert_stored_like_python(rows: list[tuple[str, str, str]], expected: dict[str, str]) -> None:
    mine = {kind: value for kind, value, label in rows if label == expected["label"]}
    assert mine["md5"] == expected["md5"]
    assert mine["sha256"] == expected["sha256"]
    assert hamming(mine["pdq"], expected["pdq"]) <= PDQ_AGREEMENT


def test_two_photos_are_registered_checked_and_withdrawn(server, page, tmp_path) -> None:
    jpeg = write_sample(tmp_path, "astronaut", "JPEG")
    png = write_sample(tmp_path, "coffee", "PNG")
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(jpeg), str(png)])
    wait_until_fingerprinted(page, 2)
    assert page.locator("li.file img").count() == 2
    assert all(
        src.startswith("blob:")
        for src in page.eval_on_selector_all("li.file img", "e => e.map(i => i.src)")
    )
    choose_label(page, "astronaut.jpg", "intimate")
    choose_label(page, "coffee.png", "fake-of-me")
    page.click("#review-button")
    assert page.locator("#review-table tbody tr").count() == 6
    shown = json.loads(page.text_content("#review-json") or "")
    assert {item["label"] for item in shown["fingerprints"]} == {"intimate", "fake-of-me"}
    page.click("#send-button")
    case_id, secret = _receipt(page)

    status, rows = stored_case(server, case_id)
    assert status == "active" and len(rows) == 6
    assert_stored_like_python(rows, expected_rows(jpeg, "intimate"))
    assert_stored_like_python(rows, expected_rows(png, "fake-of-me"))
    assert page.text_content("#receipt-count") == "Fingerprints registered: 6."
    _assert_secret_kept_nowhere(page, secret)

    page.click("#receipt-link")
    page.wait_for_selector("html[data-ready=true]", state="attached")
    assert page.input_value("#case-id") == case_id
    page.fill("#secret", secret)
    page.click("#check-button")
    page.wait_for_selector("#case-result:not([hidden])")
    assert page.text_content("#result-status") == "Active"
    assert page.text_content("#result-count") == "6"
    page.click("#withdraw-button")
    assert page.is_visible("#confirm")
    page.click("#confirm-withdraw")
    page.wait_for_selector("#case-result[data-status=withdrawn]")
    assert page.text_content("#result-status") == "Withdrawn"
    assert page.text_content("#result-count") == "0"
    page.click("#check-button")
    page.wait_for_selector("#case-result[data-status=withdrawn]:not([hidden])")
    assert page.is_hidden("#withdraw-button")
    assert stored_case(server, case_id) == ("withdrawn", [])


def _receipt(page) -> tuple[str, str]:
    page.wait_for_selector("#receipt:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "receipt-heading"
    assert page.locator("li.file").count() == 0  # the picked files are cleared
    return page.text_content("#receipt-id") or "", page.text_content("#receipt-secret") or ""


def _assert_secret_kept_nowhere(page, secret: str) -> None:
    stored = page.evaluate(
        "JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie, location.href])"
    )
    assert secret not in stored


def test_a_dropped_file_is_fingerprinted_like_a_picked_one(server, page) -> None:
    photo = sample_bytes("chelsea", "JPEG")
    open_page(page, server.url + "/")
    page.evaluate(
        """encoded => {
            const bytes = Uint8Array.from(atob(encoded), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "chelsea.jpg", { type: "image/jpeg" }));
            const zone = document.getElementById("drop-zone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {
                    dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
        }""",
        base64.b64encode(photo).decode(),
    )
    wait_until_fingerprinted(page, 1)
    choose_label(page, "chelsea.jpg", "other")
    case_id, _ = review_and_send(page)
    _, rows = stored_case(server, case_id)
    assert ("sha256", hashlib.sha256(photo).hexdigest(), "other") in rows
    assert ("md5", hashlib.md5(photo).hexdigest(), "other") in rows


def test_nothing_but_fingerprints_and_labels_leaves_the_page(server, page, page_log, tmp_path):
    paths = [write_sample(tmp_path, "rocket", "JPEG"), write_sample(tmp_path, "coffee", "PNG")]
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(path) for path in paths])
    wait_until_fingerprinted(page, 2)
    choose_label(page, "rocket.jpg", "intimate")
    choose_label(page, "coffee.png", "protected-public-photo")
    wait_until_fingerprinted(page, 2)
    case_id, secret = review_and_send(page)

    origin = server.url
    sent = [request for request in page_log.requests if request.body]
    assert sent, "the page sent nothing"
    for request in page_log.requests:
        url = request.url.removeprefix("blob:")
        assert f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == origin, request.url
        content_type = request.headers.get("content-type", "")
        assert not content_type.startswith(("multipart/", "image/", "video/")), request.url
        assert secret not in request.url
    for request in sent:
        assert request.method == "POST" and request.url == origin + "/v1/cases"
        assert request.headers["content-type"] == "application/json"
        body = json.loads(request.body)
        assert list(body) == ["fingerprints"]
        for item in body["fingerprints"]:
            assert set(item) == {"type", "value", "label"}
            assert item["type"] in {"pdq", "md5", "sha256", "regions"}
    file_bytes = [path.read_bytes() for path in paths]
    for request in sent:
        for content in file_bytes:
            assert not _shares_a_window(request.body, content)
    total = sum(len(request.body) for request in sent)
    assert total < 64 * 1024 and total < sum(map(len, file_bytes)) / 10
    assert stored_case(server, case_id)[0] == "active"


def _shares_a_window(body: bytes, content: bytes, size: int = 64) -> bool:
    """Whether body holds any ``size``-byte window of content, raw, in hex or in base64."""
    windows = {body[start : start + size] for start in range(max(0, len(body) - size + 1))}
    encodings = [content, content.hex().encode()]
    for shift in range(3):  # base64 text depends on where the 3-byte groups start
        encodings.append(base64.b64encode(content[shift:]))
        encodings.append(base64.urlsafe_b64encode(content[shift:]))
    return any(
        encoded[start : start + size] in windows
        for encoded in encodings
        for start in range(len(encoded) - size + 1)
    )


def test_the_window_check_finds_file_bytes_in_any_form() -> None:
    content = sample_bytes("coffee")
    piece = content[1001:1101]
    for leaked in (piece, piece.hex().encode(), base64.b64encode(content[1000:1200])[5:90]):
        assert _shares_a_window(b'{"fingerprints": "' + leaked + b'"}', content)
    assert not _shares_a_window(b'{"fingerprints": [' + b"0" * 200 + b"]}", content)


def test_a_public_photo_also_sends_its_regions_fingerprint(server, page, tmp_path) -> None:
    photo = write_sample(tmp_path, "astronaut", "JPEG")
    other = write_sample(tmp_path, "chelsea", "JPEG")
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(photo), str(other)])
    wait_until_fingerprinted(page, 2)
    choose_label(page, "astronaut.jpg", "protected-public-photo")
    # Marked public, then changed: the regions fingerprint goes away again.
    choose_label(page, "chelsea.jpg", "protected-public-photo")
    wait_until_fingerprinted(page, 2)
    choose_label(page, "chelsea.jpg", "intimate")
    case_id, _ = review_and_send(page)
    _, rows = stored_case(server, case_id)
    public = [(kind, value) for kind, value, label in rows if label == "protected-public-photo"]
    assert sorted(kind for kind, _ in public) == ["md5", "pdq", "regions", "sha256"]
    regions = dict(public)["regions"]
    assert len(RegionFingerprint.from_text(regions)) > 0
    assert sorted(kind for kind, _, label in rows if label == "intimate") == [
        "md5",
        "pdq",
        "sha256",
    ]


def test_broken_files_get_their_own_error_and_the_good_one_is_sent(server, page, tmp_path):
    good = write_sample(tmp_path, "coffee", "JPEG")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(sample_bytes("astronaut", "JPEG")[:600])
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all, only words\n" * 20)
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(good), str(truncated), str(text)])
    wait_until_fingerprinted(page, 3)
    expected = {
        "truncated.jpg": "This image could not be read",
        "notes.jpg": "This is not a photo or video that this browser can read",
    }
    for name, words in expected.items():
        item = file_item(page, name)
        assert item.get_attribute("data-status") == "error"
        assert words in (item.locator("p.error").text_content() or "")
        assert item.locator("p.error").is_visible()
    choose_label(page, "coffee.jpg", "intimate")
    page.click("#review-button")
    assert "Files with a problem are left out: 2." in (page.text_content("#review-skipped") or "")
    page.click("#send-button")
    page.wait_for_selector("#receipt:not([hidden])")
    _, rows = stored_case(server, page.text_content("#receipt-id") or "")
    assert len(rows) == 3 and {label for *_, label in rows} == {"intimate"}


def test_a_video_sends_its_digests_and_video_fingerprint(server, page, tmp_path) -> None:
    from hashing_helpers import encode_video, panning_frames

    video = tmp_path / "clip.webm"
    frames = panning_frames(SAMPLES["rocket"](), 20)
    video.write_bytes(encode_video(frames, "webm", 10, "libvpx-vp9"))
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(video)])
    wait_until_fingerprinted(page, 1)
    assert page.locator("li.file video").count() == 1  # a local preview, no <img>
    choose_label(page, "clip.webm", "intimate")
    case_id, _ = review_and_send(page)
    kinds = {kind: value for kind, value, _ in stored_case(server, case_id)[1]}
    content = video.read_bytes()
    assert kinds["md5"] == hashlib.md5(content).hexdigest()
    assert kinds["sha256"] == hashlib.sha256(content).hexdigest()
    assert set(kinds) == {"md5", "sha256", "vpdq"}


def test_a_video_this_browser_cannot_play_says_only_its_digests_are_sent(
    server, page, tmp_path
) -> None:
    from hashing_helpers import encode_video, panning_frames

    video = tmp_path / "clip.avi"  # MPEG-4 Part 2 in AVI: the server reads it, Chromium does not
    video.write_bytes(encode_video(panning_frames(SAMPLES["rocket"](), 20), "avi", 10, "mpeg4"))
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(video)])
    wait_until_fingerprinted(page, 1)
    warning = page.locator("li.file p.file-warning")
    assert "only its exact fingerprints are sent" in warning.inner_text()
    choose_label(page, "clip.avi", "intimate")
    case_id, _ = review_and_send(page)
    assert {kind for kind, _, _ in stored_case(server, case_id)[1]} == {"md5", "sha256"}


def test_review_needs_a_label_for_every_file(server, page, tmp_path) -> None:
    open_page(page, server.url + "/")
    page.click("#review-button")
    assert "Choose at least one photo or video" in (page.text_content("#review-error") or "")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "rocket"))])
    wait_until_fingerprinted(page, 1)
    page.click("#review-button")
    assert "Choose what each file is" in (page.text_content("#review-error") or "")
    assert file_item(page, "rocket.jpg").locator("fieldset").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.value") == "intimate"
    assert page.is_hidden("#review")
    page.click("li.file button[aria-label='Remove rocket.jpg']")
    assert page.locator("li.file").count() == 0
    assert page.evaluate("document.activeElement.id") == "file-input"
    assert page.text_content("#files-summary") == "No files chosen yet."


def test_a_rate_limited_registry_is_explained_and_nothing_is_lost(make_server, page, tmp_path):
    server = make_server(case_creations_per_hour=0)
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "rocket"))])
    wait_until_fingerprinted(page, 1)
    choose_label(page, "rocket.jpg", "intimate")
    page.click("#review-button")
    page.click("#send-button")
    page.wait_for_function("() => document.getElementById('send-error').textContent.length > 0")
    error = page.text_content("#send-error") or ""
    assert "Too many requests from this connection. Try again in 1 hour" in error
    assert page.get_attribute("#send-error", "role") == "alert"
    assert page.locator("li.file[data-status=ready]").count() == 1
    assert page.is_visible("#send-button") and page.is_enabled("#send-button")
    assert page.is_hidden("#receipt")


def test_the_receipt_can_be_copied_downloaded_and_hidden(server, context, page, tmp_path):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    open_page(page, server.url + "/")
    page.set_input_files("#file-input", [str(write_sample(tmp_path, "coffee"))])
    wait_until_fingerprinted(page, 1)
    choose_label(page, "coffee.jpg", "other")
    case_id, secret = review_and_send(page)
    page.click("#copy-secret")
    page.wait_for_function("() => document.getElementById('copy-status').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    with page.expect_download() as download_info:
        page.click("#download-receipt")
    download = download_info.value
    assert download.suggested_filename == "consentry-case.txt"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert case_id in text and secret in text and f"{server.url}/case#{case_id}" in text
    page.click("#receipt-done")
    assert page.is_hidden("#receipt")
    assert secret not in (page.content())


def test_batches_respect_the_request_limits(server, page) -> None:
    open_page(page, server.url + "/")
    sizes = page.evaluate(
        """async () => {
            const { splitIntoBatches, requestBody } = await import("/static/js/ui/batches.js");
            const small = Array.from({ length: 2500 }, (_, i) =>
                ({ type: "md5", value: i.toString(16).padStart(32, "0"), label: "other" }));
            const big = Array.from({ length: 9 }, (_, i) =>
                ({ type: "regions", value: "r1." + "A".repeat(60000 + i), label: "other" }));
            const measure = (batches) => batches.map((batch) => [batch.length,
                new TextEncoder().encode(requestBody(batch)).length]);
            return { small: measure(splitIntoBatches(small)), big: measure(splitIntoBatches(big)) };
        }"""
    )
    assert [count for count, _ in sizes["small"]] == [1000, 1000, 500]
    assert sum(count for count, _ in sizes["big"]) == 9
    assert all(size <= 250 * 1024 for _, size in sizes["small"] + sizes["big"])
    assert len(sizes["big"]) == 3


def test_a_big_set_is_sent_in_parts_and_a_failed_part_can_be_retried(server, page, tmp_path):
    paths = [write_sample(tmp_path, "rocket"), write_sample(tmp_path, "coffee")]
    open_page(page, server.url + "/")
    # Two fingerprints per request: six make a case and two additions.
    page.evaluate(
        """async () => { (await import("/static/js/ui/batches.js")).LIMITS.fingerprints = 2; }"""
    )
    page.set_input_files("#file-input", [str(path) for path in paths])
    wait_until_fingerprinted(page, 2)
    choose_label(page, "rocket.jpg", "intimate")
    choose_label(page, "coffee.jpg", "intimate")
    page.click("#review-button")
    failing = "**/v1/cases/*/fingerprints"
    page.route(failing, lambda route: route.abort())
    page.click("#send-button")
    page.wait_for_function("() => document.getElementById('send-error').textContent !== ''")
    assert "4 fingerprints could not be added yet" in (page.text_content("#send-error") or "")
    assert page.is_visible("#receipt")  # the secret is shown at once: the case exists
    case_id = page.text_content("#receipt-id") or ""
    assert len(stored_case(server, case_id)[1]) == 2
    assert page.text_content("#send-button") == "Send the rest"
    assert page.locator("li.file").count() == 2

    page.unroute(failing)
    page.click("#send-button")
    page.wait_for_function("() => document.querySelectorAll('li.file').length === 0")
    assert len(stored_case(server, case_id)[1]) == 6
    assert page.text_content("#receipt-count") == "Fingerprints registered: 6."
    assert page.text_content("#send-error") == ""


def test_the_registry_refuses_what_the_page_would_never_send(server) -> None:
    # The page's promise rests on the registry too: media sent to it is refused.
    response = httpx.post(
        server.url + "/v1/cases",
        content=sample_bytes("rocket"),
        headers={"content-type": "image/jpeg"},
    )
    assert response.status_code == 415
