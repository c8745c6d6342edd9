"""Checks for notebook 12 (evaluation and inference).

12.1  macro_f1(y_true, y_pred, num_labels): the macro-averaged F1 by hand (checked against scikit-learn)
12.2  expected_calibration_error(probs, labels, n_bins): ECE from softmax probabilities
12.3  bootstrap_ci(correct, n_resamples, alpha, seed): a percentile bootstrap interval for accuracy
12.4  mcnemar_p(correct_a, correct_b): exact McNemar test of two models scored on the same examples
12.5  squad_scores(prediction, references): SQuAD exact match and token F1 (normalised, best reference)

Every expected answer is computed here, from scikit-learn or from first principles, on inputs the learner
never sees (random labels, random probabilities, tricky answer strings). The most common wrong answers
(weighted or micro F1, an unweighted mean over bins, a 90 % interval, a set instead of a multiset of
tokens...) are recognised and named in the failure message. No model is loaded: each check runs in
milliseconds.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises import Fail, as_float, attempt, exercise
from helpers.metrics import squad_f1, squad_normalize
from helpers.metrics import squad_scores as reference_squad_scores

# --------------------------------------------------------------------------- 12.1 macro F1 by hand


def _labels(rng: np.random.Generator, n: int, num_labels: int, skew: float, accuracy: float):
    """Imbalanced true labels (class 0 the largest) and predictions right about `accuracy` of the time, biased
    towards the big class when wrong, so that macro, weighted and micro F1 all differ."""
    weights = skew ** np.arange(num_labels)
    y_true = rng.choice(num_labels, size=n, p=weights / weights.sum())
    y_true[:num_labels] = np.arange(num_labels)  # every class occurs in the test set
    wrong = rng.random(n) > accuracy
    guesses = np.where(rng.random(n) < 0.6, 0, rng.integers(0, num_labels, size=n))
    y_pred = np.where(wrong, guesses, y_true)
    return y_true, y_pred


def _reference_f1s(y_true, y_pred, num_labels: int):
    from sklearn.metrics import f1_score, precision_score, recall_score

    labels = list(range(num_labels))
    kw = {"labels": labels, "zero_division": 0}
    return {
        "macro": f1_score(y_true, y_pred, average="macro", **kw),
        "weighted": f1_score(y_true, y_pred, average="weighted", **kw),
        "micro": f1_score(y_true, y_pred, average="micro", **kw),
        "p_macro": precision_score(y_true, y_pred, average="macro", **kw),
        "r_macro": recall_score(y_true, y_pred, average="macro", **kw),
    }


@exercise(
    "12.1",
    hint="For each class c: tp = sum((y_pred == c) & (y_true == c)), precision = tp / (number predicted c), "
    "recall = tp / (number truly c), F1 = 2 p r / (p + r), taking 0 whenever a denominator is 0. Macro F1 is "
    "the plain mean of the num_labels per-class F1 scores: every class counts the same, however rare.",
)
def _(macro_f1):
    rng = np.random.default_rng(121)
    cases = [
        _labels(rng, 300, 3, 0.35, 0.75),
        _labels(rng, 500, 5, 0.6, 0.6),
        _labels(rng, 80, 4, 0.3, 0.5),
    ]
    # A weak model that never predicts the rarest class (its precision is 0/0: it counts as 0).
    y_true, y_pred = _labels(rng, 200, 4, 0.5, 0.7)
    cases.append((y_true, np.where(y_pred == 3, 0, y_pred)))
    for y_true, y_pred in cases:
        num_labels = int(y_true.max()) + 1
        got = as_float(attempt(macro_f1, y_true.copy(), y_pred.copy(), num_labels), "macro_f1(...)")
        ref = _reference_f1s(y_true, y_pred, num_labels)
        if abs(got - ref["macro"]) < 1e-6:
            continue
        where = f"({len(y_true)} examples, {num_labels} classes)"
        if abs(got - ref["weighted"]) < 1e-6:
            raise Fail(
                f"You computed the weighted F1 {where}: {got:.4f}. Macro F1 is the unweighted mean of the "
                f"per-class F1 scores ({ref['macro']:.4f}): each class counts the same, however rare."
            )
        if abs(got - ref["micro"]) < 1e-6:
            raise Fail(
                f"You computed the micro F1 {where}: {got:.4f}, which for single-label classification is "
                f"the accuracy. Macro F1 averages the per-class F1 scores: {ref['macro']:.4f}."
            )
        p, r = ref["p_macro"], ref["r_macro"]
        if abs(got - 2 * p * r / (p + r)) < 1e-6:
            raise Fail(
                f"You took the F1 of the macro precision and macro recall {where}: {got:.4f}. Macro F1 "
                f"is the mean of the per-class F1 scores ({ref['macro']:.4f}); the harmonic mean of two "
                "means is not the mean of the harmonic means."
            )
        raise Fail(
            f"macro_f1 gave {got:.4f} {where}; scikit-learn's f1_score(average='macro') gives "
            f"{ref['macro']:.4f}."
        )


# --------------------------------------------------------------------------- 12.2 expected calibration error


def _probs(rng: np.random.Generator, n: int, k: int, temperature: float):
    logits = rng.normal(size=(n, k)) * 2.5
    labels = np.array([rng.choice(k, p=row) for row in _softmax(logits)])  # calibrated at temperature 1
    return _softmax(logits / temperature), labels


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _gaps(probs, labels, n_bins: int, confidence=None):
    """(bin weights, |accuracy - confidence| per bin, signed gap per bin) with bins (lo, hi]."""
    conf = probs.max(axis=1) if confidence is None else confidence
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, n_bins + 1)
    weights, gaps, signed = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            weights.append(inside.mean())
            signed.append(correct[inside].mean() - conf[inside].mean())
            gaps.append(abs(signed[-1]))
    return np.array(weights), np.array(gaps), np.array(signed)


def _reference_ece(probs, labels, n_bins: int) -> float:
    weights, gaps, _ = _gaps(probs, labels, n_bins)
    return float((weights * gaps).sum())


@exercise(
    "12.2",
    hint="confidence = probs.max(axis=1), correct = (probs.argmax(axis=1) == labels). Cut [0, 1] into n_bins "
    "equal bins (lo, hi]; for each non-empty bin take |mean(correct) - mean(confidence)|, weight it by "
    "the share of examples in the bin, and add up.",
)
def _(expected_calibration_error):
    rng = np.random.default_rng(122)
    cases = [
        (*_probs(rng, 400, 5, 0.5), 10),
        (*_probs(rng, 300, 3, 2.0), 10),
        (*_probs(rng, 250, 4, 0.7), 15),
    ]
    for probs, labels, n_bins in cases:
        got = attempt(expected_calibration_error, probs.copy(), labels.copy(), n_bins)
        got = as_float(got, "expected_calibration_error(...)")
        expected = _reference_ece(probs, labels, n_bins)
        if abs(got - expected) < 1e-6:
            continue
        where = f"({len(labels)} examples, {probs.shape[1]} classes, {n_bins} bins)"
        weights, gaps, signed = _gaps(probs, labels, n_bins)
        if abs(got - gaps.mean()) < 1e-6:
            raise Fail(
                f"You averaged the bins' gaps without weights {where}: {got:.4f}. Weight each bin by its "
                f"share of the examples: a bin with 3 examples must count less than one with 300 "
                f"(expected {expected:.4f})."
            )
        if abs(got - abs((weights * signed).sum())) < 1e-6:
            raise Fail(
                f"You added signed gaps {where}: over- and under-confident bins cancel out. Take the "
                f"absolute gap in each bin before adding (expected {expected:.4f})."
            )
        if abs(got - gaps.max()) < 1e-6:
            raise Fail(
                f"You returned the largest gap {where} (the *maximum* calibration error). ECE is the "
                f"weighted mean of the gaps: {expected:.4f}."
            )
        true_class = probs[np.arange(len(labels)), labels]
        w2, g2, _ = _gaps(probs, labels, n_bins, confidence=true_class)
        if abs(got - (w2 * g2).sum()) < 1e-6:
            raise Fail(
                f"You used the probability of the TRUE class as the confidence {where}. The confidence is "
                f"the probability of the PREDICTED class, probs.max(axis=1) (expected {expected:.4f})."
            )
        raise Fail(f"expected_calibration_error gave {got:.4f} {where}; expected {expected:.4f}.")


# --------------------------------------------------------------------------- 12.3 bootstrap interval


def _as_pair(result, what: str, names: str) -> tuple[float, float]:
    """Two numbers from a tuple or list, or from a NumPy array or tensor of shape (2,) (what np.quantile(x,
    [q1, q2]) returns); each may be a Python number, a NumPy scalar or a one-element array."""
    if hasattr(result, "shape") and hasattr(result, "tolist"):  # numpy.ndarray, torch.Tensor
        if tuple(result.shape) != (2,):
            raise Fail(f"{what} should return a pair {names}, got an array of shape {tuple(result.shape)}.")
        result = result.tolist()
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise Fail(f"{what} should return a pair {names}, got {type(result).__name__}.")
    first, second = (as_float(v, what) for v in result)
    return first, second


def _check_interval(result, what: str) -> tuple[float, float]:
    return _as_pair(result, what, "(low, high)")


@exercise(
    "12.3",
    hint="rng = np.random.default_rng(seed); draw n_resamples index arrays of len(correct) WITH replacement "
    "(rng.integers(0, n, size=(n_resamples, n))), take the mean of each resample, and return the alpha/2 and "
    "1 - alpha/2 quantiles of those means (np.quantile).",
)
def _(bootstrap_ci):
    n, p = 400, 0.8
    correct = np.zeros(n)
    correct[: int(n * p)] = 1
    np.random.default_rng(123).shuffle(correct)
    mean = correct.mean()
    what = "bootstrap_ci(correct, 4000, 0.05, seed=0)"
    low, high = _check_interval(attempt(bootstrap_ci, correct.copy(), 4000, 0.05, 0), what)
    if not low <= mean <= high:
        raise Fail(f"{what} gave ({low:.4f}, {high:.4f}), which does not contain the accuracy {mean:.4f}.")
    # Reproducibility, on scores with many distinct values (means of 0/1 values can coincide by chance).
    scores = np.random.default_rng(5).random(37)
    first = _check_interval(
        attempt(bootstrap_ci, scores.copy(), 300, 0.05, 7), "bootstrap_ci(scores, 300, 0.05, 7)"
    )
    again = _check_interval(
        attempt(bootstrap_ci, scores.copy(), 300, 0.05, 7), "bootstrap_ci(scores, 300, 0.05, 7)"
    )
    if again != first:
        raise Fail(
            "Two calls with the same seed gave different intervals: make the resampling reproducible "
            "with rng = np.random.default_rng(seed), and draw every random number from rng."
        )
    width = high - low
    expected = 2 * 1.959964 * math.sqrt(p * (1 - p) / n)  # the bootstrap distribution is close to normal here
    if width < 1e-9:
        raise Fail(
            "The interval has no width: every resample had the same mean. Resample WITH replacement "
            "(rng.integers or rng.choice(..., replace=True)); a permutation always has the same mean."
        )
    if width > 3 * expected:
        raise Fail(
            f"The interval ({low:.3f}, {high:.3f}) is far too wide ({width:.3f}; expected about "
            f"{expected:.3f}). Take the quantiles of the resamples' MEANS, not of the 0/1 values."
        )
    if abs(width / expected - 1) > 0.1:
        guess = ""
        if abs(width / expected - 1.644854 / 1.959964) < 0.06:
            guess = (
                " That is the width of a 90% interval: the bounds are the alpha/2 and 1 - alpha/2 quantiles."
            )
        raise Fail(
            f"For 400 examples at accuracy 0.8, a 95% interval is about {expected:.4f} wide; yours is "
            f"{width:.4f}.{guess}"
        )
    narrow = _check_interval(
        attempt(bootstrap_ci, correct.copy(), 4000, 0.32, 0), "bootstrap_ci(..., alpha=0.32)"
    )
    ratio = (high - low) / max(narrow[1] - narrow[0], 1e-12)
    expected_ratio = 1.959964 / 0.994458  # 95% versus 68% normal quantiles
    if abs(ratio / expected_ratio - 1) > 0.15:
        raise Fail(
            f"With alpha=0.32 (a 68% interval) the interval should be about {1 / expected_ratio:.2f} "
            f"times as wide as with alpha=0.05; yours is {1 / ratio:.2f} times. Use alpha to choose the "
            "quantiles: alpha/2 and 1 - alpha/2."
        )
    ones = _check_interval(attempt(bootstrap_ci, np.ones(50), 500, 0.05, 1), "bootstrap_ci(np.ones(50), ...)")
    if ones != (1.0, 1.0):
        raise Fail(
            f"When every prediction is right, every resample has accuracy 1: expected (1.0, 1.0), got {ones}."
        )


# --------------------------------------------------------------------------- 12.5 SQuAD exact match and F1


QA_CASES = [
    ("The Eiffel Tower.", ["Eiffel Tower"]),  # case, article and punctuation: an exact match
    ("in 1889", ["1889"]),  # one extra word: F1 2/3
    ("Paris, Paris, Paris", ["Paris"]),  # repeated tokens: F1 1/2 (a multiset, not a set)
    ("about 8,849 metres", ["8,849 metres", "about 8,849 metres"]),  # the best of several references
    ("rock-and-roll music", ["rock and roll"]),  # punctuation is removed, not replaced by a space
    ("An apple a day", ["apple day"]),  # articles removed everywhere
    ("", ["Brazil"]),  # no answer at all
    ("Gustave Eiffel's company", ["the engineering company of Gustave Eiffel"]),
    ("THE   chloroplasts", ["in the chloroplasts", "chloroplasts"]),
    ("1911 and 1903", ["1903", "1911"]),
]


@exercise(
    "12.5",
    hint="normalise both sides (lower(); drop every character of string.punctuation; replace the words a, "
    "an, the by spaces with re.sub(r'\\b(a|an|the)\\b', ' ', s); ' '.join(s.split())). Exact match: "
    "normalised strings equal. F1: common = Counter(pred_tokens) & Counter(ref_tokens), precision = "
    "common / len(pred), recall = common / len(ref); 0 when nothing is in common. Return the best of "
    "each over the references.",
)
def _(squad_scores):
    for prediction, references in QA_CASES:
        got = attempt(squad_scores, prediction, list(references))
        what = f"squad_scores({prediction!r}, {references!r})"
        em, f1 = _as_pair(got, what, "(exact_match, f1)")
        exp_em, exp_f1 = reference_squad_scores(prediction, references)
        if em > 1 or f1 > 1:
            raise Fail(f"{what} gave ({em}, {f1}): return fractions between 0 and 1, not percentages.")
        if abs(em - exp_em) < 1e-9 and abs(f1 - exp_f1) < 1e-9:
            continue
        expected = f"expected ({exp_em:.0f}, {exp_f1:.4f}), got ({em:g}, {f1:.4f})"
        if abs(f1 - exp_f1) >= 1e-9:
            as_set = max(
                squad_f1(prediction, r, tokens=lambda s: sorted(set(squad_normalize(s).split())))
                for r in references
            )
            if abs(f1 - as_set) < 1e-9:
                raise Fail(
                    f"{what}: {expected}. Count tokens as a multiset (collections.Counter, then &): "
                    "'Paris Paris Paris' shares ONE 'paris' with 'Paris', so its precision is 1/3."
                )
            if len(references) > 1 and abs(f1 - squad_f1(prediction, references[0])) < 1e-9:
                raise Fail(f"{what}: {expected}. Score against every reference and keep the best.")
            if abs(f1 - squad_f1(prediction, references[0], tokens=lambda s: s.lower().split())) < 1e-9:
                raise Fail(
                    f"{what}: {expected}. Normalise before splitting into tokens: drop punctuation and "
                    "the articles a, an, the, as well as lower-casing."
                )
        raise Fail(f"{what}: {expected}.")


# --------------------------------------------------------------------------- 12.4 McNemar's test


def reference_mcnemar(correct_a, correct_b) -> float:
    """Exact two-sided McNemar p-value: scipy's binomial test on the examples where the two models disagree."""
    from scipy.stats import binomtest

    a, b = np.asarray(correct_a).astype(bool), np.asarray(correct_b).astype(bool)
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    return 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)


