"""Checks for notebook 19 (integrations: FAISS, Chroma, LangChain, Haystack).

19.1  recall_at_k(approx_ids, exact_ids, k): how much of the exact top k an approximate index found
19.2  pick_nprobe(sweep, target): the smallest nprobe of a measured sweep that reaches a recall target
19.3  search_topic(embeddings, topics, query, topic, k): a metadata-filtered nearest-neighbour search

Every expected answer is computed here at check time, on made-up search results and random unit vectors
built so that the usual mistakes give a different answer: approximate results in another order than the
exact ones, with more columns than k and with FAISS's -1 for "nothing found"; topics where filtering after the
search keeps fewer than k passages; a sweep whose noisy timings make a larger nprobe look faster. No model is
loaded: each check runs in milliseconds.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises import Fail, as_float, as_int, as_int_list, attempt, exercise

TOPICS = ("business", "entertainment", "politics", "sport", "tech")

# --------------------------------------------------------------------------- 19.1 recall@k


def _search_results(rng: np.random.Generator, n_queries: int = 12, k: int = 10, extra: int = 5):
    """(approx, exact) id matrices like FAISS returns: exact has k columns, approx k + extra, with misses,
    reordered hits, and -1 (no result) at the end of some rows."""
    exact = np.stack([rng.choice(5000, size=k, replace=False) for _ in range(n_queries)]).astype(np.int64)
    approx = np.empty((n_queries, k + extra), dtype=np.int64)
    for row in range(n_queries):
        n_hits = int(rng.integers(3, k + 1)) if row else k  # row 0 finds everything, in another order
        hits = rng.permutation(exact[row])[:n_hits]
        others = [i for i in rng.choice(5000, size=3 * (k + extra), replace=False) if i not in exact[row]]
        ranked = list(hits) + others[: k + extra - n_hits]
        # the true neighbours the approximate index also found, mixed with its misses: same set, other order
        top = rng.permutation(ranked[:k])
        approx[row] = np.concatenate([top, ranked[k:]])
        # some rows of an approximate search come back short: FAISS pads them with -1
        if row % 4 == 3:
            approx[row, k - 2 :] = -1
    # the columns after k hold more true neighbours: a recall that looks past k is inflated
    for row in range(1, n_queries):
        if -1 in approx[row]:
            continue
        missing = [i for i in exact[row] if i not in approx[row, :k]]
        if missing:
            approx[row, k] = missing[0]
    return approx, exact


def _reference_recall(approx, exact, k: int) -> float:
    approx, exact = np.asarray(approx), np.asarray(exact)
    return float(
        np.mean([len(set(a[:k]) & set(e[:k]) - {-1}) / k for a, e in zip(approx, exact, strict=True)])
    )


@exercise(
    "19.1",
    hint="For each query (row), count the ids that the first k of approx_ids and the first k of exact_ids have "
    "in common (order does not matter: len(set(a[:k]) & set(e[:k]))), divide by k, and return the mean over "
    "the queries as one float.",
)
def _(recall_at_k):
    rng = np.random.default_rng(191)
    approx, exact = _search_results(rng)
    k = exact.shape[1]
    cases = [
        ("k = 10, approximate results searched with 15 columns", approx, exact, k),
        ("k = 5", approx, exact, 5),
        ("int32 ids", approx.astype(np.int32), exact.astype(np.int32), k),
    ]
    for i, (label, a, e, kk) in enumerate(cases):
        got_raw = attempt(recall_at_k, a, e, kk) if i == 0 else recall_at_k(a, e, kk)
        count = got_raw.numel() if hasattr(got_raw, "numel") else np.size(got_raw)
        if hasattr(got_raw, "shape") and count > 1:
            raise Fail(f"you returned {count} numbers (one per query?); return their mean: one float.")
        if isinstance(got_raw, list | tuple):
            raise Fail("you returned a list (one number per query?); return their mean: one float.")
        got = as_float(got_raw, "recall_at_k(...)")
        expected = _reference_recall(approx, exact, kk)
        if math.isclose(got, expected, abs_tol=1e-6):
            continue
        if math.isclose(got, 100 * expected, rel_tol=1e-9):
            raise Fail(
                f"with {label} you returned {got:.1f}: a percentage. Return a fraction between 0 and 1."
            )
        a_arr, e_arr = np.asarray(approx), np.asarray(exact)
        positional = float(np.mean(a_arr[:, :kk] == e_arr[:, :kk]))
        if math.isclose(got, positional, abs_tol=1e-6):
            raise Fail(
                f"with {label} you returned {got:.3f}: you compared the two lists position by position. An "
                "approximate index finds neighbours in another order (row 0 here holds exactly the exact "
                "top k, shuffled: its recall is 1.0). Compare sets: the order inside the top k does not matter."
            )
        too_wide = float(
            np.mean([len(set(x) & set(y[:kk]) - {-1}) / kk for x, y in zip(a_arr, e_arr, strict=True)])
        )
        if math.isclose(got, too_wide, abs_tol=1e-6):
            raise Fail(
                f"with {label} you returned {got:.3f}: you looked at all {a_arr.shape[1]} columns of approx_ids. "
                f"Recall@{kk} only counts what the approximate index returned in its first {kk}: approx_ids[:, :k]."
            )
        wrong_denominator = float(
            np.mean(
                [
                    len(set(x[:kk]) & set(y[:kk])) / max(1, len(set(x[:kk]) - {-1}))
                    for x, y in zip(a_arr, e_arr, strict=True)
                ]
            )
        )
        if math.isclose(got, wrong_denominator, abs_tol=1e-6):
            raise Fail(
                f"with {label} you returned {got:.3f}: you divided by the number of results the approximate index "
                "returned, not by k. A row padded with -1 found fewer neighbours: that is a miss, so divide by k."
            )
        raise Fail(f"with {label} recall@{kk} is {expected:.3f}; you returned {got:.3f}.")


# --------------------------------------------------------------------------- 19.2 nprobe for a recall target


def _sweep():
    """A measured-looking IVF sweep: recall grows with nprobe; the time too, except for noise at nprobe 32."""
    import pandas as pd

    nprobes = [1, 2, 4, 8, 16, 32, 64]
    recall = [0.52, 0.68, 0.83, 0.93, 0.97, 0.99, 1.0]
    ms = [0.021, 0.027, 0.041, 0.066, 0.098, 0.061, 0.35]  # nprobe 32's timing was lucky: noise
    return pd.DataFrame({"recall@10": recall, "ms per query": ms}, index=pd.Index(nprobes, name="nprobe"))


def _reference_pick(sweep, target: float) -> int | None:
    reached = sweep.index[sweep["recall@10"] >= target]
    return None if len(reached) == 0 else int(min(reached))


@exercise(
    "19.2",
    hint="Keep the rows whose 'recall@10' is >= target (sweep[sweep['recall@10'] >= target]); if none is left, "
    "return None, else the smallest nprobe among them (the index label: .index.min()).",
)
def _(pick_nprobe):
    sweep = _sweep()
    targets = [0.95, 0.93, 0.5, 0.999, 1.0, 1.01]
    for i, target in enumerate(targets):
        got = attempt(pick_nprobe, sweep.copy(), target) if i == 0 else pick_nprobe(sweep.copy(), target)
        expected = _reference_pick(sweep, target)
        label = f"for a target of {target}"
        if expected is None:
            if got is not None:
                raise Fail(
                    f"{label} no nprobe of the sweep reaches it (the best is 1.0): return None, not {got!r}."
                )
            continue
        if got is None:
            raise Fail(
                f"{label} you returned None, but nprobe {expected} reaches it "
                f"(recall {sweep.loc[expected, 'recall@10']}). A recall equal to the target counts (>=)."
            )
        if isinstance(got, float) and not float(got).is_integer():
            raise Fail(
                f"{label} you returned {got!r}: a recall or a time? Return the nprobe (the sweep's index)."
            )
        value = as_int(got, "pick_nprobe(...)")
        if value == expected:
            continue
        if value == list(sweep.index).index(expected):
            raise Fail(
                f"{label} you returned {value}, the row number of the answer; the nprobe is the index label "
                f"({expected})."
            )
        reached = sweep[sweep["recall@10"] >= target]
        if value == int(reached["ms per query"].idxmin()):
            raise Fail(
                f"{label} you picked nprobe {value} because its measured time is the lowest, but timings are noisy "
                f"(nprobe {value} was measured faster than nprobe {expected} here, while it scans more lists): the "
                "work grows with nprobe. Take the smallest nprobe that reaches the target."
            )
        if value == int(reached.index.max()):
            raise Fail(
                f"{label} you picked the largest nprobe that reaches it ({value}): it works, but it is the slowest. "
                "Take the smallest one."
            )
        if value in sweep.index and sweep.loc[value, "recall@10"] < target:
            if math.isclose(sweep.loc[expected, "recall@10"], target):
                raise Fail(
                    f"{label} nprobe {expected} reaches exactly {target}: that meets the target (>=, not >)."
                )
            raise Fail(
                f"{label} nprobe {value} reaches only recall {sweep.loc[value, 'recall@10']}: below the target."
            )
        if math.isclose(sweep.loc[expected, "recall@10"], target) and value > expected:
            raise Fail(
                f"{label} nprobe {expected} reaches exactly {target}: that meets the target (>=, not >)."
            )
        raise Fail(f"{label} the answer is nprobe {expected}; you returned {value}.")


# --------------------------------------------------------------------------- 19.3 a filtered search


def _corpus(rng: np.random.Generator, n: int = 60, d: int = 16):
    """Unit vectors with topics; the query is close to many 'business' vectors, so a search of the whole
    corpus followed by a filter keeps few 'sport' ones."""
    embeddings = rng.standard_normal((n, d)).astype(np.float32)
    topics = np.array([TOPICS[i % len(TOPICS)] for i in rng.permutation(n)], dtype=object)
    query = rng.standard_normal(d).astype(np.float32)
    query /= np.linalg.norm(query)
    business = np.flatnonzero(topics == "business")
    embeddings[business] = query + 0.3 * embeddings[business]  # the business passages crowd the query
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    tie = np.flatnonzero(topics == "sport")[:2]  # two sport passages with exactly the same vector: a tie
    embeddings[tie[1]] = embeddings[tie[0]]
    return embeddings, topics, query


def _as_ids(value, what: str) -> list[int]:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == 1:
        value = value[0]  # FAISS-style (1, k) result
    return as_int_list(value, what)


@exercise(
    "19.3",
    hint="Keep the rows whose topic is `topic` first (ids = np.flatnonzero(np.asarray(topics) == topic)), score "
    "only those (embeddings[ids] @ query), then return ids[order of the k highest scores], best first: row "
    "numbers of the whole corpus, not positions among the filtered rows.",
)
def _(search_topic):
    rng = np.random.default_rng(192)
    embeddings, topics, query = _corpus(rng)
    scores = embeddings @ query
    for i, (topic, k) in enumerate((("sport", 5), ("tech", 3), ("business", 4), ("sport", 12))):
        inputs = (embeddings.copy(), list(topics), query.copy(), topic, k)
        got = _as_ids(
            attempt(search_topic, *inputs) if i == 0 else search_topic(*inputs),
            f"search_topic(..., {topic!r}, {k})",
        )
        ids = np.flatnonzero(topics == topic)
        expected = ids[np.argsort(-scores[ids], kind="stable")[:k]]
        label = f"for topic {topic!r} and k = {k}"
        if len(got) != len(set(got)):
            raise Fail(f"{label} you returned a row more than once: {got}.")
        if any(not 0 <= g < len(topics) for g in got):
            raise Fail(f"{label} you returned {got}: row numbers go from 0 to {len(topics) - 1}.")
        as_positions = (
            len(got) == k and all(0 <= g < len(ids) for g in got) and set(got) != set(expected.tolist())
        )
        if as_positions and np.allclose(np.sort(scores[ids[got]])[::-1], scores[expected], atol=1e-6):
            raise Fail(
                f"{label} you returned {got}: positions among the {topic!r} rows, not row numbers of the whole "
                "corpus. Map them back: ids[positions] (FAISS with an IDSelector returns corpus ids by itself)."
            )
        wrong_topic = [g for g in got if topics[g] != topic]
        if wrong_topic:
            raise Fail(f"{label} rows {wrong_topic} are not {topic!r} passages: filter on the topic.")
        if len(got) < k:
            top_all = np.argsort(-scores, kind="stable")[:k]
            kept = [int(j) for j in top_all if topics[j] == topic]
            if set(got) == set(kept):
                raise Fail(
                    f"{label} you returned {len(got)} rows: you searched the whole corpus for the top {k} and "
                    f"filtered afterwards, which kept only the {len(kept)} {topic!r} rows among them. Filter "
                    "first (or search much deeper): that is what Chroma's where= and FAISS's IDSelector do."
                )
            raise Fail(f"{label} you returned {len(got)} rows; expected {k}.")
        if len(got) > k:
            raise Fail(f"{label} you returned {len(got)} rows; expected the best {k}.")
        got_scores = scores[got]
        if not np.allclose(np.sort(got_scores)[::-1], scores[expected], atol=1e-6):
            if np.allclose(np.sort(got_scores), np.sort(scores[ids])[:k], atol=1e-6):
                raise Fail(
                    f"{label} you returned the {k} LEAST similar rows: sort the scores from high to low "
                    "(inner product on unit vectors is cosine similarity: higher is closer)."
                )
            raise Fail(
                f"{label} the {k} most similar {topic!r} rows are {expected.tolist()}; you returned {got}."
            )
        if np.any(np.diff(got_scores) > 1e-6):
            raise Fail(f"{label} you returned the right rows in the wrong order: best (most similar) first.")
