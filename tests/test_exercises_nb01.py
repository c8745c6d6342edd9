"""Notebook 01's exercises: plausible wrong answers fail, with a message that says what is wrong.

What every exercise must do (untouched -> "not attempted", a crash reported, the reference solution
passes) is tested for all notebooks in tests/test_exercises_all.py."""

from __future__ import annotations

import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb01  # noqa: F401  (registers the checks)
from helpers.exercises import check

# --------------------------------------------------------------------------- 01.1 sliding-window mask


def _ij(n):
    return torch.arange(n)[:, None], torch.arange(n)[None, :]


def test_01_1_wrong_answers():
    def causal_only(n, window):
        return torch.ones(n, n, dtype=torch.bool).tril()

    def future(n, window):
        i, j = _ij(n)
        return (j >= i) & (j - i < window)

    def off_by_one(n, window):  # sees `window` earlier tokens plus itself
        i, j = _ij(n)
        return (j <= i) & (i - j <= window)

    def inverted(n, window):
        i, j = _ij(n)
        return ~((j <= i) & (i - j < window))

    def as_float(n, window):
        i, j = _ij(n)
        return ((j <= i) & (i - j < window)).float()

    def no_diagonal(n, window):
        i, j = _ij(n)
        return (j < i) & (i - j < window)

    fails("01.1", causal_only, "plain causal mask")
    fails("01.1", future, "later token")
    fails("01.1", off_by_one, "visible keys")
    fails("01.1", inverted, "inverted")
    fails("01.1", as_float, "boolean")
    fails("01.1", no_diagonal, "see itself")
    fails("01.1", lambda n, window: [[True] * n] * n, "torch.Tensor")


def test_01_1_right_answers_in_other_spellings_pass():
    def two_triangles(n, window):  # the lower triangle minus everything window or more tokens back
        ones = torch.ones(n, n, dtype=torch.bool)
        return ones.tril() & ~ones.tril(-window)

    def loops(n, window):
        mask = torch.zeros(n, n, dtype=torch.bool)
        for i in range(n):
            mask[i, max(0, i - window + 1) : i + 1] = True
        return mask

    def from_distance(n, window):
        distance = torch.arange(n).unsqueeze(1) - torch.arange(n).unsqueeze(0)  # i - j
        return (distance >= 0) & (distance < window)

    passes("01.1", two_triangles)
    passes("01.1", loops)
    passes("01.1", from_distance)


# --------------------------------------------------------------------------- 01.2 merge heads


def test_01_2_wrong_answers():
    def bare_reshape(x):
        batch, heads, seq_len, d_head = x.shape
        return x.reshape(batch, seq_len, heads * d_head)

    def interleaved(x):
        batch, heads, seq_len, d_head = x.shape
        return x.permute(0, 2, 3, 1).reshape(batch, seq_len, heads * d_head)

    def wrong_shape(x):
        return x.transpose(1, 2)

    def first_head_only(x):
        batch, heads, seq_len, d_head = x.shape
        return x[:, :1].transpose(1, 2).reshape(batch, seq_len, d_head).repeat(1, 1, heads)

    fails("01.2", bare_reshape, "Transpose first")
    fails("01.2", interleaved, "interleaved")
    fails("01.2", wrong_shape, "shape")
    fails("01.2", first_head_only, "differ")


def test_01_2_right_answers_in_other_spellings_pass():
    def permute_then_flatten(x):
        return x.permute(0, 2, 1, 3).flatten(2)  # a non-contiguous input to flatten: it copies

    def concatenate_heads(x):
        return torch.cat(x.unbind(dim=1), dim=-1)  # head 0's features, then head 1's, ...

    def with_minus_one(x):
        return x.transpose(1, 2).contiguous().view(x.shape[0], x.shape[2], -1)

    passes("01.2", permute_then_flatten)
    passes("01.2", concatenate_heads)
    passes("01.2", with_minus_one)


# --------------------------------------------------------------------------- 01.3 parameter count


def test_01_3_wrong_answers():
    def no_layernorm(d, f):
        return 4 * (d * d + d) + 2 * d * f + f + d

    def three_projections(d, f):
        return 3 * (d * d + d) + 2 * d * f + f + d + 4 * d

    def weights_only(d, f):
        return 4 * d * d + 2 * d * f

    def attention_only(d, f):
        return 4 * (d * d + d)

    def per_head_wrong(d, f):  # thinks each of 12 heads has its own d x d matrices
        return 12 * 4 * (d * d + d) + 2 * d * f + f + d + 4 * d

    fails("01.3", no_layernorm, "LayerNorms are missing")
    fails("01.3", three_projections, "projection is missing")
    fails("01.3", weights_only, "only the weight matrices")
    fails("01.3", attention_only, "part of the block")
    fails("01.3", per_head_wrong, "Count the attention")
    fails("01.3", lambda d, f: "lots", "whole number")
    assert check("01.3", lambda d, f: float(4 * (d * d + d) + 2 * d * f + f + d + 4 * d), quiet=True).passed


# --------------------------------------------------------------------------- 01.4 cross-attention mask


def test_01_4_wrong_answers():
    def transposed(mask, decoder_len):
        keep = mask.bool()
        return keep[:, None, :, None].expand(mask.shape[0], 1, mask.shape[1], decoder_len)

    def with_causal(mask, decoder_len):
        keep = mask.bool()[:, None, None, :].expand(mask.shape[0], 1, decoder_len, mask.shape[1])
        return keep & torch.ones(decoder_len, mask.shape[1], dtype=torch.bool).tril()

    def inverted(mask, decoder_len):
        return ~mask.bool()[:, None, None, :].expand(mask.shape[0], 1, decoder_len, mask.shape[1])

    def ignores_padding(mask, decoder_len):
        return torch.ones(mask.shape[0], 1, decoder_len, mask.shape[1], dtype=torch.bool)

    def not_expanded(mask, decoder_len):
        return mask.bool()[:, None, None, :]

    def as_int(mask, decoder_len):
        return mask[:, None, None, :].expand(mask.shape[0], 1, decoder_len, mask.shape[1])

    def hides_real_tokens(mask, decoder_len):
        keep = mask.bool().clone()
        keep[:, 0] = False
        return keep[:, None, None, :].expand(mask.shape[0], 1, decoder_len, mask.shape[1])

    fails("01.4", transposed, "transposed")
    fails("01.4", with_causal, "causal")
    fails("01.4", inverted, "inverted")
    fails("01.4", ignores_padding, "padding")
    fails("01.4", not_expanded, "expected shape")
    fails("01.4", as_int, "boolean")
    fails("01.4", hides_real_tokens, "hides real encoder tokens")


def test_01_4_right_answers_in_other_spellings_pass():
    def repeated(mask, decoder_len):  # a real copy instead of an expanded view
        return (mask == 1).view(mask.shape[0], 1, 1, mask.shape[1]).repeat(1, 1, decoder_len, 1)

    def unsqueezed(mask, decoder_len):
        return mask.bool().unsqueeze(1).unsqueeze(2).expand(-1, -1, decoder_len, -1)

    def broadcast_with_ones(mask, decoder_len):
        rows = torch.ones(decoder_len, 1, dtype=torch.bool)
        return rows & mask.bool()[:, None, None, :]

    passes("01.4", repeated)
    passes("01.4", unsqueezed)
    passes("01.4", broadcast_with_ones)
