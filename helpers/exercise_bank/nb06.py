"""Checks for notebook 06 (tokenizers: from text to ids and back).

Each check computes its expected answer here, on inputs the learner never sees: from the `tokenizers`
library itself where that is cheap (its WordPiece decoder, its truncation with stride), otherwise from
first principles. No model or pretrained tokenizer is loaded, so every check runs in well under a second.
"""

from __future__ import annotations

import random

from helpers.exercises import Fail, as_int, as_int_list, attempt, exercise

SPECIAL = ("[CLS]", "[SEP]", "[PAD]")


# --------------------------------------------------------------------------- 06.1 WordPiece pieces -> words

# Words split into WordPiece pieces the way an uncased BERT vocabulary splits them.
_PIECES = [
    word.split("+")
    for word in (
        "token+##izer+##s are fun ! hu+##gging face ki+##pp+##ur the un+##believ+##able 2024 12+##34+##5 "
        "[UNK] . costa vic+##k sushi @ paul+##walk emi+##nem a"
    ).split()
]


def _wordpiece_cases() -> list[list[str]]:
    rng = random.Random(6)
    cases = [
        ["[CLS]", "token", "##izer", "##s", "are", "fun", "!", "[SEP]"],
        ["[CLS]", "ki", "##pp", "##ur", "[SEP]", "[PAD]", "[PAD]"],
        ["token", "##izer"],  # no special tokens at all
        ["[CLS]", "[SEP]"],  # an empty text
    ]
    for _ in range(6):
        words = rng.sample(_PIECES, k=rng.randint(3, 8))
        tokens = ["[CLS]"] + [p for word in words for p in word] + ["[SEP]"]
        cases.append(tokens + ["[PAD]"] * rng.randint(0, 3))
    return cases


def _reference_words(tokens: list[str]) -> list[str]:
    """Expected answer, from the `tokenizers` library's own WordPiece decoder (no clean-up of spaces)."""
    from tokenizers import decoders

    kept = [t for t in tokens if t not in SPECIAL]
    text = decoders.WordPiece(prefix="##", cleanup=False).decode(kept)
    return text.split()


@exercise(
    "06.1",
    hint="Loop over the tokens: skip [CLS], [SEP] and [PAD]; a token that starts with '##' is glued (without "
    "the '##') onto the last word of your list; any other token starts a new word.",
)
def _(wordpieces_to_words):
    for tokens in _wordpiece_cases():
        got = attempt(wordpieces_to_words, list(tokens))
        if not isinstance(got, list | tuple) or not all(isinstance(w, str) for w in got):
            raise Fail(f"wordpieces_to_words should return a list of strings; got {got!r}")
        got = list(got)
        expected = _reference_words(tokens)
        if got == expected:
            continue
        where = f"wordpieces_to_words({tokens})"
        if any(w in SPECIAL for w in got):
            raise Fail(f"{where} returned {got}: the special tokens [CLS], [SEP] and [PAD] are not words.")
        if any("##" in w for w in got):
            raise Fail(
                f"{where} returned {got}: remove the '##' continuation marker when you glue a piece on."
            )
        if len(got) > len(expected):
            raise Fail(
                f"{where} returned {len(got)} words, expected {len(expected)}: a '##' piece continues "
                "the previous word instead of starting a new one."
            )
        raise Fail(f"{where} returned {got}; expected {expected}.")


# --------------------------------------------------------------------------- 06.2 pad tokens in batches


def _reference_pads(lengths: list[int], batch_size: int) -> int:
    total = 0
    for start in range(0, len(lengths), batch_size):
        batch = lengths[start : start + batch_size]
        total += max(batch) * len(batch) - sum(batch)
    return total


@exercise(
    "06.2",
    hint="Take consecutive slices lengths[i : i + batch_size] (the last one may be shorter). Each batch is "
    "padded to its own longest text: it holds max(batch) * len(batch) positions, sum(batch) of them real.",
)
def _(count_pad_tokens):
    rng = random.Random(62)
    cases = [([5, 3, 8, 8, 2], 2), ([7], 4), ([4, 4, 4, 4], 2), ([10, 1, 1, 1, 1, 1, 1], 3)]
    for n, batch_size in [(37, 8), (50, 16), (9, 4)]:
        lengths = [rng.randint(3, 300) for _ in range(n)]
        cases += [(lengths, batch_size), (sorted(lengths), batch_size)]
    for lengths, batch_size in cases:
        got = as_int(attempt(count_pad_tokens, list(lengths), batch_size), "count_pad_tokens")
        expected = _reference_pads(lengths, batch_size)
        if got == expected:
            continue
        where = f"count_pad_tokens({lengths}, batch_size={batch_size})"
        global_max = max(lengths) * len(lengths) - sum(lengths)
        full_batches = len(lengths) // batch_size * batch_size
        if got == global_max and global_max != expected:
            raise Fail(
                f"{where} = {got}: that pads every text to the longest of ALL texts. With dynamic "
                "padding each batch is padded only to its own longest text."
            )
        if got == _reference_pads(lengths[:full_batches], batch_size):
            raise Fail(
                f"{where} = {got}: the last, shorter batch is missing (range(0, n, batch_size) covers it)."
            )
        raise Fail(f"{where} = {got}; expected {expected}.")


