"""Checks for notebook 09 (architectures and configs). Every expected answer is computed here, at check
time, from models that transformers builds on the meta device (shapes only, no memory) or from tiny random
models."""

from __future__ import annotations

import copy
import math

import torch

from helpers.exercises import Fail, NotAttempted, as_int, attempt, exercise, is_placeholder


def _count(model: torch.nn.Module) -> int:
    """Parameters counted once each (a tied tensor once), as model.num_parameters() does."""
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------------- 09.1


def _llama_formula(V, H, ffn, L, nh, nkv, d, tied, *, kv_full=False, mlp_mats=3, norms=True, head=True):
    """The Llama-style count, with switches that reproduce common mistakes."""
    kv_out = nh * d if kv_full else nkv * d
    attention = H * nh * d + 2 * H * kv_out + nh * d * H  # q, k, v, o: no biases
    mlp = mlp_mats * H * ffn  # gate, up, down (ffn = intermediate_size): no biases
    layer_norms = 2 * H if norms else 0  # input_layernorm, post_attention_layernorm (RMSNorm: a weight only)
    total = V * H + L * (attention + mlp + layer_norms) + (H if norms else 0)  # + the final norm
    if head and not tied:
        total += V * H
    return total


def _llama_cases():
    from transformers import LlamaConfig

    def config(V, H, ffn, L, heads, kv_heads, tied, **extra):
        return LlamaConfig(
            vocab_size=V,
            hidden_size=H,
            intermediate_size=ffn,
            num_hidden_layers=L,
            num_attention_heads=heads,
            num_key_value_heads=kv_heads,
            tie_word_embeddings=tied,
            **extra,
        )

    return [
        ("multi-head attention, untied lm_head", config(1000, 64, 160, 2, 4, 4, False)),
        (
            "grouped-query attention (8 query heads share 2 key/value heads), tied lm_head",
            config(777, 64, 176, 3, 8, 2, True),
        ),
        (
            "head_dim set in the config (4 heads x 16 = 64, not hidden_size 48)",
            config(500, 48, 128, 2, 4, 2, False, head_dim=16),
        ),
        ("multi-query attention (one key/value head), tied lm_head", config(300, 32, 96, 1, 4, 1, True)),
    ]


