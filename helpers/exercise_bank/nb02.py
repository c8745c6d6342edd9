"""Checks for notebook 02 (the Hugging Face ecosystem in one sitting).

02.1  count_tokens(tokenizer, text): positions the model sees, special tokens included
02.2  cosine(a, b): cosine similarity of two embedding vectors
02.3  max_pool(last_hidden_state, attention_mask): masked max pooling (padding must never win)
02.4  lora_param_count(in_features, out_features, r): parameters LoRA adds to one nn.Linear

Each reference is computed at check time: 02.1 by small WordPiece tokenizers built here with the
``tokenizers`` library, which add two, one or no special tokens (so the learner's function must use the
tokenizer it is given, and must not assume a fixed number of special tokens), 02.2 by
``torch.nn.functional.cosine_similarity``, 02.3 by filling the pad positions with -inf before the maximum (on
hidden states where some features are negative on every real token, so that a pad set to 0 would win), 02.4 by
counting the trainable parameters peft creates.
"""

import numpy as np
import torch

from helpers.exercises import Fail, as_float, as_int, attempt, exercise

# A tiny WordPiece vocabulary: small enough to build in milliseconds, rich enough that words split into
# pieces, so that word counts, token counts and token counts without special tokens all differ.
_VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] the a token ##izer ##s split word into piece model see ##ing ##ed long ##er "
    "text s . , ! </s>"
).split()
_TEXTS = [
    "Tokenizers split words into pieces.",
    "The model sees longer text",
    "Tokenizer!",
    "A tokenized, split text.",
]
# How many special tokens a tokenizer adds depends on the model: BERT adds [CLS] and [SEP], T5 adds one </s>,
# GPT-2 and many decoder-only models add none. The check uses all three kinds, so that only counting what
# the tokenizer returns is right everywhere (a fixed "+ 2" is right for BERT only).
_STYLES = {
    "BERT-style ([CLS] text [SEP])": "[CLS] $A [SEP]",
    "T5-style (text </s>)": "$A </s>",
    "GPT-2-style (no special tokens)": None,
}
_CASES = [("BERT-style ([CLS] text [SEP])", text) for text in _TEXTS] + [
    ("T5-style (text </s>)", _TEXTS[0]),
    ("T5-style (text </s>)", _TEXTS[2]),
    ("GPT-2-style (no special tokens)", _TEXTS[1]),
    ("GPT-2-style (no special tokens)", _TEXTS[3]),
]


def _tiny_tokenizer(style: str = "BERT-style ([CLS] text [SEP])"):
    """A WordPiece tokenizer (lower-casing) for transformers that adds the special tokens of ``style``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(_VOCAB)}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    template = _STYLES[style]
    if template is not None:
        specials = [token for token in template.split() if token in vocab]
        backend.post_processor = processors.TemplateProcessing(
            single=template, special_tokens=[(token, vocab[token]) for token in specials]
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        eos_token="</s>",
    )


@exercise(
    "02.1",
    hint="Call the tokenizer you are given on the text and count its input_ids: "
    "len(tokenizer(text)['input_ids']) includes the special tokens that this tokenizer adds ([CLS] and "
    "[SEP] for BERT, none for GPT-2); tokenizer.tokenize(text) does not include them.",
)
def _(count_tokens):
    tokenizers = {style: _tiny_tokenizer(style) for style in _STYLES}
    got, expected, plain = [], [], []
    for style, text in _CASES:
        tokenizer = tokenizers[style]
        got.append(as_int(attempt(count_tokens, tokenizer, text), f"count_tokens(tokenizer, {text!r})"))
        expected.append(len(tokenizer(text)["input_ids"]))
        plain.append(len(tokenizer.tokenize(text)))
    if got == expected:
        return
    # Diagnose on all the cases at once: one case can match a wrong rule by coincidence, eight rarely do.
    i = next(k for k in range(len(_CASES)) if got[k] != expected[k])
    style, text = _CASES[i]
    pieces = tokenizers[style].convert_ids_to_tokens(tokenizers[style](text)["input_ids"])
    where = f"For {text!r} and a {style} tokenizer you counted {got[i]}, but the model sees {expected[i]}"
    if got == plain:
        raise Fail(
            f"{where} positions: {pieces}. You left out the special tokens (such as [CLS] and [SEP]) that "
            "the tokenizer adds."
        )
    if got == [n + 2 for n in plain]:
        raise Fail(
            f"{where} positions: {pieces}. You added 2 for [CLS] and [SEP], but not every tokenizer adds two "
            "special tokens: count the input_ids the tokenizer returns instead of assuming."
        )
    if got == [len(text.split()) for _, text in _CASES]:
        raise Fail(f"{where} tokens: {pieces}. You counted words, not tokens.")
    raise Fail(
        f"{where} tokens: {pieces}. (The check passes its own small tokenizers: use the `tokenizer` "
        "argument, not a global.)"
    )


@exercise(
    "02.2",
    hint="cosine(a, b) = (a · b) / (|a| |b|): the dot product divided by both lengths (torch.linalg.norm).",
)
def _(cosine):
    gen = torch.Generator().manual_seed(2)
    a = torch.randn(384, generator=gen) * 3.0  # lengths far from 1, so a plain dot product is wrong
    b = 0.6 * a + torch.randn(384, generator=gen)
    cases = [
        ("two related vectors", a, b),
        ("a vector and a scaled copy of it (cosine 1)", a, 5.0 * a),
        ("a vector and its opposite (cosine -1)", a, -0.5 * a),
        ("two random vectors", torch.randn(16, generator=gen), torch.randn(16, generator=gen) * 0.1),
    ]
    for name, x, y in cases:
        got = as_float(attempt(cosine, x.clone(), y.clone()), "cosine(a, b)")
        expected = torch.nn.functional.cosine_similarity(x, y, dim=0).item()
        if abs(got - expected) > 1e-4:
            dot = float(x @ y)
            extra = (
                " That is the plain dot product: divide by both vectors' lengths."
                if abs(got - dot) < 1e-3
                else ""
            )
            raise Fail(f"For {name} you returned {got:.4f}, expected {expected:.4f}.{extra}")


@exercise(
    "02.4",
    hint="LoRA adds two matrices to a Linear layer W (out x in): A with shape (r x in) and B with shape "
    "(out x r). Count their entries; W and its bias stay frozen.",
)
def _(lora_param_count):
    from peft import LoraConfig, get_peft_model

    for in_features, out_features, r in [(384, 384, 8), (384, 1536, 4), (64, 10, 2), (10, 64, 16)]:
        got = as_int(
            attempt(lora_param_count, in_features, out_features, r),
            f"lora_param_count({in_features}, {out_features}, {r})",
        )
        layer = torch.nn.Sequential(torch.nn.Linear(in_features, out_features))
        wrapped = get_peft_model(layer, LoraConfig(r=r, lora_alpha=2 * r, target_modules=["0"]))
        expected = sum(p.numel() for p in wrapped.parameters() if p.requires_grad)
        if got != expected:
            if got == r * in_features * out_features:
                extra = " You multiplied r by the whole weight matrix: LoRA's point is that A and B are thin."
            elif got == expected + out_features:
                extra = " You counted the bias too: it stays frozen."
            else:
                extra = ""
            raise Fail(
                f"For a Linear({in_features} -> {out_features}) with r={r} you returned {got:,}; "
                f"peft trains {expected:,} parameters.{extra}"
            )


# --------------------------------------------------------------------------- 02.3 masked max pooling


def _max_pool_cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(description, hidden states, attention mask): pads hold large junk, and features 0-2 are negative on
    every token, so that neither "ignore the mask" nor "multiply by the mask" gives the right maximum."""
    gen = torch.Generator().manual_seed(24)
    cases = []
    for name, dtype, mask in [
        (
            "a batch of 4 texts, 3 of them padded",
            torch.float32,
            [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0]],
        ),
        ("a float64 batch of 2 texts", torch.float64, [[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]),
    ]:
        mask = torch.tensor(mask)  # int64, as a tokenizer returns it
        hidden = torch.randn(*mask.shape, 8, generator=gen, dtype=dtype)
        hidden[..., :3] = -hidden[..., :3].abs() - 0.5  # negative everywhere: a pad set to 0 would win
        hidden[mask == 0] += 10.0  # the pad positions' vectors: junk the maximum must never pick
        cases.append((name, hidden, mask))
    return cases


