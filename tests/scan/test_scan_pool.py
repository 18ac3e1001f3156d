from pathlib import Path

from scan_fakes import fake_work

from consentry.scan import run_parallel


def _files(tmp_path: Path, contents: list[str]) -> list[str]:
    paths = []
    for i, text in enumerate(contents):
        path = tmp_path / f"f{i}"
        path.write_text(text)
        paths.append(str(path))
    return paths


def test_serial_keeps_going_past_errors(tmp_path: Path) -> None:
    paths = _files(tmp_path, ["a", "bad", "c"])
    outcomes = list(run_parallel(fake_work, paths, workers=1))
    assert [o.item for o in outcomes] == paths
    assert outcomes[1].error is not None and outcomes[1].error.code == "corrupt"
    assert outcomes[0].result == {"kind": "image", "pdq": "a"}


def test_unexpected_exception_becomes_internal_error(tmp_path: Path) -> None:
    outcomes = list(run_parallel(fake_work, [str(tmp_path / "missing")], workers=1))
    assert outcomes[0].error is not None and outcomes[0].error.code == "internal"


def test_ordered_parallel_results(tmp_path: Path) -> None:
    paths = _files(tmp_path, [f"h{i}" for i in range(20)] + ["bad"])
    outcomes = list(run_parallel(fake_work, paths, workers=2, ordered=True))
    assert [o.item for o in outcomes] == paths
    assert [o.index for o in outcomes] == list(range(21))
    assert outcomes[-1].error is not None and outcomes[-1].error.code == "corrupt"


def test_a_crashing_file_only_fails_itself(tmp_path: Path) -> None:
    contents = [f"h{i}" for i in range(6)]
    contents.insert(3, "crash")
    paths = _files(tmp_path, contents)
    outcomes = {o.item: o for o in run_parallel(fake_work, paths, workers=2)}
    assert len(outcomes) == 7
    crashed = [p for p, o in outcomes.items() if o.error is not None]
    assert crashed == [paths[3]]
    assert outcomes[paths[3]].error.code == "worker-crashed"
    assert all(outcomes[p].result is not None for p in paths if p != paths[3])
