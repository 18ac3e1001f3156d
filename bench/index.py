"""Benchmark: consentry.index.HammingIndex vs python-threatexchange's PDQIndex vs FAISS flat.

One command, in the bench venv (python-threatexchange 1.2.17, faiss-cpu, psutil, consentry):

    bench/.work/venv/bin/python bench/index.py            # 100k, 1M and 10M hashes
    bench/.work/venv/bin/python bench/index.py --sizes 100000 --indexes consentry,faiss-flat

Random 256-bit hashes, radius 31. Each (index, size) runs in a fresh subprocess so its resident
memory is measured cleanly: RSS after build minus RSS before the input was made (input freed),
and the process peak. Queries: 1,000 per size, half planted near-duplicates of stored hashes at
distances 0..31, half random; single-query latency over 200 of them (100 + 100). Recall is
against a numpy brute force (cached under bench/.work/). Writes bench/results/index.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model, load_average

RADIUS = 31
SEED = 20261129
N_QUERIES = 1000
N_SINGLE = 200
HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results" / "index.md"
INDEXES = ("consentry", "pytx-pdqindex", "faiss-flat")


# ---------------------------------------------------------------- data and ground truth


def make_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Stored hashes (n, 32) uint8 and 1,000 queries: planted at distance k % 32, then random."""
    rng = np.random.default_rng(SEED + n)
    stored = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    planted = stored[rng.integers(0, n, N_QUERIES // 2)].copy()
    bits = np.unpackbits(planted, axis=1)
    for k in range(len(planted)):
        bits[k, rng.choice(256, size=k % (RADIUS + 1), replace=False)] ^= 1
    randoms = rng.integers(0, 256, size=(N_QUERIES - len(planted), 32), dtype=np.uint8)
    return stored, np.vstack([np.packbits(bits, axis=1), randoms])


def single_query_order() -> np.ndarray:
    half = N_SINGLE // 2
    return np.concatenate([np.arange(half), N_QUERIES // 2 + np.arange(half)])


def ground_truth(n: int) -> list[set[int]]:
    """Per query, the ids (= row numbers) within RADIUS, by numpy brute force; cached."""
    cache = WORK / f"index-truth-{n}-{SEED}.json"
    if cache.exists():
        return [set(ids) for ids in json.loads(cache.read_text())]
    stored, queries = make_data(n)
    words = stored.view("<u8")
    scratch = np.empty_like(words)
    truth = []
    for query in queries.view("<u8"):
        np.bitwise_xor(words, query, out=scratch)
        distances = np.bitwise_count(scratch).sum(axis=1, dtype=np.int32)
        truth.append(np.flatnonzero(distances <= RADIUS).tolist())
    WORK.mkdir(exist_ok=True)
    cache.write_text(json.dumps(truth))
    return [set(ids) for ids in truth]


# ---------------------------------------------------------------- the three indexes


class Consentry:
    def __init__(self) -> None:
        from consentry.index import HammingIndex

        warm = HammingIndex()  # compile / load the numba kernels outside the measurement
        warm.add(np.arange(5000), np.random.default_rng(0).integers(0, 256, (5000, 32), np.uint8))
        warm.search(np.zeros((2, 32), np.uint8), RADIUS)
        warm.search(np.zeros((1, 32), np.uint8), RADIUS)
        self.index = HammingIndex()

    @staticmethod
    def prepare(stored: np.ndarray) -> object:
        return stored

    def build(self, prepared: object) -> None:
        self.index.add(np.arange(len(prepared)), prepared)

    def single(self, query: np.ndarray) -> set[int]:
        return set(self.index.search(query[None], RADIUS)[0][0].tolist())

    def batch(self, queries: np.ndarray) -> list[set[int]]:
        return [set(ids.tolist()) for ids, _ in self.index.search(queries, RADIUS)]

    def extra(self, n: int) -> dict:
        return {"accounted_bytes_per_hash": self.index.nbytes / n}


class PytxPdqIndex:
    """python-threatexchange 1.2.17's PDQIndex (FAISS IndexBinaryMultiHash, threshold 31)."""

    def __init__(self) -> None:
        from threatexchange.signal_type.pdq.pdq_index import PDQIndex

        self.cls = PDQIndex
        self.index = None

    @staticmethod
    def prepare(stored: np.ndarray) -> object:
        return [(row.tobytes().hex(), k) for k, row in enumerate(stored)]

    def build(self, prepared: object) -> None:
        self.index = self.cls.build(prepared)

    def single(self, query: np.ndarray) -> set[int]:
        return {match.metadata for match in self.index.query(query.tobytes().hex())}

    def batch(self, queries: np.ndarray) -> list[set[int]]:
        texts = [q.tobytes().hex() for q in queries]
        found = self.index.index.search_with_distance_in_result(texts, RADIUS)
        entries = self.index.local_id_to_entry
        return [{entries[local][1] for local, _, _ in found[text]} for text in texts]

    def extra(self, n: int) -> dict:
        return {}


class FaissFlat:
    """FAISS IndexBinaryFlat; range_search keeps distances strictly below its radius."""

    def __init__(self) -> None:
        import faiss

        self.index = faiss.IndexBinaryFlat(256)

    @staticmethod
    def prepare(stored: np.ndarray) -> object:
        return stored

    def build(self, prepared: object) -> None:
        self.index.add(prepared)

    def single(self, query: np.ndarray) -> set[int]:
        _, _, ids = self.index.range_search(query[None], RADIUS + 1)
        return set(ids.tolist())

    def batch(self, queries: np.ndarray) -> list[set[int]]:
        limits, _, ids = self.index.range_search(queries, RADIUS + 1)
        return [set(ids[limits[k] : limits[k + 1]].tolist()) for k in range(len(queries))]

    def extra(self, n: int) -> dict:
        return {}


ADAPTERS = {"consentry": Consentry, "pytx-pdqindex": PytxPdqIndex, "faiss-flat": FaissFlat}


# ---------------------------------------------------------------- one run (in a subprocess)


def rss_bytes() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def run_one(name: str, n: int) -> dict:
    adapter = ADAPTERS[name]()
    one_hash = _one_hash_check(name)
    gc.collect()
    rss_before = rss_bytes()
    stored, queries = make_data(n)
    prepared = adapter.prepare(stored)
    del stored
    started = time.perf_counter()
    adapter.build(prepared)
    build_seconds = time.perf_counter() - started
    del prepared
    gc.collect()
    resident = rss_bytes() - rss_before - queries.nbytes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    latencies, single_hits = [], []
    for k in single_query_order():
        started = time.perf_counter()
        single_hits.append(adapter.single(queries[k]))
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    batch_hits = adapter.batch(queries)
    batch_seconds = time.perf_counter() - started
    return {
        "index": name,
        "n": n,
        "build_seconds": build_seconds,
        "resident_bytes_per_hash": resident / n,
        "peak_rss_bytes": peak,
        "single_ms_p50": 1000 * float(np.percentile(latencies, 50)),
        "single_ms_p99": 1000 * float(np.percentile(latencies, 99)),
        "batch_queries_per_second": len(queries) / batch_seconds,
        "single_hits": [sorted(h) for h in single_hits],
        "batch_hits": [sorted(h) for h in batch_hits],
        "one_hash_index_finds_itself": one_hash,
        **adapter.extra(n),
    }


def _one_hash_check(name: str) -> bool:
    """ThreatExchange issue #1318: does an index holding one hash find that hash?"""
    adapter = ADAPTERS[name]()
    stored = np.random.default_rng(1).integers(0, 256, size=(1, 32), dtype=np.uint8)
    adapter.build(adapter.prepare(stored))
    return adapter.single(stored[0]) == {0}


def run_incremental(n: int) -> dict:
    """consentry only: n hashes in one add, then 20,000 more in adds of 100, then removals;
    add/remove cost, segment count, single-query latency and exactness afterwards."""
    from consentry.index import HammingIndex

    stored, queries = make_data(n)
    index = HammingIndex()
    index.add(np.arange(n), stored)
    rng = np.random.default_rng(SEED)
    extra = rng.integers(0, 256, size=(20_000, 32), dtype=np.uint8)
    add_times = []
    for start in range(0, len(extra), 100):
        began = time.perf_counter()
        index.add(n + start + np.arange(100), extra[start : start + 100])
        add_times.append(time.perf_counter() - began)
    segments = index.segment_sizes
    doomed = rng.choice(n + len(extra), size=(n + len(extra)) // 100, replace=False)
    began = time.perf_counter()
    removed = index.remove(doomed)
    remove_seconds = time.perf_counter() - began
    single_removes = []
    for victim in range(20):
        began = time.perf_counter()
        index.remove([n + victim])
        single_removes.append(time.perf_counter() - began)
    latencies = []
    for query in queries[single_query_order()]:
        began = time.perf_counter()
        index.search(query[None], RADIUS)
        latencies.append(time.perf_counter() - began)
    everything = np.vstack([stored, extra])
    alive = np.ones(len(everything), bool)
    alive[doomed] = False
    alive[n : n + 20] = False
    exact = _exact_after_changes(index, everything, alive, queries[:100])
    return {
        "n": n,
        "add_100_ms_mean": 1000 * float(np.mean(add_times)),
        "add_100_ms_max": 1000 * float(np.max(add_times)),
        "segments_after_adds": segments,
        "remove_1pct_seconds": remove_seconds,
        "removed": removed,
        "remove_one_ms_mean": 1000 * float(np.mean(single_removes)),
        "single_ms_p50_after": 1000 * float(np.percentile(latencies, 50)),
        "exact_after_changes": exact,
    }


def _exact_after_changes(index, everything: np.ndarray, alive: np.ndarray, queries) -> bool:
    words = everything.view("<u8")
    for query, (ids, _) in zip(queries, index.search(queries, RADIUS), strict=True):
        distances = np.bitwise_count(words ^ query.view("<u8")).sum(axis=1)
        expected = np.flatnonzero((distances <= RADIUS) & alive)
        if sorted(ids.tolist()) != expected.tolist():
            return False
    return True


# ---------------------------------------------------------------- orchestration and report


def run_in_subprocess(name: str, n: int) -> dict:
    command = [sys.executable, __file__, "--child", name, str(n)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"index": name, "n": n, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def score(result: dict, truth: list[set[int]]) -> dict:
    if "error" in result:
        return result
    found = [set(h) for h in result.pop("batch_hits")]
    singles = [set(h) for h in result.pop("single_hits")]
    expected = sum(len(t) for t in truth)
    hit = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    order = single_query_order()
    single_expected = sum(len(truth[k]) for k in order)
    single_hit = sum(len(s & truth[k]) for s, k in zip(singles, order, strict=True))
    result["recall_batch"] = hit / expected if expected else 1.0
    result["recall_single"] = single_hit / single_expected if single_expected else 1.0
    result["false_hits"] = sum(len(f - t) for f, t in zip(found, truth, strict=True))
    result["true_pairs"] = expected
    return result


def machine() -> dict:
    model = cpu_model()
    versions = {}
    for package in ("numpy", "numba", "faiss-cpu", "threatexchange", "consentry"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), **versions}


NOTES = [
    "## Notes",
    "",
    "- consentry: multi-index hashing, 12 chunks of 21-22 bits at 10M (probe radius 2 on 8 of",
    "  them, 1 on 4: ~2,000 bucket probes and ~9,000 candidates per query), rows sorted by",
    "  chunk 0, 3-byte row numbers for the other chunks, prefetched three-pass query loop.",
    "  'held by the arrays' is `HammingIndex.nbytes`; resident adds allocator overhead.",
    "- FAISS range_search keeps distances strictly below its radius, so it is called with 32.",
    "- pytx batched = its FAISS wrapper's `search_with_distance_in_result` on all 1,000 hex",
    "  queries; pytx single = `PDQIndex.query`. Its build time includes nothing but `build()`.",
    "- '1-hash index finds itself' checks ThreatExchange issue #1318 at the index level.",
    "- The machine is shared: other jobs ran during the measurement (load averages above).",
    "  Latency percentiles, OpenMP-based ones especially, move a lot with that load.",
]


def write_report(results: list[dict], info: dict, incremental: dict) -> None:
    lines = [
        "# Index benchmark: exact Hamming radius 31 over random 256-bit hashes",
        "",
        f"Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}; "
        f"numpy {info['numpy']}, numba {info['numba']}, faiss-cpu {info['faiss-cpu']}, "
        f"threatexchange {info['threatexchange']}. Load average at start / end: "
        f"{info['load_start']} / {info['load_end']}.",
        "",
        "Generated by `bench/.work/venv/bin/python bench/index.py`. Each row runs in a fresh "
        "process. Resident = RSS after build (input freed) minus RSS before the input existed; "
        "peak = the process's max RSS (input + build temporaries + interpreter). Single = one "
        "query per call, 200 queries (100 planted at distance 0..31, 100 random); batched = "
        "1,000 queries in one call (all cores). Recall vs numpy brute force.",
        "",
        "| index | hashes | build s | resident B/hash | peak RSS MB | single p50 ms | "
        "single p99 ms | batched q/s | recall | false hits | 1-hash index finds itself |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['index']} | {r['n']:,} | failed: {r['error']} |||||||||")
            continue
        lines.append(
            f"| {r['index']} | {r['n']:,} | {r['build_seconds']:.2f} | "
            f"{r['resident_bytes_per_hash']:.1f} | {r['peak_rss_bytes'] / 2**20:,.0f} | "
            f"{r['single_ms_p50']:.3f} | {r['single_ms_p99']:.3f} | "
            f"{r['batch_queries_per_second']:,.0f} | "
            f"{min(r['recall_batch'], r['recall_single']):.4f} | {r['false_hits']} | "
            f"{'yes' if r['one_hash_index_finds_itself'] else 'NO'} |"
        )
    lines += ["", *targets(results), "", *incremental_lines(incremental), "", *NOTES, ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))


def targets(results: list[dict]) -> list[str]:
    by = {(r["index"], r["n"]): r for r in results if "error" not in r}
    biggest = max((r["n"] for r in results), default=0)
    ours, pytx = by.get(("consentry", biggest)), by.get(("pytx-pdqindex", biggest))
    if ours is None:
        return ["Targets: consentry not measured."]
    out = [f"## Targets at {biggest:,} hashes", ""]
    out.append(
        _check(
            "100% recall",
            min(ours["recall_batch"], ours["recall_single"]) == 1.0,
            f"{ours['recall_batch']:.4f}",
        )
    )
    out.append(
        _check(
            "<= 100 resident bytes/hash",
            ours["resident_bytes_per_hash"] <= 100,
            f"{ours['resident_bytes_per_hash']:.1f} B/hash "
            f"({ours['accounted_bytes_per_hash']:.1f} held by the arrays)",
        )
    )
    if pytx:
        ratio = pytx["single_ms_p50"] / ours["single_ms_p50"]
        out.append(
            _check(
                "single query <= 1/10 of python-threatexchange's",
                ratio >= 10,
                f"p50 {ours['single_ms_p50']:.3f} ms vs {pytx['single_ms_p50']:.3f} ms "
                f"({ratio:.0f}x faster)",
            )
        )
    else:
        out.append("- single query vs python-threatexchange: not measured in this run")
    out.append(
        _check(
            ">= 2,000 queries/s batched",
            ours["batch_queries_per_second"] >= 2000,
            f"{ours['batch_queries_per_second']:,.0f} q/s",
        )
    )
    return out


def incremental_lines(r: dict) -> list[str]:
    if "error" in r:
        return ["## Incremental updates", "", f"failed: {r['error']}"]
    return [
        f"## Incremental updates (consentry, {r['n']:,} hashes built at once)",
        "",
        f"- 200 adds of 100 hashes: mean {r['add_100_ms_mean']:.2f} ms, max "
        f"{r['add_100_ms_max']:.1f} ms (buffer flushes and merges); segments afterwards: "
        f"{r['segments_after_adds']}",
        f"- removing 1% of the ids in one call: {r['remove_1pct_seconds']:.3f} s "
        f"({r['removed']:,} hashes); removing one id: {r['remove_one_ms_mean']:.2f} ms",
        f"- single query afterwards: p50 {r['single_ms_p50_after']:.3f} ms; results still "
        f"exactly brute force: {'yes' if r['exact_after_changes'] else 'NO'}",
    ]


def _check(what: str, ok: bool, detail: str) -> str:
    return f"- {'met' if ok else 'NOT met'}: {what} ({detail})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--indexes", default=",".join(INDEXES))
    parser.add_argument("--incremental-size", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("INDEX", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, n = args.child[0], int(args.child[1])
        run = run_incremental if name == "consentry-incremental" else run_one
        print(json.dumps(run(n) if run is run_incremental else run(name, n)))
        return
    results = []
    load_start = load_average()
    for n in (int(s) for s in args.sizes.split(",")):
        truth = ground_truth(n)
        for name in args.indexes.split(","):
            started = time.perf_counter()
            result = score(run_in_subprocess(name, n), truth)
            results.append(result)
            print(
                f"{name} n={n:,}: {time.perf_counter() - started:.0f} s "
                f"{ {k: v for k, v in result.items() if not isinstance(v, list)} }",
                flush=True,
            )
    incremental = run_in_subprocess("consentry-incremental", args.incremental_size)
    print(f"incremental: {incremental}", flush=True)
    info = machine()
    info["load_start"], info["load_end"] = load_start, load_average()
    write_report(results, info, incremental)
    (WORK / "index-results.json").write_text(json.dumps(results, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
