"""The follower thread, other processes writing, concurrent searches, and file matching."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from consentry.matching import Matcher
from consentry.matching.live import LiveMatcher
from consentry.signals import FileFingerprint, fingerprint
from consentry.signals.vpdq import frames_to_text
from consentry.store import Store

from .helpers import animation, random_pdq

ORDER = ["astronaut", "coffee", "chelsea", "rocket", "camera"]

# Generous: the follower polls every 50 ms here; this only bounds a broken test's runtime.
DEADLINE_SECONDS = 20.0


def eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_follower_thread_applies_changes(store: Store, rng: random.Random) -> None:
    store.create_bank("b")
    pdq = random_pdq(rng)
    with LiveMatcher(store, poll_seconds=0.05) as live:
        assert live.ready
        entry = store.add_entry("b", [("pdq", pdq)])
        assert eventually(lambda: live.match_values([("pdq", pdq)]) != [[]])
        store.remove_entry("b", entry)
        assert eventually(lambda: live.match_values([("pdq", pdq)]) == [[]])
    assert live._thread is None


def test_background_start(store: Store, rng: random.Random) -> None:
    store.create_bank("b")
    pdq = random_pdq(rng)
    store.add_entry("b", [("pdq", pdq)])
    live = LiveMatcher(store, poll_seconds=0.05)
    live.start(wait=False)
    try:
        assert eventually(lambda: live.ready)
        assert live.match_values([("pdq", pdq)]) != [[]]
    finally:
        live.stop()


def test_another_process_writing(home: Path, rng: random.Random) -> None:
    store = Store.open(home)
    store.create_bank("b")
    live = LiveMatcher(store)
    live.refresh()
    pdq = random_pdq(rng)
    code = (
        "import sys; from consentry.store import Store; "
        "s = Store.open(sys.argv[1]); print(s.add_entry('b', [('pdq', sys.argv[2])])); s.close()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(home), pdq], check=True, capture_output=True, text=True
    )
    live.refresh()
    [[match]] = live.match_values([("pdq", pdq)])
    assert match.entry == int(out.stdout)
    store.close()


def test_searches_while_changes_apply(store: Store, rng: random.Random) -> None:
    store.create_bank("b")
    stable = random_pdq(rng)
    stable_id = store.add_entry("b", [("pdq", stable)])
    live = LiveMatcher(store)
    live.refresh()
    failures: list[object] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                [matches] = live.match_values([("pdq", stable)])
                if [m.entry for m in matches] != [stable_id]:
                    failures.append(matches)
            except Exception as error:  # pragma: no cover - reported below
                failures.append(error)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(30):
            ids = [store.add_entry("b", [("pdq", random_pdq(rng))]) for _ in range(5)]
            live.refresh()
            for entry in ids[:3]:
                store.remove_entry("b", entry)
            live.refresh()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert live.size == 1 + 30 * 2


def test_file_matching_agrees_with_matcher(
    store: Store,
    photos: dict[str, np.ndarray],
    fp_of: Callable[..., FileFingerprint],
) -> None:
    store.create_bank("photos")
    ids = {}
    for name in ("astronaut", "coffee", "chelsea"):
        fp = fp_of(photos[name])
        pairs = [("pdq", fp.pdq), ("md5", fp.md5), ("sha256", fp.sha256)]
        ids[name] = store.add_entry("photos", pairs, label=name)
    live = LiveMatcher(store)
    live.refresh()
    matcher = Matcher(store, cache=False)
    queries = [
        fp_of(photos["astronaut"]),
        fp_of(photos["coffee"], "JPEG", quality=60),
        fp_of(np.ascontiguousarray(np.rot90(photos["chelsea"])), rotations=True),
        fp_of(photos["rocket"]),
    ]
    for query in queries:
        assert live.match_fingerprint(query) == matcher.match(query)
    assert [m.entry for m in live.match_fingerprint(queries[0])] == [ids["astronaut"]]
    assert live.match_fingerprint(queries[2])[0].transform != "original"


def video_fp(photos: dict[str, np.ndarray], side: int = 256) -> FileFingerprint:
    result = fingerprint(animation(photos, ORDER, side))
    assert result.error is None and result.vpdq is not None
    return result


def test_video_entries(store: Store, photos: dict[str, np.ndarray]) -> None:
    store.create_bank("videos")
    registered = frames_to_text(video_fp(photos).vpdq or [])
    entry = store.add_entry("videos", [("vpdq", registered)], label="clip")
    live = LiveMatcher(store)
    live.refresh()
    query = video_fp(photos, side=200)
    [[match]] = live.match_values([("vpdq", frames_to_text(query.vpdq or []))])
    assert (match.entry, match.signal, match.query_percent) == (entry, "vpdq", 100.0)
    query.md5 = query.sha256 = None
    assert [m.signal for m in live.match_fingerprint(query)] == ["vpdq"]
    store.remove_entry("videos", entry)
    live.refresh()
    assert live.match_fingerprint(query) == []
    assert len(live._banks["videos"].frames) == 0
