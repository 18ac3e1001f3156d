"""The bot's matcher: the local store's banks, optionally mirrored from a remote registry.

Matching always runs locally through a ``LiveMatcher`` over the store. With a remote
registry, a background thread mirrors it into the same store (``consentry.sync``) every
``every`` seconds; the live index follows the store, so a case withdrawn on the registry
stops matching after the next mirror run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from consentry.actions.presets import load_preset
from consentry.actions.settings import ModerationSettings
from consentry.assessment import Assessor
from consentry.matching.live import LiveMatcher
from consentry.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteRegistry:
    """A registry to mirror: its URL, a partner key with the sync scope, how often, where the
    sync cursor is kept, and a prefix for the local copies of its banks."""

    url: str
    key: str
    state_file: Path
    every: float = 300.0
    prefix: str = ""
    allow_insecure: bool = False
    client: httpx.Client | None = field(default=None, compare=False)  # tests: a TestClient

    def __repr__(self) -> str:  # never show the key
        return f"RemoteRegistry(url={self.url!r}, every={self.every})"


def assessor_factory(matcher: LiveMatcher) -> Callable[[ModerationSettings], Assessor]:
    """One Assessor per policy preset, all matching through ``matcher``."""
    made: dict[str, Assessor] = {}

    def assessor_for(settings: ModerationSettings) -> Assessor:
        if settings.policy not in made:
            made[settings.policy] = Assessor(
                match=matcher.match_fingerprint,
                policy=load_preset(settings.policy),
                bank_actions=matcher.bank_action,
                needs_regions=lambda: matcher.has_regions,
            )
        return made[settings.policy]

    return assessor_for


class RegistryMirror:
    """Runs ``sync_from`` now and then every ``remote.every`` seconds in a thread."""

    def __init__(self, remote: RemoteRegistry, store: Store) -> None:
        self.remote = remote
        self.store = store
        self.last_error: str | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sync_once(self) -> None:
        from consentry.sync import sync_from

        report = sync_from(
            self.remote.url,
            self.remote.key,
            self.store,
            bank_prefix=self.remote.prefix,
            state_file=self.remote.state_file,
            allow_insecure=self.remote.allow_insecure,
            client=self.remote.client,
        )
        self.runs += 1
        if report.added or report.removed or report.replaced:
            logger.info(
                "registry mirrored: %d added, %d replaced, %d removed",
                report.added,
                report.replaced,
                report.removed,
            )

    def start(self) -> None:
        """Mirror once (errors raised: a wrong URL or key should stop the bot from starting),
        then keep following in the background."""
        self.sync_once()
        self._thread = threading.Thread(target=self._follow, name="consentry-mirror", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _follow(self) -> None:
        while not self._stop.wait(self.remote.every):
            try:
                self.sync_once()
                self.last_error = None
            except Exception as error:  # the registry may be away a while: keep trying
                if type(error).__name__ != self.last_error:
                    logger.warning("registry mirror failed (%s); retrying", type(error).__name__)
                self.last_error = type(error).__name__
