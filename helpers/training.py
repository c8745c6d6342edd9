"""What the course's own training code shares: a pretrained encoder loaded with a new task head.

Notebook 11's classifier (:mod:`helpers.finetuned`) and the zoo's stand-ins (:mod:`helpers.zoo.standins`)
both start from all-MiniLM-L6-v2 with a new, randomly initialised head. Loading one prints a report that
only says that the head is new (which the caller knows); :func:`with_new_head` seeds the head and loads
quietly. Notebooks teach this load in the open (notebooks 04 and 11) and do not use this module.
"""

from __future__ import annotations

from typing import Any


def with_new_head(model_class: Any, source: str, labels: list[str], seed: int = 0) -> Any:
    """``model_class.from_pretrained(source)`` with a new head for ``labels`` (names in ``id2label``).

    The head's initial weights come from ``torch.manual_seed(seed)``; the load report, which would only say
    that the head's weights are new, is silenced for this one call.

    Example (skipped by the doctests: it loads a model, about 2 s):
        >>> from transformers import AutoModelForSequenceClassification  # doctest: +SKIP
        >>> labels = ["negative", "positive"]
        >>> model = with_new_head(AutoModelForSequenceClassification, minilm_id, labels)  # doctest: +SKIP
        >>> model.config.id2label  # doctest: +SKIP
        {0: 'negative', 1: 'positive'}
    """
    import torch
    from transformers.utils import logging

    torch.manual_seed(seed)  # the new head's initial weights (and dropout during training)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        return model_class.from_pretrained(
            source,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )
    finally:
        logging.set_verbosity(verbosity)
