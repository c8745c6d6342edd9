"""Wrong answers to notebook 12's exercises fail, with a message that names the mistake.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np
from exercise_support import fails, passes
from sklearn.metrics import f1_score, precision_score, recall_score

import helpers.exercise_bank.nb12  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 12.1 macro F1


def test_macro_f1_right_answers_pass():
    passes("12.1", lambda t, p, k: f1_score(t, p, average="macro", labels=list(range(k)), zero_division=0))


def test_macro_f1_wrong_averages_fail():
    fails("12.1", lambda t, p, k: f1_score(t, p, average="weighted"), "weighted F1")
    fails("12.1", lambda t, p, k: float(np.mean(t == p)), "micro F1", "accuracy")

    def f1_of_means(t, p, k):
        precision = precision_score(t, p, average="macro", zero_division=0)
        recall = recall_score(t, p, average="macro", zero_division=0)
        return 2 * precision * recall / (precision + recall)

    fails("12.1", f1_of_means, "macro precision and macro recall")


def test_macro_f1_other_mistakes_fail():
    # Skipping classes that are never predicted (their F1 is 0, not absent).
    fails("12.1", lambda t, p, k: f1_score(t, p, average="macro", labels=sorted(set(p))), "scikit-learn")
    fails("12.1", lambda t, p, k: "0.5", "one number")
    fails("12.1", lambda t, p, k: float("nan"), "NaN")


# --------------------------------------------------------------------------- 12.2 ECE


def _bins(probs, labels, n_bins, confidence=None):
    conf = probs.max(axis=1) if confidence is None else confidence
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            out.append((inside.mean(), correct[inside].mean() - conf[inside].mean()))
    return out


def test_ece_right_answer_passes():
    passes("12.2", lambda probs, labels, n: sum(w * abs(g) for w, g in _bins(probs, labels, n)))


def test_ece_wrong_answers_fail():
    fails(
        "12.2",
        lambda probs, labels, n: float(np.mean([abs(g) for _, g in _bins(probs, labels, n)])),
        "without weights",
    )
    fails("12.2", lambda probs, labels, n: abs(sum(w * g for w, g in _bins(probs, labels, n))), "signed gaps")
    fails("12.2", lambda probs, labels, n: max(abs(g) for _, g in _bins(probs, labels, n)), "maximum")

    def true_class(probs, labels, n):
        conf = probs[np.arange(len(labels)), labels]
        return sum(w * abs(g) for w, g in _bins(probs, labels, n, confidence=conf))

    fails("12.2", true_class, "TRUE class")
    # The overall gap (one bin): |accuracy - mean confidence|.
    fails(
        "12.2",
        lambda probs, labels, n: abs(np.mean(probs.argmax(1) == labels) - probs.max(1).mean()),
        "expected",
    )


# --------------------------------------------------------------------------- 12.3 bootstrap


def _percentile_ci(correct, n_resamples, low_q, high_q, seed=0, replace=True):
    rng = np.random.default_rng(seed)
    correct = np.asarray(correct, dtype=float)
    if replace:
        means = correct[rng.integers(0, len(correct), size=(n_resamples, len(correct)))].mean(axis=1)
    else:
        means = np.array([rng.permutation(correct).mean() for _ in range(n_resamples)])
    return tuple(float(q) for q in np.quantile(means, [low_q, high_q]))


def test_bootstrap_right_answer_passes():
    passes("12.3", lambda c, n, alpha, seed: _percentile_ci(c, n, alpha / 2, 1 - alpha / 2, seed))


def test_bootstrap_right_answers_in_other_spellings_pass():
    def quantile_array(correct, n_resamples=2000, alpha=0.05, seed=0):  # what the hint's np.quantile returns
        rng = np.random.default_rng(seed)
        correct = np.asarray(correct, dtype=float)
        means = [rng.choice(correct, size=len(correct), replace=True).mean() for _ in range(n_resamples)]
        return np.quantile(means, [alpha / 2, 1 - alpha / 2])  # an ndarray of shape (2,)

    def numpy_scalars(correct, n_resamples=2000, alpha=0.05, seed=0):
        low, high = quantile_array(correct, n_resamples, alpha, seed)
        return low, high  # two np.float64

    def percentiles_as_list(correct, n_resamples=2000, alpha=0.05, seed=0):
        rng = np.random.default_rng(seed)
        correct = np.asarray(correct, dtype=float)
        means = correct[rng.integers(0, len(correct), size=(n_resamples, len(correct)))].mean(axis=1)
        return np.percentile(means, [50 * alpha, 100 - 50 * alpha]).tolist()

    assert isinstance(quantile_array(np.ones(10), 20, 0.05, 0), np.ndarray)
    passes("12.3", quantile_array)
    passes("12.3", numpy_scalars)
    passes("12.3", percentiles_as_list)
    fails("12.3", lambda c, n, alpha, seed: np.array([0.7, 0.8, 0.9]), "pair", "shape (3,)")


def test_bootstrap_wrong_answers_fail():
    # A 90 % interval whatever alpha says (alpha instead of alpha / 2 on each side).
    fails("12.3", lambda c, n, alpha, seed: _percentile_ci(c, n, alpha, 1 - alpha, seed), "90% interval")
    # The 95 % interval hard-coded: alpha ignored.
    fails("12.3", lambda c, n, alpha, seed: _percentile_ci(c, n, 0.025, 0.975, seed), "alpha=0.32")
    # Resampling without replacement: every resample is a permutation, with the same mean.
    fails(
        "12.3",
        lambda c, n, alpha, seed: _percentile_ci(c, n, 0.025, 0.975, seed, replace=False),
        "WITH replacement",
    )
    # Quantiles of the 0/1 values themselves.
    fails("12.3", lambda c, n, alpha, seed: (0.0, 1.0), "far too wide")
    # Not seeded.
    fails(
        "12.3",
        lambda c, n, alpha, seed: _percentile_ci(c, n, alpha / 2, 1 - alpha / 2, seed=None),
        "same seed",
    )
    fails("12.3", lambda c, n, alpha, seed: 0.8, "pair")


# --------------------------------------------------------------------------- 12.5 SQuAD EM and F1


def _normalize(text):
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def _f1(pred_tokens, ref_tokens):
    same = sum((Counter(pred_tokens) & Counter(ref_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_tokens), same / len(ref_tokens)
    return 2 * precision * recall / (precision + recall)


def _scores(tokens, best_of_all=True, scale=1.0):
    def squad_scores(prediction, references):
        refs = references if best_of_all else references[:1]
        em = max(float(_normalize(prediction) == _normalize(r)) for r in refs)
        return scale * em, scale * max(_f1(tokens(prediction), tokens(r)) for r in refs)

    return squad_scores


def test_squad_right_answer_passes():
    passes("12.5", _scores(lambda s: _normalize(s).split()))


def test_squad_right_answers_in_other_spellings_pass():
    def ints_in_a_list(prediction, references):  # exact match as an int, the pair as a list
        pred = _normalize(prediction).split()
        return [
            max(int(pred == _normalize(r).split()) for r in references),
            max(_f1(pred, _normalize(r).split()) for r in references),
        ]

    def numpy_pair(prediction, references):
        scores = np.array([[_normalize(prediction) == _normalize(r), 0.0] for r in references], dtype=float)
        scores[:, 1] = [_f1(_normalize(prediction).split(), _normalize(r).split()) for r in references]
        return scores.max(axis=0)  # an ndarray of shape (2,)

    passes("12.5", ints_in_a_list)
    passes("12.5", numpy_pair)


def test_squad_wrong_answers_fail():
    fails("12.5", _scores(lambda s: list(set(_normalize(s).split()))), "multiset")
    fails("12.5", _scores(lambda s: _normalize(s).split(), best_of_all=False), "every reference")
    fails("12.5", _scores(lambda s: s.lower().split()), "Normalise")
    fails("12.5", _scores(lambda s: _normalize(s).split(), scale=100.0), "not percentages")
    # Exact match without normalising (F1 right).
    fails(
        "12.5",
        lambda p, refs: (
            max(float(p == r) for r in refs),
            _scores(lambda s: _normalize(s).split())(p, refs)[1],
        ),
        "expected (1",
    )


# --------------------------------------------------------------------------- 12.4 McNemar's test


def _mcnemar_right(a, b):
    from scipy.stats import binomtest

    a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
    n_a, n_b = int((a & ~b).sum()), int((~a & b).sum())
    return 1.0 if n_a + n_b == 0 else binomtest(n_a, n_a + n_b).pvalue


def test_mcnemar_right_answers_pass():
    passes("12.4", _mcnemar_right)

    def statsmodels_style(a, b):  # the exact test from the 2 x 2 table, by hand
        import math

        a, b = np.asarray(a) > 0.5, np.asarray(b) > 0.5
        n_a, n_b = int(np.sum(a > b)), int(np.sum(b > a))
        n = n_a + n_b
        tail = sum(math.comb(n, k) for k in range(min(n_a, n_b) + 1)) / 2**n if n else 0.5
        return np.float64(min(1.0, 2 * tail))

    passes("12.4", statsmodels_style)


def test_mcnemar_wrong_answers_fail():
    import math

    from scipy.stats import binomtest, chi2

    def counts(a, b):
        a, b = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
        return int((a & ~b).sum()), int((~a & b).sum()), len(a)

    def one_sided(a, b):
        n_a, n_b, _ = counts(a, b)
        n = n_a + n_b
        return sum(math.comb(n, k) for k in range(min(n_a, n_b) + 1)) / 2**n if n else 1.0

    def uncapped(a, b):
        return 2 * one_sided(a, b)

    def chi_square(a, b):
        n_a, n_b, _ = counts(a, b)
        return float(chi2.sf((abs(n_a - n_b) - 1) ** 2 / (n_a + n_b), 1)) if n_a + n_b else 1.0

    def all_examples(a, b):
        n_a, n_b, n = counts(a, b)
        return binomtest(n_a, n).pvalue

    fails("12.4", one_sided, "one-sided")
    fails("12.4", uncapped, "at most 1")
    fails("12.4", chi_square, "chi-square")
    fails("12.4", all_examples, "disagree")
    fails("12.4", lambda a, b: abs(np.mean(a) - np.mean(b)), "expected")
    fails("12.4", lambda a, b: "0.05", "one number")
