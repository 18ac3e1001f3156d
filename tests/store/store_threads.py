"""Running store work on several threads at once, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable


def errors_from_threads(work: Callable[[int], None], count: int) -> list[BaseException]:
    """Run ``work(0) … work(count - 1)`` on their own threads; every exception they raised."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as error:  # collected for the caller to assert on
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
