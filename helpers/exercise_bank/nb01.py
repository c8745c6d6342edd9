"""Checks for notebook 01 (attention from scratch).

Each check computes its expected answer here, from first principles or from PyTorch's own modules, on
inputs the learner never sees, so no hard-coded value can pass.
"""

from __future__ import annotations

import torch

from helpers.exercises import Fail, as_int, attempt, exercise


def _as_tensor(value, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise Fail(f"{what} should return a torch.Tensor, got {type(value).__name__}")
    return value


def _reference_sliding_window(n: int, window: int) -> torch.Tensor:
    i = torch.arange(n)[:, None]  # query position
    j = torch.arange(n)[None, :]  # key position
    return (j <= i) & (i - j < window)


@exercise(
    "01.1",
    hint="Query i may see key j when j <= i (no future) and i - j < window (no further back than window - "
    "1). Build i and j with torch.arange and broadcasting, combine with &.",
)
def _(sliding_window_mask):
    for n, window in [(6, 3), (5, 1), (7, 2), (4, 10), (1, 1)]:
        got = _as_tensor(attempt(sliding_window_mask, n, window), "sliding_window_mask")
        expected = _reference_sliding_window(n, window)
        if got.shape != expected.shape:
            raise Fail(
                f"sliding_window_mask({n}, {window}) has shape {tuple(got.shape)}; expected ({n}, {n})."
            )
        if got.dtype != torch.bool:
            raise Fail(
                "sliding_window_mask should return a boolean mask (True = may attend), got dtype "
                f"{got.dtype}. Comparisons such as j <= i give booleans."
            )
        if torch.equal(got, expected):
            continue
        where = f"sliding_window_mask({n}, {window})"
        if torch.equal(got, ~expected):
            raise Fail(f"{where} is inverted: here True means 'may attend' (PyTorch's convention).")
        if bool((got & torch.ones(n, n, dtype=torch.bool).triu(1)).any()):
            raise Fail(
                f"{where} lets a token see a later token (True above the diagonal): that leaks the future."
            )
        if torch.equal(got, torch.ones(n, n, dtype=torch.bool).tril()):
            raise Fail(f"{where} is the plain causal mask: it ignores the window (query i sees all of 0..i).")
        if not bool(got.diagonal().all()):
            raise Fail(f"{where}: a token must be able to see itself (the diagonal should be True).")
        seen = got.sum(dim=1).tolist()
        want = expected.sum(dim=1).tolist()
        raise Fail(
            f"{where}: the number of visible keys per query is {seen}; expected {want} "
            f"(each token sees itself and up to {window - 1} earlier tokens)."
        )


@exercise(
    "01.2",
    hint="Move the head axis next to the feature axis first: x.transpose(1, 2) gives (batch, T, heads, "
    "d_head); then .reshape(batch, T, heads * d_head).",
)
def _(merge_heads):
    g = torch.Generator().manual_seed(1)
    for shape in [(2, 3, 5, 4), (1, 4, 2, 8), (3, 1, 6, 5)]:
        batch, heads, n, d_head = shape
        x = torch.randn(*shape, generator=g)
        got = _as_tensor(attempt(merge_heads, x.clone()), "merge_heads")
        expected = x.transpose(1, 2).reshape(batch, n, heads * d_head)
        if got.shape != expected.shape:
            raise Fail(
                f"for input shape {shape} (batch, heads, T, d_head) the output should have shape "
                f"{tuple(expected.shape)} (batch, T, heads * d_head); got {tuple(got.shape)}."
            )
        if torch.allclose(got, expected):
            continue
        if torch.allclose(got, x.reshape(batch, n, heads * d_head)):
            raise Fail(
                "the shape is right but the numbers are scrambled: reshaping (batch, heads, T, d_head) "
                "straight to (batch, T, heads * d_head) mixes positions of different heads. Transpose first."
            )
        if torch.allclose(got, x.permute(0, 2, 3, 1).reshape(batch, n, heads * d_head)):
            raise Fail(
                "the features are interleaved head by head (dimension 0 of every head, then dimension 1, "
                "...); keep each head's d_head features together: transpose(1, 2), not a permute that moves "
                "d_head."
            )
        raise Fail(f"for input shape {shape} the values differ from the reference merge.")


@exercise(
    "01.3",
    hint="Count weights AND biases: four d_model x d_model projections (Q, K, V, output), the feed-forward "
    "Linear(d_model, d_ff) and Linear(d_ff, d_model), and two LayerNorms (a weight and a bias of d_model "
    "each).",
)
def _(encoder_block_num_params):
    for d_model, d_ff, num_heads in [(384, 1536, 12), (64, 256, 4), (10, 7, 2)]:
        got = as_int(attempt(encoder_block_num_params, d_model, d_ff), "encoder_block_num_params(...)")
        # PyTorch's own encoder layer has exactly these parts (post-LayerNorm, like BERT).
        block = torch.nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward=d_ff, batch_first=True)
        expected = sum(p.numel() for p in block.parameters())
        if got == expected:
            continue
        attention = 4 * d_model * d_model + 4 * d_model
        ffn = 2 * d_model * d_ff + d_ff + d_model
        norms = 4 * d_model
        where = f"encoder_block_num_params({d_model}, {d_ff}) = {got:,}, expected {expected:,}"
        if got == expected - norms:
            raise Fail(f"{where}: the two LayerNorms are missing (each has a weight and a bias of d_model).")
        if got == expected - attention // 4:
            raise Fail(
                f"{where}: one attention projection is missing; there are four (Q, K, V and the output)."
            )
        if got == 4 * d_model * d_model + 2 * d_model * d_ff:
            raise Fail(f"{where}: that counts only the weight matrices; add the biases and the LayerNorms.")
        if got in (attention, attention + norms, ffn, ffn + norms):
            raise Fail(f"{where}: part of the block is missing (attention, feed-forward or LayerNorms).")
        raise Fail(f"{where}. Count the attention, the feed-forward network and the LayerNorms separately.")