# --------------------------------------------------------------------------- 06.3 windows with stride

_TINY = None


def _tiny_tokenizer():
    """A word-level tokenizer whose every word is one token, with BERT's [CLS] x [SEP] template."""
    global _TINY
    if _TINY is None:
        from tokenizers import Tokenizer, models, pre_tokenizers, processors

        tok = Tokenizer(models.WordLevel({"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "w": 3}, unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 1), ("[SEP]", 2)]
        )
        _TINY = tok
    return _TINY


def _reference_chunks(n_tokens: int, max_length: int, stride: int, n_special: int) -> int:
    """Expected answer: ask the Rust tokenizer how many windows truncation with stride makes."""
    tok = _tiny_tokenizer()
    tok.enable_truncation(max_length=max_length, stride=stride)
    encoding = tok.encode(" ".join(["w"] * n_tokens), add_special_tokens=n_special == 2)
    return 1 + len(encoding.overflowing)


@exercise(
    "06.3",
    hint="Each window holds room = max_length - n_special text tokens, and each new window starts "
    "room - stride tokens after the previous one (stride = overlap). One window if n_tokens <= room, "
    "else 1 + ceil((n_tokens - room) / (room - stride)).",
)
def _(n_chunks):
    cases = []
    for max_length, stride in [(16, 0), (16, 4), (32, 8), (10, 5), (128, 32)]:
        for n_special in (2, 0):
            for n_tokens in (1, 9, 14, 15, 16, 17, 40, 100, 300):
                cases.append((n_tokens, max_length, stride, n_special))
    got = {case: as_int(attempt(n_chunks, *case), "n_chunks") for case in cases}
    expected = {case: _reference_chunks(*case) for case in cases}
    wrong = [case for case in cases if got[case] != expected[case]]
    if not wrong:
        return
    # Diagnose on ALL cases at once: one case can match several wrong formulas by coincidence.
    no_specials = {
        (n, length, stride, k): _reference_chunks(n, length, stride, 0) for n, length, stride, k in cases
    }
    no_stride = {(n, length, stride, k): _reference_chunks(n, length, 0, k) for n, length, stride, k in cases}
    n_tokens, max_length, stride, n_special = case = wrong[0]
    where = f"n_chunks({n_tokens}, max_length={max_length}, stride={stride}, n_special={n_special})"
    if got == no_specials:
        raise Fail(
            f"{where} = {got[case]}; expected {expected[case]}: the special tokens take {n_special} places "
            "in EVERY window, so each window holds only max_length - n_special text tokens."
        )
    if got == no_stride:
        raise Fail(
            f"{where} = {got[case]}; expected {expected[case]}: consecutive windows overlap by `stride` "
            "tokens, so each new window moves forward by only room - stride tokens."
        )
    raise Fail(
        f"{where} = {got[case]}; expected {expected[case]} ({len(wrong)} of {len(cases)} cases differ)."
    )


# --------------------------------------------------------------------------- 06.4 labels for subword tokens


def _reference_alignment(word_ids: list[int | None], word_labels: list[int]) -> list[int]:
    aligned, previous = [], None
    for word_id in word_ids:
        if word_id is None:
            aligned.append(-100)
        elif word_id != previous:
            aligned.append(word_labels[word_id])
        else:
            aligned.append(-100)
        previous = word_id
    return aligned


@exercise(
    "06.4",
    hint="Walk through word_ids remembering the previous one: None (a special or pad token) -> -100; a word "
    "id different from the previous one (the first piece of a word) -> word_labels[word_id]; the same "
    "word id again (a later piece of the same word) -> -100.",
)
def _(align_labels):
    rng = random.Random(64)
    cases = [
        ([None, 0, 1, 1, 2, None], [0, 3, 0]),
        ([None, 0, 0, 0, 1, 2, 2, 3, None, None, None], [1, 2, 0, 7]),
        ([None, 0, None], [5]),
    ]
    for _ in range(5):  # random words of 1-4 pieces, then [SEP] and padding
        n_words = rng.randint(3, 9)
        word_ids = [None]
        for w in range(n_words):
            word_ids += [w] * rng.randint(1, 4)
        word_ids += [None] * rng.randint(1, 4)
        cases.append((word_ids, [rng.randint(0, 20) for _ in range(n_words)]))
    for word_ids, word_labels in cases:
        got = as_int_list(attempt(align_labels, list(word_ids), list(word_labels)), "align_labels")
        expected = _reference_alignment(word_ids, word_labels)
        if got == expected:
            continue
        where = f"align_labels({word_ids}, {word_labels})"
        if len(got) != len(word_ids):
            raise Fail(f"{where} returned {len(got)} labels for {len(word_ids)} tokens: one label per token.")
        specials = [i for i, w in enumerate(word_ids) if w is None]
        if any(got[i] != -100 for i in specials):
            raise Fail(
                f"{where} = {got}: special and padding tokens (word id None) must get -100, which the "
                "loss ignores; a real label such as 0 ('O') would train the model on them."
            )
        every_piece = [-100 if w is None else word_labels[w] for w in word_ids]
        if got == every_piece:
            raise Fail(
                f"{where} = {got}: you labelled every piece of a word. Here only the FIRST piece of "
                "each word gets the word's label; the later pieces get -100."
            )
        raise Fail(f"{where} = {got}; expected {expected}.")
