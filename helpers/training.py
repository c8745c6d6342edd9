"""What the course's own training code shares: a pretrained encoder loaded with a new task head, and word
tags turned into token labels.

Notebook 11's classifier (:mod:`helpers.finetuned`) and the zoo's stand-ins (:mod:`helpers.zoo.standins`)
both start from all-MiniLM-L6-v2 with a new, randomly initialised head. Loading one prints a report that
only says that the head is new (which the caller knows); :func:`with_new_head` seeds the head and loads
quietly. Notebooks teach this load in the open (notebooks 04 and 11).

Token classification needs one label per token, but datasets tag words: :func:`align_labels` and
:func:`tokenize_and_align` do what notebook 08 writes out by hand (notebook 11 and the NER stand-in use them).
"""

from __future__ import annotations

from typing import Any


def load_quietly(model_class: Any, source: str, seed: int = 0, **kwargs: Any) -> Any:
    """``model_class.from_pretrained(source, **kwargs)`` with ``torch.manual_seed(seed)`` first (the new head's
    initial weights, and dropout during training) and the load report, which would only say that the head is
    new, silenced for this one call.

    Example (skipped by the doctests: it loads a model, about 2 s):
        >>> from transformers import AutoModelForQuestionAnswering  # doctest: +SKIP
        >>> model = load_quietly(AutoModelForQuestionAnswering, minilm_id)  # doctest: +SKIP
    """
    import torch
    from transformers.utils import logging

    torch.manual_seed(seed)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        return model_class.from_pretrained(source, **kwargs)
    finally:
        logging.set_verbosity(verbosity)


def with_new_head(model_class: Any, source: str, labels: list[str], seed: int = 0) -> Any:
    """``model_class.from_pretrained(source)`` with a new head for ``labels`` (names in ``id2label``).

    The head's initial weights come from ``torch.manual_seed(seed)``; the load report, which would only say
    that the head's weights are new, is silenced for this one call (:func:`load_quietly`).

    Example (skipped by the doctests: it loads a model, about 2 s):
        >>> from transformers import AutoModelForSequenceClassification  # doctest: +SKIP
        >>> labels = ["negative", "positive"]
        >>> model = with_new_head(AutoModelForSequenceClassification, minilm_id, labels)  # doctest: +SKIP
        >>> model.config.id2label  # doctest: +SKIP
        {0: 'negative', 1: 'positive'}
    """
    return load_quietly(
        model_class,
        source,
        seed,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )


def align_labels(word_ids: list[int | None], word_tags: list[int]) -> list[int]:
    """Word tags -> token labels: the first sub-word token of each word gets the word's tag, every other
    token (special tokens, later pieces of a word) gets -100, which the loss ignores.

    Example:
        >>> align_labels([None, 0, 1, 1, None], [3, 0])
        [-100, 3, 0, -100, -100]
    """
    labels, previous = [], None
    for word in word_ids:
        labels.append(word_tags[word] if word is not None and word != previous else -100)
        previous = word
    return labels


def tokenize_and_align(tokenizer: Any, batch: dict[str, list], max_length: int) -> Any:
    """Tokenize pre-split words (``batch["tokens"]``) and align their tags (``batch["ner_tags"]``) to the tokens,
    for ``Dataset.map(..., batched=True)``: the encoding with a ``labels`` list per example (see :func:`align_labels`).
    Padding is left to the collator (``DataCollatorForTokenClassification`` pads the labels with -100)."""
    encoding = tokenizer(batch["tokens"], is_split_into_words=True, truncation=True, max_length=max_length)
    encoding["labels"] = [
        align_labels(encoding.word_ids(i), tags) for i, tags in enumerate(batch["ner_tags"])
    ]
    return encoding
