"""The offline Hub of notebook 17, for real: the olah mirror started on 127.0.0.1, a model pushed with git (two
releases, a branch), read back through huggingface_hub and transformers, the write API refused, the server stopped
and its port closed. Plus helpers.hub_mirror's doctests.

The model is a tiny BERT classifier built here (a few hundred KB), so the whole module runs in seconds.
"""

from __future__ import annotations

import doctest
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("olah", reason="the offline Hub needs olah (requirements-nodeps.txt)")
if shutil.which("git") is None:
    pytest.skip("the offline Hub's write side is git, which is not installed", allow_module_level=True)

import torch  # noqa: E402
import transformers.utils.hub as transformers_hub  # noqa: E402
from huggingface_hub import HfApi, ModelCard, ModelCardData, hf_hub_download, snapshot_download  # noqa: E402
from huggingface_hub import constants as hub_constants  # noqa: E402
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    PreTrainedTokenizerFast,
)

import helpers.hub_mirror as hub_mirror  # noqa: E402
from helpers.hub_mirror import GIT_SETTINGS, HubMirror, repo_path  # noqa: E402
from helpers.servers import port_open  # noqa: E402

REPO_ID = "tests/tiny-classifier"
WORDS = ["the", "match", "was", "won", "shares", "fell", "rates", "rose", "goal", "bank"]
TEXT = "the bank rates rose"


def test_doctests():
    result = doctest.testmod(hub_mirror, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


def test_repo_path_and_config(tmp_path):
    assert repo_path(tmp_path, "org/name", "dataset") == tmp_path / "datasets" / "org" / "name"
    with pytest.raises(ValueError, match="org/name"):
        repo_path(tmp_path, "../escape")
    with pytest.raises(ValueError, match="repo_type"):
        repo_path(tmp_path, "org/name", "bucket")
    mirror = HubMirror(tmp_path / "hub", port=18080)
    text = mirror.config_path.read_text()
    assert 'host = "127.0.0.1"' in text and "offline = true" in text and "port = 18080" in text
    assert not mirror.running and mirror.stop()  # stopping a mirror that never started is fine


# --------------------------------------------------------------------------- the tiny model and its two releases


def _tokenizer() -> PreTrainedTokenizerFast:
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]")  # fmt: skip


def _model(seed: int) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(WORDS) + 4, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=2,
                        id2label={0: "sport", 1: "business"}, label2id={"sport": 0, "business": 1})  # fmt: skip
    return BertForSequenceClassification(config).eval()


def _git(*args: str, cwd: Path) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A running mirror holding REPO_ID with tags v1.0 (seed 0), v2.0 (seed 1, = main) and a branch `dev`."""
    root = tmp_path_factory.mktemp("hub")
    mirror = HubMirror(root / "hub")
    remote = mirror.create_repo(REPO_ID)
    mirror.start()
    assert mirror.running and port_open(mirror.port)
    work = root / "work"
    _git("clone", "--quiet", str(remote), str(work), cwd=root)
    for key, value in {"user.name": "Test", "user.email": "test@example.com", **GIT_SETTINGS}.items():
        _git("config", key, value, cwd=work)
    tokenizer = _tokenizer()
    models = {"v1.0": _model(0), "v2.0": _model(1)}
    (work / "additional_chat_templates").mkdir()
    (work / "additional_chat_templates" / ".gitkeep").touch()  # olah answers 401 for a missing folder
    commits = {}
    for tag, model in models.items():
        model.save_pretrained(work)
        tokenizer.save_pretrained(work)
        card = ModelCard.from_template(ModelCardData(license="apache-2.0", pipeline_tag="text-classification"),
                                       template_str="---\n{{ card_data }}\n---\n\n# Tiny classifier {{ v }}\n", v=tag)  # fmt: skip
        card.save(work / "README.md")
        (work / "release.json").write_text(json.dumps({"release": tag}))
        _git("add", "--all", cwd=work)
        _git("commit", "--quiet", "-m", f"release {tag}", cwd=work)
        _git("tag", "--annotate", tag, "-m", tag, cwd=work)
        commits[tag] = _git("rev-parse", "HEAD", cwd=work)
    _git("branch", "dev", "v1.0", cwd=work)
    _git("push", "--quiet", "origin", "main", "dev", "v1.0", "v2.0", cwd=work)
    yield {"mirror": mirror, "models": models, "tokenizer": tokenizer, "commits": commits, "root": root}
    assert mirror.stop(), "the mirror's port is closed after stop()"
    assert not mirror.running and not port_open(mirror.port)


@contextmanager
def _online(endpoint: str, cache_dir: Path):
    """What notebook 17's hub_session does: point huggingface_hub and transformers at the mirror, then restore."""
    patch = {"ENDPOINT": endpoint, "HUGGINGFACE_CO_URL_TEMPLATE": endpoint + "/{repo_id}/resolve/{revision}/{filename}",
             "HF_HUB_OFFLINE": False, "HF_HUB_CACHE": str(cache_dir), "HF_HUB_DISABLE_IMPLICIT_TOKEN": True}  # fmt: skip
    saved = {name: getattr(hub_constants, name) for name in patch}
    saved_client = transformers_hub._hf_api
    for name, value in patch.items():
        setattr(hub_constants, name, value)
    transformers_hub._hf_api = None
    try:
        yield HfApi(endpoint=endpoint, token=False)
    finally:
        for name, value in saved.items():
            setattr(hub_constants, name, value)
        transformers_hub._hf_api = saved_client


# --------------------------------------------------------------------------- the tests


def test_mirror_listens_on_loopback_only(hub):
    mirror = hub["mirror"]
    assert mirror.url.startswith("http://127.0.0.1:")
    assert mirror.server.command[1:3] == ["-m", "olah.server"] and mirror.server.command[0] == sys.executable