def _reference_cross_mask(encoder_attention_mask: torch.Tensor, decoder_len: int) -> torch.Tensor:
    keep = encoder_attention_mask.bool()  # (batch, T_enc): True for real tokens
    batch, enc_len = keep.shape
    return keep[:, None, None, :].expand(batch, 1, decoder_len, enc_len)


@exercise(
    "01.4",
    hint="Cross-attention: decoder positions are the queries (rows), encoder positions the keys (columns). "
    "Every decoder position may see every real encoder token, so no causal part: "
    "encoder_attention_mask.bool()[:, None, None, :].expand(batch, 1, decoder_len, T_enc).",
)
def _(cross_attention_mask):
    cases = [
        (torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]), 3),
        (torch.tensor([[1, 1, 0, 0]]), 4),
        (torch.tensor([[1, 1, 1, 1, 1, 1, 0], [1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0]]), 2),
    ]
    for encoder_attention_mask, decoder_len in cases:
        got = _as_tensor(
            attempt(cross_attention_mask, encoder_attention_mask.clone(), decoder_len), "cross_attention_mask"
        )
        expected = _reference_cross_mask(encoder_attention_mask, decoder_len)
        batch, enc_len = encoder_attention_mask.shape
        where = f"for an encoder mask of shape {(batch, enc_len)} and decoder_len={decoder_len}"
        if got.shape != expected.shape:
            if tuple(got.shape) == (batch, 1, enc_len, decoder_len):
                raise Fail(
                    f"{where} your mask is transposed: rows are the queries (decoder positions), columns the "
                    "keys (encoder positions)."
                )
            raise Fail(
                f"{where} expected shape {tuple(expected.shape)} = (batch, 1, decoder_len, T_enc); "
                f"got {tuple(got.shape)}."
            )
        if got.dtype != torch.bool:
            raise Fail(f"return a boolean mask (True = may attend), got dtype {got.dtype}.")
        if torch.equal(got, expected):
            continue
        if torch.equal(got, ~expected):
            raise Fail("your mask is inverted: True must mean 'may attend' (real encoder tokens).")
        causal = torch.ones(decoder_len, enc_len, dtype=torch.bool).tril()
        if torch.equal(got, expected & causal):
            raise Fail(
                "there is a causal triangle in your mask. The decoder may look at the WHOLE source sentence: "
                "causality applies to the decoder's own tokens (self-attention), not to the encoder's."
            )
        if bool((got & ~expected).any()):
            raise Fail(f"{where} your mask lets the decoder attend to padding tokens of the encoder.")
        raise Fail(f"{where} your mask hides real encoder tokens from some decoder positions.")
