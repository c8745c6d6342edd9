"""setup(): profiles, platform and device detection, Hub check, sizes, seeds."""

import json
import os
import sys

import pytest
import torch

from helpers import lab


def test_profile_defaults_follow_the_device(monkeypatch):
    monkeypatch.delenv("LAB_PROFILE", raising=False)
    assert lab.resolve_profile("cpu") == "cpu"
    assert lab.resolve_profile("cuda") == "gpu"
    assert lab.resolve_profile("mps") == "gpu"


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", " Smoke ")
    assert lab.resolve_profile("cuda") == "smoke"
    monkeypatch.setenv("LAB_PROFILE", "")
    assert lab.resolve_profile("cpu") == "cpu"


def test_wrong_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", "fast")
    with pytest.raises(ValueError, match="LAB_PROFILE must be smoke, cpu or gpu; got 'fast'"):
        lab.resolve_profile("cpu")


def test_platform_detection(monkeypatch):
    for var in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE", "KAGGLE_URL_BASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert lab.detect_platform() == "local"
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert lab.detect_platform() == "kaggle"
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab_20261101")
    assert lab.detect_platform() == "colab"


def test_device_detection(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert lab.detect_device() == "cpu"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert lab.detect_device() == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert lab.detect_device() == "cuda"


def test_hub_check_is_fast_and_respects_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert lab.hub_reachable() is False
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(lab, "HUB_HOST", "nonexistent.invalid")
    import time

    start = time.monotonic()
    assert lab.hub_reachable(timeout=1.0) is False
    assert time.monotonic() - start < 5  # bounded: never a long hang


def test_hub_check_true_when_connection_opens(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)

    class FakeConn:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(lab.socket, "create_connection", lambda addr, timeout: FakeConn())
    assert lab.hub_reachable() is True


def test_sizes_merge_defaults_and_notebook(tmp_path):
    toml = tmp_path / "p.toml"
    toml.write_text("[defaults.smoke]\nbatch_size = 4\nmax_length = 8\n[07.smoke]\nbatch_size = 2\nn = 5\n")
    assert lab.load_sizes("07", "smoke", toml) == {"batch_size": 2, "max_length": 8, "n": 5}
    assert lab.load_sizes("08", "smoke", toml) == {"batch_size": 4, "max_length": 8}


def test_every_notebook_section_defines_all_three_profiles():
    import tomllib

    table = tomllib.loads(lab.PROFILES_FILE.read_text())
    for key, section in table.items():
        assert set(section) == set(lab.PROFILES), f"[{key}] must define smoke, cpu and gpu"
        keys = [set(section[p]) for p in lab.PROFILES]
        assert keys[0] == keys[1] == keys[2], f"[{key}.*] profiles define different sizes: {keys}"


def test_setup_returns_config_and_prints_versions(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = lab.setup("1", profile="smoke")
    out = capsys.readouterr().out
    assert cfg.notebook == "01" and cfg.profile == "smoke" and cfg.hub_online is False
    assert "transformers" in out and "profile smoke" in out and "offline" in out
    assert cfg.timing_lengths == lab.load_sizes("01", "smoke")["timing_lengths"]
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    with pytest.raises(AttributeError, match="no size 'nope'.*profiles.toml"):
        _ = cfg.nope


def test_setup_seeds_everything(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    lab.setup("01", profile="smoke", quiet=True, seed=3)
    a = torch.rand(3)
    lab.setup("01", profile="smoke", quiet=True, seed=3)
    assert torch.equal(a, torch.rand(3))


def test_setup_rejects_bad_notebook_id():
    with pytest.raises(ValueError, match="two-digit id"):
        lab.setup("abc", quiet=True)


def test_gpu_profile_on_cpu_warns(monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(lab, "detect_device", lambda: "cpu")
    lab.setup("01", profile="gpu")
    assert "will be slow" in capsys.readouterr().out


def test_stack_versions_marks_missing_packages():
    v = lab.stack_versions(("torch", "surely-not-installed-pkg"))
    assert v["surely-not-installed-pkg"] == "-" and v["torch"].startswith("2.")


def test_record_keeps_a_notebooks_headline_results_per_profile(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LAB_OUTPUT_DIR", str(tmp_path))
    cfg = lab.LabConfig(
        notebook="11", profile="cpu", device="cpu", platform="local", hub_online=False, seed=0
    )
    assert cfg.record("test accuracy", 0.95312) == "0.953"
    assert cfg.record("perplexity after", 17.04, "{:.1f}") == "17.0"
    assert cfg.record("test accuracy", 0.96) == "0.960"  # a rerun replaces the value
    # a cell that ends with the call shows the printed line only, no Out[] echo of the same value
    from IPython.core.formatters import DisplayFormatter

    assert DisplayFormatter().format(cfg.record("test accuracy", 0.96)) == ({}, {})
    assert "test accuracy: 0.953 (recorded)" in capsys.readouterr().out
    saved = json.loads((tmp_path / "11" / "results-cpu.json").read_text())
    assert saved == {"test accuracy": "0.960", "perplexity after": "17.0"}
    assert not (tmp_path / "11" / "results-smoke.json").exists()


@pytest.mark.parametrize(
    "name, value, fmt", [("", 1.0, "{:.3f}"), ("a | b", 1.0, "{:.3f}"), ("x", "high", "{:.3f}")]
)
def test_record_rejects_what_would_break_the_table(monkeypatch, tmp_path, name, value, fmt):
    monkeypatch.setenv("LAB_OUTPUT_DIR", str(tmp_path))
    cfg = lab.LabConfig(
        notebook="11", profile="cpu", device="cpu", platform="local", hub_online=False, seed=0
    )
    with pytest.raises(ValueError):
        cfg.record(name, value, fmt)


@pytest.mark.parametrize(
    ("preset", "torch_first", "expected"),
    [
        (None, False, "PASSIVE"),  # importing helpers first: idle OpenMP threads will sleep
        ("ACTIVE", False, "ACTIVE"),  # the user's own choice is kept
        (None, True, None),  # torch already loaded its OpenMP runtime: too late, so nothing is set
    ],
)
def test_importing_helpers_sets_a_passive_openmp_wait_policy(preset, torch_first, expected):
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if preset is not None:
        env["OMP_WAIT_POLICY"] = preset
    code = (
        "import torch\n" if torch_first else ""
    ) + "import os, helpers\nprint(os.environ.get('OMP_WAIT_POLICY'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == str(expected)
