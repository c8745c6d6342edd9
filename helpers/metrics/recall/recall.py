# Recall as an `evaluate` metric module that loads offline.
#
# `evaluate.load("recall")` downloads the module script from the Hugging Face Hub, so it fails offline. This
# file implements the same metric the same way (scikit-learn's recall_score, same arguments, same output key),
# so `evaluate.load(<path of this folder>)` gives the same result with no network. Keep ONE import per
# line: evaluate reads this file's imports with a regular expression, and `import a, b` confuses it.
import datasets
import evaluate
from sklearn.metrics import recall_score

_DESCRIPTION = """
Recall is the fraction of the true positives that are found: Recall = TP / (TP + FN).
With more than two classes, choose how the per-class scores are combined with `average`.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `int`): Predicted labels.
    references (`list` of `int`): Ground truth labels.
    labels (`list` of `int`): The labels to include when average is not 'binary'. Defaults to None.
    pos_label (`int`): The class to report when average='binary'. Defaults to 1.
    average (`str`): 'binary' (default, two classes), 'micro', 'macro' (unweighted mean over classes),
        'weighted' (mean weighted by class frequency), 'samples', or None (one score per class).
    sample_weight (`list` of `float`): Sample weights. Defaults to None.
    zero_division (`int` or `str`): The value for a 0/0 score: 0, 1 or "warn" (0 with a warning).
        Defaults to "warn".

Returns:
    recall (`float` or `array` of `float`): between 0.0 and 1.0; an array per class when average=None.

Examples:
    >>> recall = evaluate.load("helpers/metrics/recall")
    >>> recall.compute(predictions=[0, 1, 1, 0, 1], references=[0, 1, 0, 0, 1])
    {'recall': 1.0}
"""

_CITATION = """
@article{scikit-learn,
  title={Scikit-learn: Machine Learning in {P}ython},
  author={Pedregosa, F. and others},
  journal={Journal of Machine Learning Research},
  volume={12},
  pages={2825--2830},
  year={2011}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Recall(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("int32")),
                    "references": datasets.Sequence(datasets.Value("int32")),
                }
                if self.config_name == "multilabel"
                else {
                    "predictions": datasets.Value("int32"),
                    "references": datasets.Value("int32"),
                }
            ),
            reference_urls=[
                "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.recall_score.html"
            ],
        )

    def _compute(
        self,
        predictions,
        references,
        labels=None,
        pos_label=1,
        average="binary",
        sample_weight=None,
        zero_division="warn",
    ):
        score = recall_score(
            references,
            predictions,
            labels=labels,
            pos_label=pos_label,
            average=average,
            sample_weight=sample_weight,
            zero_division=zero_division,
        )
        # One number for an average, one per class for average=None (as the Hub module returns).
        return {"recall": score if average is None else float(score)}