@exercise(
    "09.1",
    hint="Embeddings V*H. Per layer: q_proj H x (heads*head_dim), k_proj and v_proj H x (kv_heads*head_dim) "
    "each, o_proj (heads*head_dim) x H, MLP 3*H*I (gate, up, down), two RMSNorm weights of H; no biases. "
    "Then the final norm (H), and an lm_head of V*H only when tie_word_embeddings is False.",
)
def _(answer):
    from transformers import LlamaForCausalLM

    for description, config in _llama_cases():
        got = as_int(attempt(answer, copy.deepcopy(config)), description)
        with torch.device("meta"):
            expected = _count(LlamaForCausalLM(config))
        if got == expected:
            continue
        V, H, I = config.vocab_size, config.hidden_size, config.intermediate_size  # noqa: E741
        L, nh, nkv = config.num_hidden_layers, config.num_attention_heads, config.num_key_value_heads
        d, tied = config.head_dim, config.tie_word_embeddings
        shape = (V, H, I, L, nh, nkv, d, tied)
        assert _llama_formula(*shape) == expected, "the check's own formula disagrees with transformers"
        where = f"For a config with {description}, you counted {got:,}; transformers counts {expected:,}."
        if tied and got == expected + V * H:
            raise Fail(
                f"{where} With tie_word_embeddings=True the lm_head IS the embedding matrix: count it once."
            )
        if not tied and got == _llama_formula(*shape, head=False):
            raise Fail(
                f"{where} With tie_word_embeddings=False the lm_head is a separate V x H matrix: add it."
            )
        if nkv < nh and got == _llama_formula(*shape, kv_full=True):
            raise Fail(
                f"{where} k_proj and v_proj have num_key_value_heads * head_dim outputs, not one per "
                "query head: that is what grouped-query attention saves."
            )
        if got == _llama_formula(*shape, mlp_mats=2):
            raise Fail(f"{where} A Llama MLP has three matrices (gate_proj, up_proj, down_proj), not two.")
        if got == _llama_formula(*shape, norms=False):
            raise Fail(f"{where} Do not forget the RMSNorm weights: two per layer and a final one, H each.")
        if d * nh != H and got == _llama_formula(V, H, I, L, nh, nkv, H // nh, tied):
            raise Fail(
                f"{where} Use config.head_dim for the size of a head: here it is {d}, not hidden_size / "
                f"num_attention_heads = {H // nh}."
            )
        raise Fail(
            f"{where} Count each group separately and compare with the named_parameters() of "
            "LlamaForCausalLM(config) built on the meta device."
        )


# ---------------------------------------------------------------------------------------------------- 09.2

GROWTH_KEYS = ("embeddings", "attention", "mlp", "total")


def _gpt2_groups(config) -> dict[str, int]:
    from transformers import GPT2Model

    with torch.device("meta"):
        model = GPT2Model(config)
    groups = dict.fromkeys(GROWTH_KEYS, 0)
    for name, p in model.named_parameters():
        if name.startswith(("wte.", "wpe.")):
            groups["embeddings"] += p.numel()
        elif ".attn." in name:
            groups["attention"] += p.numel()
        elif ".mlp." in name:
            groups["mlp"] += p.numel()
        groups["total"] += p.numel()
    return groups


@exercise(
    "09.2",
    hint="The embedding tables are (vocab + positions) x hidden: one dimension doubles. Attention holds four "
    "hidden x hidden matrices and the MLP two hidden x 4*hidden ones: both dimensions double. The total "
    "mixes the two, weighted by each group's share of GPT-2 small (embeddings are about a third).",
)
def _(answer):
    from transformers import GPT2Config

    if callable(answer):
        answer = attempt(answer)
    if not isinstance(answer, dict):
        raise Fail(f"answer with a dict of four factors {GROWTH_KEYS}, got {type(answer).__name__}")
    if all(is_placeholder(answer.get(key)) for key in GROWTH_KEYS):
        raise NotAttempted()
    missing = [key for key in GROWTH_KEYS if key not in answer or is_placeholder(answer[key])]
    if missing:
        raise Fail(f"replace every ... with a number: still missing {missing}")
    small = GPT2Config()
    before, after = _gpt2_groups(small), _gpt2_groups(GPT2Config(n_embd=2 * small.n_embd))
    for key in GROWTH_KEYS:
        try:
            got = float(answer[key])
        except (TypeError, ValueError) as err:
            raise Fail(f"{key}: give a number (the factor new / old), got {answer[key]!r}") from err
        expected = after[key] / before[key]
        if math.isclose(got, expected, rel_tol=0.03):
            continue
        direction = "too high" if got > expected else "too low"
        reason = {
            "embeddings": "an embedding table is (rows) x hidden, and only hidden doubles",
            "attention": "every attention matrix is hidden x hidden: both of its dimensions double",
            "mlp": "the MLP matrices are hidden x 4*hidden (n_inner follows n_embd): both dimensions double",
            "total": "the total is a mix: the embeddings (about a third of GPT-2 small) grow like the "
            "embeddings, the layers like attention and MLP",
        }[key]
        raise Fail(f"{key}: your factor {got:g} is {direction}; {reason}.")


# ---------------------------------------------------------------------------------------------------- 09.3


def _tiny_bert(num_layers: int = 5):
    from transformers import BertConfig, BertModel

    torch.manual_seed(9)
    config = BertConfig(
        vocab_size=100,
        hidden_size=16,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    return BertModel(config).eval()


def _same_tensors(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _shared_with(new: torch.nn.Module, original: torch.nn.Module) -> str | None:
    """The name of the first module, parameter or buffer of ``new`` that is (or shares memory with) one of
    ``original``, or None when the two models are independent copies."""
    modules = {id(m) for m in original.modules()}
    for name, module in new.named_modules():
        if id(module) in modules:
            return f"the module {name or '(the whole model)'}"
    tensors = [*original.parameters(), *original.buffers()]
    storages = {t.untyped_storage().data_ptr() for t in tensors if t.numel()}
    for name, tensor in [*new.named_parameters(), *new.named_buffers()]:
        if tensor.numel() and tensor.untyped_storage().data_ptr() in storages:
            return f"the tensor {name}"
    return None


@exercise(
    "09.3",
    hint="Copy the config (copy.deepcopy(model.config)), set num_hidden_layers = len(keep), build "
    "BertModel(config), then load a state dict in which 'encoder.layer.{i}.' is renamed "
    "'encoder.layer.{position of i in keep}.' and the layers not kept are left out. Never change the "
    "model you were given.",
)
def _(answer):
    from transformers import BertModel

    gen = torch.Generator().manual_seed(3)
    input_ids = torch.randint(0, 100, (2, 7), generator=gen)
    attention_mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3])
    for keep in ([0, 2, 4], [1, 3], [4]):
        model = _tiny_bert()
        n_layers = model.config.num_hidden_layers
        before = {k: v.clone() for k, v in model.state_dict().items()}
        got = attempt(answer, model, list(keep))
        if not isinstance(got, torch.nn.Module) or not hasattr(got, "config"):
            raise Fail(f"return a model (a BertModel with its config), got {type(got).__name__}")
        if (
            model.config.num_hidden_layers != n_layers
            or len(model.encoder.layer) != n_layers
            or not _same_tensors(before, model.state_dict())
        ):
            raise Fail(
                "you changed the model you were given (its config or its layers); build a new model "
                "from a copy of the config, so the original stays whole."
            )
        where = f"keep={keep}:"
        shared = _shared_with(got, model)
        if shared is not None:
            raise Fail(
                f"{where} your model shares {shared} with the original: training or editing one would "
                "change the other. Give the new model its own copies (load a state dict into a new "
                "BertModel, or copy.deepcopy the layers you keep)."
            )
        if got.config is model.config:
            raise Fail(
                f"{where} your model shares its config object with the original; use "
                "copy.deepcopy(model.config)."
            )
        if got.config.num_hidden_layers != len(keep):
            raise Fail(
                f"{where} the new model's config.num_hidden_layers is {got.config.num_hidden_layers}, "
                f"should be {len(keep)}: a saved model must describe itself correctly."
            )
        layers = getattr(getattr(got, "encoder", None), "layer", None)
        if layers is None or len(layers) != len(keep):
            found = "no encoder.layer" if layers is None else f"{len(layers)} layers"
            raise Fail(
                f"{where} expected a BertModel with {len(keep)} layers in encoder.layer, found {found}"
            )
        for j, i in enumerate(keep):
            if _same_tensors(layers[j].state_dict(), model.encoder.layer[i].state_dict()):
                continue
            if keep != list(range(len(keep))) and _same_tensors(
                layers[j].state_dict(), model.encoder.layer[j].state_dict()
            ):
                raise Fail(
                    f"{where} your layer {j} is the original layer {j}: you kept the FIRST "
                    f"{len(keep)} layers, as from_pretrained(num_hidden_layers=...) does. Copy "
                    f"layer keep[{j}] = {i} there."
                )
            if not any(
                _same_tensors(layers[j].state_dict(), layer.state_dict()) for layer in model.encoder.layer
            ):
                raise Fail(
                    f"{where} layer {j} of your model holds weights found in no layer of the original: a "
                    "model built from a config starts random; load the original's weights into it."
                )
            raise Fail(f"{where} layer {j} of your model should hold the weights of the original layer {i}.")
        for part in ("embeddings", "pooler"):
            ours, theirs = getattr(got, part, None), getattr(model, part)
            if ours is None or not _same_tensors(ours.state_dict(), theirs.state_dict()):
                raise Fail(f"{where} copy the {part} as well: they are pretrained too.")
        reference = copy.deepcopy(model)
        reference.encoder.layer = torch.nn.ModuleList(model.encoder.layer[i] for i in keep)
        got.eval()
        with torch.no_grad():
            out = got(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            expected = reference(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if not torch.allclose(out, expected, atol=1e-5):
            raise Fail(
                f"{where} the weights look right but the outputs differ from the reference by up to "
                f"{(out - expected).abs().max():.2e}: is it a BertModel ({BertModel.__name__})?"
            )
