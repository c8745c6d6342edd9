"""Checks for notebook 14 (training your own tokenizer).

14.1  build_tweet_wordpiece(texts, vocab_size): a cased WordPiece pipeline that keeps @handles and #hashtags whole
14.2  piece_mean_rows(embeddings, old_tokenizer, new_tokens): new embedding rows from the old tokenizer's pieces
14.3  nats_per_character(mean_losses, n_tokens, n_chars): total nats over total characters

Each check builds what it needs here (a tweet-like corpus written from a seed, two tiny tokenizers, random
embeddings, random batches) and computes the expected answer at check time: the pre-tokenization from the
reference regex, the rows from the tokenizer's own pieces, the total from first principles. The common wrong
answers (lowercasing, cutting the @ off, special tokens in the mean, a mean of per-batch ratios...) are named in
the failure message. No pretrained model or tokenizer is loaded; every check runs in well under a second.
"""

from __future__ import annotations

import math
import random

from helpers.exercises import Fail, as_float, attempt, exercise

# --------------------------------------------------------------------------- 14.1 a tweet-aware WordPiece

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PRE_TOKENIZER_REGEX = (
    r"[@#]?\w+|[^\w\s]"  # a handle, a hashtag, a run of letters/digits, or one punctuation mark
)
HANDLES = ["@united", "@JetBlue", "@SouthwestAir", "@AmericanAir", "@VirginAmerica", "@amanda_gonzo"]
HASHTAGS = ["#DeflateGate", "#Coachella2015", "#fail", "#travel", "#GoHawks"]
WORDS = (
    "thanks for the great flight my bag is lost again delayed two hours at the gate who is going this year "
    "best lineup ever Brady said nothing about footballs please help me with a refund crew was so nice "
    "Thanks Flight AGAIN Never Love cars driving tomorrow morning seat upgrade plane late sorry café naïve"
).split()
PUNCTUATION = ["!", "?", ".", ",", "!!", "...", ":)"]


