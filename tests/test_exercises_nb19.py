"""Notebook 19's exercises: right answers written other ways pass, plausible wrong answers fail with a message that
names the mistake.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

import faiss
import numpy as np
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb19  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 19.1 recall@k


def _recall(approx_ids, exact_ids, k):
    hits = [len(set(a[:k]) & set(e[:k])) for a, e in zip(approx_ids, exact_ids, strict=True)]
    return sum(hits) / (k * len(hits))


def test_recall_at_k_right_answers_pass():
    passes("19.1", _recall)

    def vectorised(approx_ids, exact_ids, k):  # NumPy, a 0-d array as the answer
        approx_ids, exact_ids = np.asarray(approx_ids)[:, :k], np.asarray(exact_ids)[:, :k]
        found = (approx_ids[:, :, None] == exact_ids[:, None, :]).any(axis=2)
        return found.mean(axis=1).mean(keepdims=False)

    passes("19.1", vectorised)

    def with_isin_and_torch(approx_ids, exact_ids, k):  # np.isin per row, a one-element tensor as the answer
        rows = [np.isin(a[:k], e[:k]).sum() / k for a, e in zip(approx_ids, exact_ids, strict=True)]
        return torch.tensor([float(np.mean(rows))])

    passes("19.1", with_isin_and_torch)


def test_recall_at_k_wrong_answers_fail():
    def positional(approx_ids, exact_ids, k):
        return float((np.asarray(approx_ids)[:, :k] == np.asarray(exact_ids)[:, :k]).mean())

    fails("19.1", positional, "position by position", "order")

    def all_columns(approx_ids, exact_ids, k):
        return float(
            np.mean([len(set(a) & set(e[:k])) / k for a, e in zip(approx_ids, exact_ids, strict=True)])
        )

    fails("19.1", all_columns, "columns", "approx_ids[:, :k]")

    def per_found(approx_ids, exact_ids, k):
        return float(
            np.mean(
                [
                    len(set(a[:k]) & set(e[:k])) / len([i for i in a[:k] if i != -1])
                    for a, e in zip(approx_ids, exact_ids, strict=True)
                ]
            )
        )

    fails("19.1", per_found, "divide by k")
    fails("19.1", lambda a, e, k: 100 * _recall(a, e, k), "percentage")

    def per_query(approx_ids, exact_ids, k):
        return np.array(
            [len(set(a[:k]) & set(e[:k])) / k for a, e in zip(approx_ids, exact_ids, strict=True)]
        )

    fails("19.1", per_query, "one float")
    fails(
        "19.1", lambda a, e, k: [len(set(x[:k]) & set(y[:k])) / k for x, y in zip(a, e, strict=True)], "list"
    )


# --------------------------------------------------------------------------- 19.2 nprobe for a recall target


def _pick(sweep, target):
    reached = sweep[sweep["recall@10"] >= target]
    return None if reached.empty else int(reached.index.min())


def test_pick_nprobe_right_answers_pass():
    passes("19.2", _pick)

    def by_loop(sweep, target):  # plain Python over the rows, a NumPy integer, a whole float
        for nprobe, recall in sweep["recall@10"].sort_index().items():
            if recall >= target:
                return np.int64(nprobe)
        return None

    passes("19.2", by_loop)
    passes("19.2", lambda sweep, target: None if (n := _pick(sweep, target)) is None else float(n))


def test_pick_nprobe_wrong_answers_fail():
    def fastest(sweep, target):
        reached = sweep[sweep["recall@10"] >= target]
        return None if reached.empty else int(reached["ms per query"].idxmin())

    fails("19.2", fastest, "noisy", "smallest nprobe")

    def strictly_above(sweep, target):
        reached = sweep[sweep["recall@10"] > target]
        return None if reached.empty else int(reached.index.min())

    fails("19.2", strictly_above, ">=")

    def largest(sweep, target):
        reached = sweep[sweep["recall@10"] >= target]
        return None if reached.empty else int(reached.index.max())

    fails("19.2", largest, "largest nprobe")

    def row_number(sweep, target):
        hits = np.flatnonzero(sweep["recall@10"].to_numpy() >= target)
        return None if len(hits) == 0 else int(hits[0])

    fails("19.2", row_number, "row number")

    def recall_value(sweep, target):
        reached = sweep[sweep["recall@10"] >= target]
        return None if reached.empty else float(reached["recall@10"].iloc[0])

    fails("19.2", recall_value, "Return the nprobe")

    def first_label_always(sweep, target):
        return int((sweep["recall@10"] >= target).idxmax())  # the first label even when nothing reaches it

    fails("19.2", first_label_always, "return None")


# --------------------------------------------------------------------------- 19.3 a filtered search


def _search_topic(embeddings, topics, query, topic, k):
    ids = np.flatnonzero(np.asarray(topics) == topic)
    scores = embeddings[ids] @ query
    return ids[np.argsort(-scores)[:k]]


def test_search_topic_right_answers_pass():
    passes("19.3", _search_topic)

    def with_faiss(embeddings, topics, query, topic, k):  # an IDSelector, a (1, k) int64 result
        index = faiss.IndexFlatIP(embeddings.shape[1])
        index.add(embeddings)
        allowed = np.array([i for i, t in enumerate(topics) if t == topic], dtype=np.int64)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        _, ids = index.search(query[None, :], k, params=params)
        return ids

    passes("19.3", with_faiss)

    def by_l2_distance_torch(
        embeddings, topics, query, topic, k
    ):  # smallest L2 = largest cosine on unit vectors
        ids = torch.tensor([i for i, t in enumerate(topics) if t == topic])
        distances = torch.cdist(torch.from_numpy(embeddings[ids.numpy()]), torch.from_numpy(query)[None, :])[
            :, 0
        ]
        return ids[distances.argsort()[:k]]

    passes("19.3", by_l2_distance_torch)


def test_search_topic_wrong_answers_fail():
    def positions(embeddings, topics, query, topic, k):
        ids = np.flatnonzero(np.asarray(topics) == topic)
        return np.argsort(-(embeddings[ids] @ query))[:k]

    fails("19.3", positions, "positions among", "ids[positions]")

    def post_filter(embeddings, topics, query, topic, k):
        best = np.argsort(-(embeddings @ query))[:k]
        return [int(i) for i in best if topics[i] == topic]

    fails("19.3", post_filter, "filtered afterwards", "Filter first")

    def least_similar(embeddings, topics, query, topic, k):
        ids = np.flatnonzero(np.asarray(topics) == topic)
        return ids[np.argsort(embeddings[ids] @ query)[:k]]

    fails("19.3", least_similar, "LEAST similar")

    def worst_first(embeddings, topics, query, topic, k):
        return _search_topic(embeddings, topics, query, topic, k)[::-1]

    fails("19.3", worst_first, "wrong order")
    fails("19.3", lambda e, t, q, topic, k: np.argsort(-(e @ q))[:k], "are not")
    fails("19.3", lambda e, t, q, topic, k: _search_topic(e, t, q, topic, k + 1), "expected the best")
