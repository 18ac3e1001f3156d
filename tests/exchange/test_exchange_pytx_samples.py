"""Files written by python-threatexchange 1.2.17 itself (recorded once, kept as text)."""

from __future__ import annotations

from consentry.exchange import import_bank
from consentry.store import Store

# `threatexchange hash photo astro.png coffee.jpg` (skimage astronaut and coffee)
HASH_OUTPUT = """\
pdq 2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724
pdq 8c629e779a663698b9a33866c026726c21a679f61eb6e1f8c79ba7e23c8299e0
"""

# `threatexchange hash --photo-preprocess rotations photo astro.png`
ROTATIONS_OUTPUT = """\
ORIGINAL pdq 2d6b1af3a956c529e79ca3d2526fa834d4196c81cedd04de0a26b855fc99b724
ROTATE90 pdq 25a7651dad4fbd78e14e470c5e2963fe4c7219cbd22992499ab654c6e7182d19
ROTATE180 pdq f07af059fd03efc332c9017c023a029c814cc62b9ba8ae747d7352ffa9cc1d8e
ROTATE270 pdq 69f20f33f01217d2a03bcfa61b7cc95419272361265c38e3cfa7f868b24d87b3
FLIPX pdq 2d0fa50ca8763296c79c5429566bd7c994199376ceddfb210a2607aafc9948db
FLIPY pdq 383a4fa6f903127c32c9f687073afd43814c39d493a8518b7f73ed0ca9cce271
FLIPPLUS1 pdq 3da71ae2ad474287e16e98f34e29bc014c72e634d3096db69ab22b3de618d2e6
FLIPMINUS1 pdq f0f2f04cf81ae82d303b30591b7434ab1927dc9e867cc71ccfe70597b24d784c
"""

# `threatexchange dataset -P` after fetching a local_file collaboration
DATASET_PRINT = """\
video_sha256 5eabc325985a0442c0a728b2cf49d0e354bfc3ab52d193a49004898e360270cb 'Partner X' INVESTIGATION_SEED
video_md5 41494e6fac138a87270e5a55ec4400ce 'Partner X' INVESTIGATION_SEED
pdq 537cac94f93b66c02460060a096a453b990243291da2c64a893d4ae5095cb778 'Partner X' INVESTIGATION_SEED
"""  # noqa: E501

# `threatexchange dataset -P --csv` (csv.DictWriter: CRLF line ends)
DATASET_CSV = (
    "signal_type,signal_str,collab,category,tags\r\n"
    "pdq,537cac94f93b66c02460060a096a453b990243291da2c64a893d4ae5095cb778,Partner X,"
    "INVESTIGATION_SEED,\r\n"
    "video_md5,41494e6fac138a87270e5a55ec4400ce,Partner X,INVESTIGATION_SEED,\r\n"
    "video_sha256,5eabc325985a0442c0a728b2cf49d0e354bfc3ab52d193a49004898e360270cb,Partner X,"
    "INVESTIGATION_SEED,\r\n"
)

EXPECTED_DATASET = {
    ("pdq", "537cac94f93b66c02460060a096a453b990243291da2c64a893d4ae5095cb778"),
    ("md5", "41494e6fac138a87270e5a55ec4400ce"),
    ("sha256", "5eabc325985a0442c0a728b2cf49d0e354bfc3ab52d193a49004898e360270cb"),
}


def fingerprints(store: Store, bank: str) -> set[tuple[str, str]]:
    return {fp for entry in store.iter_entries(bank) for fp in entry.fingerprints}


def test_hash_output(store: Store) -> None:
    report = import_bank(store, "dst", HASH_OUTPUT.encode())
    assert (report.format, report.ok, report.entries_added) == ("pytx", True, 2)


def test_rotations_output_is_one_entry(store: Store) -> None:
    report = import_bank(store, "dst", ROTATIONS_OUTPUT.encode())
    assert (report.ok, report.entries_added, report.fingerprints_added) == (True, 1, 8)


def test_dataset_print(store: Store) -> None:
    report = import_bank(store, "dst", DATASET_PRINT.encode())
    assert (report.format, report.ok, report.entries_added) == ("pytx", True, 3)
    assert fingerprints(store, "dst") == EXPECTED_DATASET


def test_dataset_csv(store: Store) -> None:
    report = import_bank(store, "dst", DATASET_CSV.encode())
    assert (report.format, report.ok, report.entries_added) == ("pytx-csv", True, 3)
    assert fingerprints(store, "dst") == EXPECTED_DATASET
    assert {e.note for e in store.iter_entries("dst")} == {"pytx collaboration: Partner X"}


def test_hash_then_rotations_extends_the_same_entry(store: Store) -> None:
    import_bank(store, "dst", HASH_OUTPUT.encode())
    report = import_bank(store, "dst", ROTATIONS_OUTPUT.encode())
    assert (report.entries_added, report.fingerprints_added, report.duplicates) == (0, 7, 1)
    assert sorted(len(e.fingerprints) for e in store.iter_entries("dst")) == [1, 8]