def _as_float_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().double().cpu()
    try:
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as err:
        raise Fail(
            f"max_pool should return a tensor of shape (batch, hidden), got {type(value).__name__}."
        ) from err


@exercise(
    "02.3",
    hint="Put a value below every real one at the pad positions, then take the maximum over the tokens: "
    "last_hidden_state.masked_fill(attention_mask.unsqueeze(-1) == 0, float('-inf')).amax(dim=1). "
    "Multiplying by the mask sets the pads to 0, and 0 beats a feature that is negative on every real token.",
)
def _(max_pool):
    for name, hidden, mask in _max_pool_cases():
        given = hidden.clone()
        got = attempt(max_pool, given, mask.clone())
        if not torch.equal(given, hidden):
            raise Fail(
                "max_pool changed last_hidden_state in place (x[mask == 0] = ... writes into the model's "
                "output): work on a copy, with masked_fill (not masked_fill_) or torch.where."
            )
        if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], torch.Tensor):
            raise Fail(
                "you returned a pair: torch.max(x, dim=1) gives (values, indices). Return the values only "
                "(.values, or x.amax(dim=1))."
            )
        got = _as_float_tensor(got)
        batch, _, width = hidden.shape
        if tuple(got.shape) != (batch, width):
            raise Fail(
                f"for {name} the result has shape {tuple(got.shape)}; expected (batch, hidden) = "
                f"({batch}, {width}): take the maximum over dim 1, the tokens."
            )
        h = hidden.double()
        real = mask.bool().unsqueeze(-1)
        expected = h.masked_fill(~real, float("-inf")).amax(dim=1)
        if torch.allclose(got, expected, atol=1e-6):
            continue
        if torch.allclose(got, h.amax(dim=1), atol=1e-6):
            raise Fail(f"for {name} the padding took part: a pad position held the maximum. Use the mask.")
        if torch.allclose(got, (h * real).amax(dim=1), atol=1e-6):
            raise Fail(
                f"for {name} some maxima are 0: multiplying by the mask turns the pads into zeros, and a zero "
                "beats a feature that is negative on every real token. Give the pads -inf (or anything "
                "below every real value) instead."
            )
        mean = (h * real).sum(dim=1) / real.sum(dim=1)
        if torch.allclose(got, mean, atol=1e-6):
            raise Fail(f"for {name} you returned the masked mean; this exercise asks for the maximum.")
        raise Fail(
            f"for {name} your vectors differ from the masked maximum (largest difference "
            f"{(got - expected).abs().max():.3g})."
        )