def test_offline_mode_blocks_the_mirror_too(hub, monkeypatch):
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OfflineModeIsEnabled):
        HfApi(endpoint=hub["mirror"].url, token=False).list_repo_refs(REPO_ID)


def test_refs_info_and_files_per_revision(hub, tmp_path):
    with _online(hub["mirror"].url, tmp_path) as api:
        refs = api.list_repo_refs(REPO_ID)
        assert {b.name: b.target_commit for b in refs.branches} == {"main": hub["commits"]["v2.0"],
                                                                    "dev": hub["commits"]["v1.0"]}  # fmt: skip
        assert {t.name: t.target_commit for t in refs.tags} == hub["commits"]
        for tag, commit in hub["commits"].items():
            info = api.model_info(REPO_ID, revision=tag)
            assert info.sha == commit and info.card_data.license == "apache-2.0"
            assert "model.safetensors" in api.list_repo_files(REPO_ID, revision=tag)
            assert api.file_exists(REPO_ID, "release.json", revision=tag)
            path = hf_hub_download(REPO_ID, "release.json", revision=tag)
            assert json.loads(Path(path).read_text()) == {"release": tag}
            assert (
                ModelCard.load(hf_hub_download(REPO_ID, "README.md", revision=tag)).text.strip().endswith(tag)
            )
        (size,) = api.get_paths_info(REPO_ID, ["model.safetensors"], revision="v1.0")
        assert size.size > 10_000


def test_snapshot_download_with_an_explicit_endpoint(hub, tmp_path, monkeypatch):
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    folder = Path(
        snapshot_download(
            REPO_ID, revision="v1.0", endpoint=hub["mirror"].url, cache_dir=tmp_path, token=False
        )
    )
    assert folder.name == hub["commits"]["v1.0"]
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= {
        p.name for p in folder.iterdir()
    }


def test_from_pretrained_each_revision(hub, tmp_path):
    inputs = hub["tokenizer"](TEXT, return_tensors="pt")
    before = (
        hub_constants.ENDPOINT,
        hub_constants.HF_HUB_OFFLINE,
        hub_constants.HF_HUB_CACHE,
        transformers_hub._hf_api,
    )
    with _online(hub["mirror"].url, tmp_path), torch.inference_mode():
        loaded = {tag: AutoModelForSequenceClassification.from_pretrained(REPO_ID, revision=tag).eval()
                  for tag in ("v1.0", "v2.0", "main", "dev")}  # fmt: skip
        tokenizer = AutoTokenizer.from_pretrained(REPO_ID, revision="v1.0")
        logits = {tag: model(**inputs).logits for tag, model in loaded.items()}
        expected = {tag: model(**inputs).logits for tag, model in hub["models"].items()}
    assert tokenizer(TEXT)["input_ids"] == hub["tokenizer"](TEXT)["input_ids"]
    for tag, model in hub["models"].items():  # the weights come back exactly; outputs up to float rounding
        pushed = model.state_dict()
        assert all(torch.equal(t, pushed[name]) for name, t in loaded[tag].state_dict().items()), tag
        assert torch.allclose(logits[tag], expected[tag], atol=1e-6), tag
    assert not torch.allclose(logits["v1.0"], logits["v2.0"], atol=1e-4), "two releases, two models"
    assert torch.allclose(logits["main"], logits["v2.0"], atol=1e-6), "main is the newest release"
    assert torch.allclose(logits["dev"], logits["v1.0"], atol=1e-6), "the dev branch starts at v1.0"
    after = (
        hub_constants.ENDPOINT,
        hub_constants.HF_HUB_OFFLINE,
        hub_constants.HF_HUB_CACHE,
        transformers_hub._hf_api,
    )
    assert after == before, "the session is put back as it was"


def test_endpoint_from_the_environment_in_a_fresh_process(hub, tmp_path):
    """HF_ENDPOINT is read when huggingface_hub is imported: set before the process starts, it works."""
    code = ("from huggingface_hub import hf_hub_download; "
            f"print(open(hf_hub_download({REPO_ID!r}, 'release.json', revision='v2.0')).read())")  # fmt: skip
    env = {**os.environ, "HF_ENDPOINT": hub["mirror"].url, "HF_HUB_OFFLINE": "0", "HF_HUB_CACHE": str(tmp_path),
           "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == {"release": "v2.0"}


def test_the_write_api_is_refused(hub, tmp_path):
    with _online(hub["mirror"].url, tmp_path) as api:
        with pytest.raises(HfHubHTTPError):
            api.create_repo("tests/another")
        with pytest.raises(HfHubHTTPError):
            api.create_tag(REPO_ID, tag="v3.0")
        refs = api.list_repo_refs(REPO_ID)
    assert [t.name for t in refs.tags] == ["v1.0", "v2.0"], "nothing was written"


def test_a_new_push_is_served_at_once(hub, tmp_path):
    work = hub["root"] / "work"
    _git(
        "switch", "--quiet", "--create", "hotfix", cwd=work
    )  # main and the tags stay as the other tests expect
    (work / "release.json").write_text(json.dumps({"release": "v2.1"}))
    _git("commit", "--quiet", "-am", "v2.1", cwd=work)
    _git("tag", "v2.1", cwd=work)  # a lightweight tag works too
    _git("push", "--quiet", "origin", "hotfix", "v2.1", cwd=work)
    with _online(hub["mirror"].url, tmp_path) as api:
        assert api.model_info(REPO_ID, revision="hotfix").sha == _git("rev-parse", "HEAD", cwd=work)
        path = hf_hub_download(REPO_ID, "release.json", revision="v2.1")
    assert json.loads(Path(path).read_text()) == {"release": "v2.1"}
