import os
from pathlib import Path

from consentry.scan import WalkStats, expand_inputs, walk_tree


def _tree(root: Path) -> None:
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a.jpg").write_bytes(b"1")
    (root / "b" / "z.png").write_bytes(b"22")
    (root / "b" / "deep" / "c.gif").write_bytes(b"333")


def test_walk_is_recursive_and_sorted(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [Path(e.path).relative_to(tmp_path).as_posix() for e in walk_tree(tmp_path)]
    assert found == ["a.jpg", "b/deep/c.gif", "b/z.png"]
    sizes = {Path(e.path).name: e.size for e in walk_tree(tmp_path)}
    assert sizes == {"a.jpg": 1, "z.png": 2, "c.gif": 3}


def test_walk_never_follows_symlinks(tmp_path: Path) -> None:
    inside = tmp_path / "tree"
    outside = tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(b"x")
    (inside / "real.jpg").write_bytes(b"y")
    os.symlink(outside, inside / "link-to-dir")
    os.symlink(outside / "secret.jpg", inside / "link-to-file.jpg")
    os.symlink(inside / "real.jpg", inside / "alias.jpg")
    os.symlink(inside, inside / "loop")
    stats = WalkStats()
    found = [Path(e.path).name for e in walk_tree(inside, stats)]
    assert found == ["real.jpg"]
    assert stats.symlinks_skipped == 4


def test_walk_skips_fifos(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    (tmp_path / "ok.jpg").write_bytes(b"1")
    stats = WalkStats()
    assert [Path(e.path).name for e in walk_tree(tmp_path, stats)] == ["ok.jpg"]
    assert stats.special_skipped == 1


def test_walk_reports_unreadable_directories(tmp_path: Path, monkeypatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.jpg").write_bytes(b"1")
    (tmp_path / "ok.jpg").write_bytes(b"1")
    real_scandir = os.scandir

    def scandir(path):  # root can read any directory, so refuse this one by hand
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    stats = WalkStats()
    assert [Path(e.path).name for e in walk_tree(tmp_path, stats)] == ["ok.jpg"]
    assert stats.unreadable_dirs == [str(locked)]


def test_expand_inputs_mixes_files_dirs_and_missing(tmp_path: Path) -> None:
    _tree(tmp_path)
    missing = tmp_path / "nope.jpg"
    found = list(expand_inputs([tmp_path / "a.jpg", tmp_path / "b", missing]))
    assert [Path(e.path).name for e in found] == ["a.jpg", "c.gif", "z.png", "nope.jpg"]
    assert [e.from_directory for e in found] == [False, True, True, False]
    assert found[-1].size == -1


def test_walk_does_not_enter_skipped_directories(tmp_path: Path) -> None:
    _tree(tmp_path)
    stats = WalkStats()
    # The same directory spelled another way (via "..") is still recognised.
    skip = [tmp_path / "b" / "deep" / ".." / "deep"]
    found = [Path(e.path).name for e in walk_tree(tmp_path, stats, skip)]
    assert found == ["a.jpg", "z.png"]
    assert stats.skipped_dirs == [str(tmp_path / "b" / "deep")]
    named = [Path(e.path).name for e in expand_inputs([tmp_path], skip=skip)]
    assert named == ["a.jpg", "z.png"]