def _tweet_corpus(n: int = 400, seed: int = 141) -> list[str]:
    """Tweet-like texts: words, handles, hashtags and punctuation in random order (written here, from a seed)."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = [rng.choice(HANDLES)] + rng.sample(WORDS, k=rng.randint(3, 9))
        if rng.random() < 0.6:
            parts.append(rng.choice(HASHTAGS))
        rng.shuffle(parts)
        texts.append(" ".join(parts) + rng.choice(PUNCTUATION))
    return texts


def _backend(tok):
    """The tokenizers.Tokenizer inside a transformers tokenizer, or the object itself."""
    from tokenizers import Tokenizer

    if hasattr(tok, "backend_tokenizer"):
        tok = tok.backend_tokenizer
    if not isinstance(tok, Tokenizer):
        raise Fail(
            f"build_tweet_wordpiece should return a trained tokenizers.Tokenizer, got {type(tok).__name__}."
        )
    return tok


def _reference_pieces(text: str) -> list[str]:
    from tokenizers import Regex, pre_tokenizers

    pre = pre_tokenizers.Split(Regex(PRE_TOKENIZER_REGEX), behavior="removed", invert=True)
    return [piece for piece, _ in pre.pre_tokenize_str(text)]


@exercise(
    "14.1",
    hint="tok = Tokenizer(models.WordPiece(unk_token='[UNK]')); tok.normalizer = normalizers.NFC(); "
    "tok.pre_tokenizer = pre_tokenizers.Split(Regex(r'[@#]?\\w+|[^\\w\\s]'), behavior='removed', invert=True) "
    "(keep the matches, drop what lies between them); tok.decoder = decoders.WordPiece(); train with "
    "WordPieceTrainer(vocab_size=..., special_tokens=['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']); then set "
    "tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1', "
    "special_tokens=[('[CLS]', id), ('[SEP]', id)]) with the ids from tok.token_to_id.",
)
def _(build_tweet_wordpiece):
    vocab_size = 1000
    texts = _tweet_corpus()
    tok = _backend(attempt(build_tweet_wordpiece, list(texts), vocab_size))

    model = type(tok.model).__name__
    if model != "WordPiece":
        raise Fail(f"the model is {model}; this exercise asks for models.WordPiece(unk_token='[UNK]').")
    if tok.get_vocab_size() <= len(SPECIAL):
        raise Fail("the tokenizer has no vocabulary: did you train it on texts (tok.train_from_iterator)?")
    if tok.get_vocab_size() > vocab_size:
        raise Fail(f"the vocabulary has {tok.get_vocab_size()} tokens, more than vocab_size={vocab_size}.")
    ids = [tok.token_to_id(t) for t in SPECIAL]
    if ids != list(range(len(SPECIAL))):
        shown = ", ".join(f"{t}={i}" for t, i in zip(SPECIAL, ids, strict=True))
        raise Fail(
            f"the special tokens have ids {shown}; expected 0 to 4 in the order [PAD], [UNK], [CLS], [SEP], "
            "[MASK]: pass special_tokens=[...] in that order to the trainer (it numbers them first)."
        )

    if tok.pre_tokenizer is None:
        raise Fail("there is no pre-tokenizer: set tok.pre_tokenizer (a Split with a regex).")
    for text in [
        "@united #DeflateGate, thanks!",
        "Hi @amanda_gonzo!!! #fail... at 5pm :)",
        "seat 12A, #GoHawks",
    ]:
        got = [piece for piece, _ in tok.pre_tokenizer.pre_tokenize_str(text)]
        expected = _reference_pieces(text)
        if got == expected:
            continue
        where = f"pre_tokenize_str({text!r}) gives {got}; expected {expected}"
        if "@" in got or "#" in got:
            raise Fail(f"{where}: the @ or # is cut off its handle or hashtag.")
        if any(piece.isspace() or " " in piece for piece in got):
            raise Fail(
                f"{where}: the spaces must not become pieces (behavior='removed' with invert=True, or a "
                "WhitespaceSplit first)."
            )
        if any(len(piece) > 1 and not any(ch.isalnum() or ch == "_" for ch in piece) for piece in got):
            raise Fail(f"{where}: punctuation marks should be single pieces ('!!!' is three '!').")
        raise Fail(f"{where}.")

    normalizer = tok.normalizer
    if normalizer is not None and normalizer.normalize_str("Thanks AGAIN") != "Thanks AGAIN":
        raise Fail(
            "the normalizer changes case ('Thanks AGAIN' -> "
            f"{normalizer.normalize_str('Thanks AGAIN')!r}): this tokenizer should be cased (NFC only)."
        )
    composed, decomposed = "caf\u00e9", "cafe\u0301"  # é as one code point, and as e + combining accent
    if tok.encode(decomposed).tokens != tok.encode(composed).tokens:
        raise Fail(
            "'cafe' + a combining accent and 'café' tokenize differently: normalize with NFC "
            "(tok.normalizer = normalizers.NFC())."
        )

    single = tok.encode("@united thanks")
    if single.tokens[:1] != ["[CLS]"] or single.tokens[-1:] != ["[SEP]"]:
        raise Fail(
            f"encode('@united thanks') gives {single.tokens}: add the post-processor "
            "TemplateProcessing(single='[CLS] $A [SEP]', ...) after training."
        )
    if single.tokens != ["[CLS]", "@united", "thanks", "[SEP]"]:
        raise Fail(
            f"encode('@united thanks') gives {single.tokens}; expected ['[CLS]', '@united', 'thanks', "
            "'[SEP]'] (the handle is frequent in the training texts: it should be one token)."
        )
    pair = tok.encode("@united thanks", "great flight")
    if pair.tokens.count("[SEP]") != 2 or pair.tokens[-1] != "[SEP]":
        raise Fail(f"a pair gives {pair.tokens}: the pair template is '[CLS] $A [SEP] $B:1 [SEP]:1'.")
    if pair.type_ids[-1] != 1 or pair.type_ids[0] != 0:
        raise Fail(
            f"a pair gets type ids {pair.type_ids}: the second text and its [SEP] need type id 1 "
            "('$B:1 [SEP]:1' in the pair template)."
        )

    text = (
        "@united unbelievable flightless thanks"  # two words the training texts never had: split into pieces
    )
    decoded = tok.decode(tok.encode(text).ids)
    if decoded != text:
        raise Fail(
            f"decode(encode({text!r})) gives {decoded!r}: set tok.decoder = decoders.WordPiece() to glue the "
            "'##' pieces back together."
        )


# --------------------------------------------------------------------------- 14.2 rows from the pieces

_TOKENIZERS = None


def _tokenizers():
    """Two tiny transformers tokenizers: an uncased WordPiece with [CLS]/[SEP], a byte-level BPE with <s>/</s>."""
    global _TOKENIZERS
    if _TOKENIZERS is None:
        from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
        from transformers import PreTrainedTokenizerFast

        pieces = ["south", "##west", "##air", "@", "#", "deflate", "##gate", "jet", "##blue", "coach", "##ella",
                  "2015", "##2015", "united", "go", "##hawks", "fail", "a", "##m", "##er", "##ican"]  # fmt: skip
        vocab = {t: i for i, t in enumerate(SPECIAL + pieces)}
        wordpiece = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
        wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
        wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        wordpiece.decoder = decoders.WordPiece()
        wordpiece.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
        )
        wp = PreTrainedTokenizerFast(tokenizer_object=wordpiece, unk_token="[UNK]", pad_token="[PAD]",
                                     cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")  # fmt: skip

        bpe = Tokenizer(models.BPE())
        bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        bpe.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<s>", "</s>"], show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
        bpe.train_from_iterator(_tweet_corpus(200, seed=142), trainer=trainer)
        bpe.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>",
            special_tokens=[("<s>", bpe.token_to_id("<s>")), ("</s>", bpe.token_to_id("</s>"))],
        )
        byte_bpe = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>")
        _TOKENIZERS = {"a WordPiece tokenizer": wp, "a byte-level BPE tokenizer": byte_bpe}
    return _TOKENIZERS


def _rows(embeddings, tokenizer, new_tokens, add_special_tokens=False, reduce="mean"):
    import torch

    rows = []
    for token in new_tokens:
        ids = tokenizer(token, add_special_tokens=add_special_tokens)["input_ids"]
        picked = embeddings[ids]
        rows.append(picked.mean(0) if reduce == "mean" else picked.sum(0) if reduce == "sum" else picked[0])
    return torch.stack(rows)


@exercise(
    "14.2",
    hint="For each new token: ids = old_tokenizer(token, add_special_tokens=False)['input_ids'] (its pieces, "
    "without [CLS]/[SEP] or <s>/</s>); its row is embeddings[ids].mean(dim=0). torch.stack the rows.",
)
def _(piece_mean_rows):
    import torch

    generator = torch.Generator().manual_seed(142)
    new_tokens = ["@SouthwestAir", "#DeflateGate", "JetBlue", "Coachella2015", "united", "#GoHawks"]
    for name, tokenizer in _tokenizers().items():
        embeddings = torch.randn(len(tokenizer), 8, generator=generator)
        original = embeddings.clone()
        got = attempt(piece_mean_rows, embeddings, tokenizer, list(new_tokens))
        if not torch.equal(embeddings, original):
            raise Fail(
                "piece_mean_rows changed `embeddings`: compute new rows, leave the old matrix as it is."
            )
        try:
            got = torch.as_tensor(got, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError) as err:
            raise Fail(
                f"piece_mean_rows should return a tensor (torch.stack of the rows); got {type(got).__name__}"
            ) from err
        expected = _rows(embeddings, tokenizer, new_tokens)
        where = f"with {name}"
        if tuple(got.shape) != tuple(expected.shape):
            raise Fail(
                f"{where}: the result has shape {tuple(got.shape)}; expected {tuple(expected.shape)}, one row "
                "of embeddings.shape[1] numbers per new token."
            )
        if torch.allclose(got, expected, atol=1e-5):
            continue
        if torch.allclose(got, _rows(embeddings, tokenizer, new_tokens, add_special_tokens=True), atol=1e-5):
            raise Fail(
                f"{where}: your rows include the special tokens the tokenizer adds ([CLS]/[SEP], <s>/</s>); "
                "call old_tokenizer(token, add_special_tokens=False)."
            )
        if torch.allclose(got, _rows(embeddings, tokenizer, new_tokens, reduce="sum"), atol=1e-4):
            raise Fail(
                f"{where}: these are sums of the piece rows; take their mean, so that a word of five pieces "
                "does not get a row five times as long."
            )
        if torch.allclose(got, embeddings.mean(0).expand_as(got), atol=1e-5):
            raise Fail(
                f"{where}: every row is the mean of ALL rows (what mean_resizing does); average only the rows "
                "of each new token's own pieces."
            )
        if torch.allclose(got, _rows(embeddings, tokenizer, new_tokens, reduce="first"), atol=1e-5):
            raise Fail(
                f"{where}: these are the rows of each token's first piece only; average all its pieces."
            )
        bad = next(i for i in range(len(new_tokens)) if not torch.allclose(got[i], expected[i], atol=1e-5))
        raise Fail(
            f"{where}: the row for {new_tokens[bad]!r} differs from the mean of its pieces "
            f"{tokenizer.tokenize(new_tokens[bad])}."
        )


# --------------------------------------------------------------------------- 14.3 nats per character


def _batches(rng: random.Random, n: int):
    """Evaluation batches of very different sizes (so that every shortcut gives a different number)."""
    mean_losses = [rng.uniform(1.5, 6.0) for _ in range(n)]
    n_tokens = [rng.randint(5, 900) for _ in range(n)]
    n_chars = [max(1, int(t * rng.uniform(1.5, 5.0))) for t in n_tokens]
    return mean_losses, n_tokens, n_chars


@exercise(
    "14.3",
    hint="Undo each batch's mean: its total is mean_losses[i] * n_tokens[i] nats. Add the totals of all batches, "
    "then divide once by the total number of characters, sum(n_chars).",
)
def _(nats_per_character):
    rng = random.Random(143)
    cases = [([2.0, 4.0], [10, 30], [40, 60])] + [_batches(rng, n) for n in (1, 3, 7, 20)]
    for mean_losses, n_tokens, n_chars in cases:
        got = as_float(attempt(nats_per_character, list(mean_losses), list(n_tokens), list(n_chars)),
                       "nats_per_character")  # fmt: skip
        total = sum(loss * tokens for loss, tokens in zip(mean_losses, n_tokens, strict=True))
        expected = total / sum(n_chars)
        if math.isclose(got, expected, rel_tol=1e-6):
            continue
        where = (
            f"nats_per_character({mean_losses}, {n_tokens}, {n_chars}) = {got:.6g}; expected {expected:.6g}"
        )
        ratios = [loss * t / c for loss, t, c in zip(mean_losses, n_tokens, n_chars, strict=True)]
        if math.isclose(got, expected / math.log(2), rel_tol=1e-6):
            raise Fail(f"{where}: that is bits per character (divided by ln 2); the exercise asks for nats.")
        if math.isclose(got, sum(ratios) / len(ratios), rel_tol=1e-6):
            raise Fail(
                f"{where}: a mean of per-batch ratios gives a small batch as much weight as a big one; "
                "add up all the nats and all the characters first, then divide once."
            )
        if math.isclose(got, sum(mean_losses) / sum(n_chars), rel_tol=1e-6):
            raise Fail(
                f"{where}: mean_losses are means per token: multiply each by its n_tokens to get the "
                "batch's total nats."
            )
        if math.isclose(
            got, sum(mean_losses) / len(mean_losses) * sum(n_tokens) / sum(n_chars), rel_tol=1e-6
        ):
            raise Fail(
                f"{where}: the plain mean of the batch means ignores that batches hold different numbers "
                "of tokens; weight each mean by its n_tokens."
            )
        if math.isclose(got, total / sum(n_tokens), rel_tol=1e-6):
            raise Fail(f"{where}: that is nats per TOKEN; divide the total by the characters, sum(n_chars).")
        raise Fail(f"{where}.")
