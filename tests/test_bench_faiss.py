"""benchmarks/bench_faiss.py measures what it says, on a small synthetic collection (no model; no timing asserted)."""

from __future__ import annotations

import numpy as np

from benchmarks.bench_faiss import clustered_vectors, measure_collection, report


def test_measure_collection_rows_and_recall():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((8, 32)).astype(np.float32)
    vectors = clustered_vectors(rng, centres, 3000)
    queries = clustered_vectors(rng, centres, 40)
    rows = measure_collection(
        vectors, queries, nlist=32, nprobes=[1, 32, 64], ef_searches=[16, 256], rounds=1
    )
    assert [(r["index"], r["setting"]) for r in rows] == [
        ("flat", "exact"),
        ("IVF", "nprobe=1"),
        ("IVF", "nprobe=32"),  # nprobe=64 > nlist is skipped
        ("HNSW", "efSearch=16"),
        ("HNSW", "efSearch=256"),
    ]
    by_setting = {r["setting"]: r for r in rows}
    assert by_setting["exact"]["recall@10"] == 1.0 and by_setting["exact"]["speed-up vs flat"] == 1.0
    assert by_setting["nprobe=32"]["recall@10"] == 1.0  # every cell probed: exact
    assert by_setting["nprobe=1"]["recall@10"] <= by_setting["nprobe=32"]["recall@10"]
    assert all(r["ms per query"] > 0 and r["MB"] > 0 for r in rows)
    text = report("test", rows)
    assert "IVF: recall@10" in text and "HNSW" in text
