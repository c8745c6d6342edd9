"""helpers.training: word tags aligned to tokens (what notebook 08 teaches, notebook 11 and the NER stand-in use)."""

from __future__ import annotations

from helpers import training
from helpers.zoo import resolve
from helpers.zoo.registry import MINILM_ID


def test_align_labels_keeps_the_first_piece_of_each_word():
    assert training.align_labels([None, 0, 1, 1, None], [3, 0]) == [-100, 3, 0, -100, -100]
    word_ids, want = [None, 0, 0, 0, 1, None, None], [-100, 5, -100, -100, 6, -100, -100]
    assert training.align_labels(word_ids, [5, 6]) == want


def test_tokenize_and_align_gives_one_label_per_token_and_truncates():
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve(MINILM_ID, quiet=True))
    batch = {"tokens": [["Unbelievably", "good", "@someone"], ["ok"]], "ner_tags": [[1, 0, 2], [0]]}
    encoding = training.tokenize_and_align(tokenizer, batch, max_length=16)
    for i, labels in enumerate(encoding["labels"]):
        assert len(labels) == len(encoding["input_ids"][i])
        firsts = [w for k, w in enumerate(encoding.word_ids(i)) if w is not None and labels[k] != -100]
        assert firsts == list(range(len(batch["tokens"][i]))), "each word labelled once, on its first piece"
        assert [labels[k] for k, w in enumerate(encoding.word_ids(i)) if labels[k] != -100] == batch[
            "ner_tags"
        ][i]
    short = training.tokenize_and_align(tokenizer, batch, max_length=3)
    assert len(short["input_ids"][0]) == 3 and len(short["labels"][0]) == 3
