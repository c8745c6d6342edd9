"""Checks for notebook 02 (the Hugging Face ecosystem in one sitting).

02.1  count_tokens(tokenizer, text): positions the model sees, special tokens included
02.2  cosine(a, b): cosine similarity of two embedding vectors
02.3  lora_param_count(in_features, out_features, r): parameters LoRA adds to one nn.Linear

Each reference is computed at check time: 02.1 by a small WordPiece tokenizer built here with the
``tokenizers`` library (so the learner's function must use the tokenizer it is given), 02.2 by
``torch.nn.functional.cosine_similarity``, 02.3 by counting the trainable parameters peft creates.
"""

import torch

from helpers.exercises import Fail, as_float, as_int, attempt, exercise

# A tiny WordPiece vocabulary: small enough to build in milliseconds, rich enough that words split into
# pieces, so that word counts, token counts and token counts without [CLS]/[SEP] all differ.
_VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] the a token ##izer ##s split word into piece model see ##ing ##ed long ##er "
    "text s . , !"
).split()
_TEXTS = [
    "Tokenizers split words into pieces.",
    "The model sees longer text",
    "Tokenizer!",
    "A tokenized, split text.",
]


def _tiny_tokenizer():
    """A BERT-style WordPiece tokenizer (lower-casing, [CLS] ... [SEP]) wrapped for transformers."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(_VOCAB)}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]", pad_token="[PAD]"
    )


@exercise(
    "02.1",
    hint="Call the tokenizer you are given on the text and count its input_ids: "
    "len(tokenizer(text)['input_ids']) includes [CLS] and [SEP]; tokenizer.tokenize(text) does not.",
)
def _(count_tokens):
    tokenizer = _tiny_tokenizer()
    got = [
        as_int(attempt(count_tokens, tokenizer, text), f"count_tokens(tokenizer, {text!r})")
        for text in _TEXTS
    ]
    expected = [len(tokenizer(text)["input_ids"]) for text in _TEXTS]
    if got == expected:
        return
    # Diagnose on all the texts at once: one text can match a wrong rule by coincidence, four rarely do.
    i = next(k for k in range(len(_TEXTS)) if got[k] != expected[k])
    text, pieces = _TEXTS[i], tokenizer.convert_ids_to_tokens(tokenizer(_TEXTS[i])["input_ids"])
    if got == [n - 2 for n in expected]:
        raise Fail(
            f"For {text!r} you counted {got[i]}, but the model sees {expected[i]} positions: {pieces}. "
            "You left out the special tokens [CLS] and [SEP] that the tokenizer adds."
        )
    if got == [len(t.split()) for t in _TEXTS]:
        raise Fail(
            f"For {text!r} you counted {got[i]} words, but the tokenizer makes {expected[i]} tokens: "
            f"{pieces}."
        )
    raise Fail(
        f"For {text!r} you returned {got[i]}; the tokenizer passed to your function makes {expected[i]} "
        f"tokens: {pieces}. (The check passes its own small tokenizer: use the `tokenizer` argument, not a "
        "global.)"
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
    "02.3",
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