def _mcnemar_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, correct_a, correct_b): 0/1 floats (as the notebook's `correct`) or booleans."""
    rng = np.random.default_rng(125)

    def pair(n: int, both: float, only_a: float, only_b: float):
        kind = rng.choice(4, size=n, p=[both, only_a, only_b, 1 - both - only_a - only_b])
        return (kind == 0) | (kind == 1), (kind == 0) | (kind == 2)

    cases = []
    for name, n, shares, as_bool in [
        ("400 examples, A better", 400, (0.7, 0.12, 0.05), False),
        ("2,000 examples, a small difference", 2000, (0.8, 0.03, 0.02), True),
        ("60 examples, hardly any disagreement", 60, (0.8, 0.05, 0.0), False),
        ("300 examples, B better", 300, (0.6, 0.04, 0.1), True),
    ]:
        a, b = pair(n, *shares)
        cases.append((name, a if as_bool else a.astype(float), b if as_bool else b.astype(float)))
    a = rng.random(50) < 0.7
    cases.append(("two models that agree on every example", a.astype(float), a.astype(float)))
    b = a.copy()
    flips = np.flatnonzero(a)[:3].tolist() + np.flatnonzero(~a)[:3].tolist()
    b[flips] = ~b[flips]  # 3 examples only A gets right, 3 only B does: no evidence either way
    cases.append(("as many examples only A gets right as only B does", a, b))
    a = np.array([1] * 8 + [0] * 2 + [1] * 10, dtype=float)
    b = np.array([0] * 8 + [0] * 2 + [1] * 10, dtype=float)
    cases.append(("20 examples, 8 only A gets right and none only B", a, b))
    return cases


@exercise(
    "12.4",
    hint="Count the disagreements only: n_a = examples A gets right and B wrong, n_b = the reverse (cast to "
    "bool first). If both models were as good, n_a would be Binomial(n_a + n_b, 1/2). The two-sided exact "
    "p-value is min(1, 2 * P(X <= min(n_a, n_b))), with P(X <= k) = sum of math.comb(n, i) / 2**n for i <= k; "
    "1.0 when the models never disagree. (scipy.stats.binomtest(n_a, n_a + n_b, 0.5).pvalue gives it too.)",
)
def _(mcnemar_p):
    from scipy.stats import binomtest, chi2

    for name, a, b in _mcnemar_cases():
        what = f"mcnemar_p(...) for {name}"
        got = as_float(attempt(mcnemar_p, a.copy(), b.copy()), what)
        expected = reference_mcnemar(a, b)
        if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12):
            continue
        aa, bb = np.asarray(a).astype(bool), np.asarray(b).astype(bool)
        n_a, n_b = int((aa & ~bb).sum()), int((~aa & bb).sum())
        where = (
            f"{what} (A alone right on {n_a}, B alone on {n_b}) returned {got:.6g}; expected {expected:.6g}"
        )
        if got > 1 + 1e-9:
            raise Fail(f"{where}: a p-value is a probability, at most 1 (cap 2 * P(X <= k) at 1).")
        if n_a + n_b:
            one_sided = binomtest(n_a, n_a + n_b, 0.5, alternative="less" if n_a < n_b else "greater").pvalue
            if math.isclose(got, one_sided, rel_tol=1e-6) or math.isclose(got, expected / 2, rel_tol=1e-6):
                raise Fail(
                    f"{where}: that is one-sided. Either model may be the better one: double the tail "
                    "probability (and cap it at 1)."
                )
            for correction in (0.0, 1.0):
                statistic = max(abs(n_a - n_b) - correction, 0) ** 2 / (n_a + n_b)
                if math.isclose(got, chi2.sf(statistic, 1), rel_tol=1e-6):
                    raise Fail(
                        f"{where}: that is the chi-square approximation; compute the exact binomial "
                        "probability, which is right for small counts too."
                    )
        n = len(aa)
        for k, total in ((int(aa.sum()), n), (n_a, n)):
            if math.isclose(got, float(binomtest(k, total, 0.5).pvalue), rel_tol=1e-6) and total != n_a + n_b:
                raise Fail(
                    f"{where}: the binomial test runs over the {n_a + n_b} examples on which the models "
                    f"disagree, not over all {n}: where both are right or both wrong, nothing tells them "
                    "apart."
                )
        raise Fail(f"{where}.")
