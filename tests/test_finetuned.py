"""helpers.finetuned: the classifier notebook 11 saves and later notebooks load (or rebuild when missing)."""

from __future__ import annotations

import copy
import inspect
import os

import pytest
import torch
from safetensors.torch import load_file

from helpers import finetuned
from helpers.data import load_bbc_news

pytestmark = pytest.mark.zoo  # trains the offline MiniLM for a few steps


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """A private LAB_OUTPUT_DIR, so nothing here touches a learner's or another test's saved model."""
    root = tmp_path_factory.mktemp("outputs")
    old = os.environ.get("LAB_OUTPUT_DIR")
    os.environ["LAB_OUTPUT_DIR"] = str(root)
    yield root
    if old is None:
        del os.environ["LAB_OUTPUT_DIR"]
    else:
        os.environ["LAB_OUTPUT_DIR"] = old


@pytest.fixture(scope="module")
def tiny(outputs):
    """A classifier rebuilt by load_classifier() because none was saved: tiny sizes, seconds."""
    assert not finetuned.is_complete()
    model, tokenizer, info = finetuned.load_classifier(
        n_train=16, num_epochs=1, max_length=32, batch_size=8, n_test=8, progress=False
    )
    return model, tokenizer, info


def test_build_classifier_defaults_are_the_recipe(tmp_path):
    """One recipe: build_classifier's defaults are CLASSIFIER_RECIPE's, and TrainingArguments takes them."""
    from transformers import TrainingArguments

    recipe = finetuned.CLASSIFIER_RECIPE
    defaults = inspect.signature(finetuned.build_classifier).parameters
    for name in ("n_train", "num_epochs", "max_length", "batch_size", "lr", "seed"):
        assert defaults[name].default == getattr(recipe, name), name
    args = TrainingArguments(
        output_dir=str(tmp_path), report_to="none", **recipe.training_kwargs(batch_size=8)
    )
    assert (args.learning_rate, args.per_device_train_batch_size, args.num_train_epochs) == (1e-4, 8, 2)


def test_folder_is_under_the_output_dir_of_notebook_11(outputs):
    assert finetuned.classifier_dir() == outputs / "11" / "bbc-news-minilm"


def test_missing_classifier_without_rebuild_says_what_to_do(outputs, tmp_path):
    with pytest.raises(FileNotFoundError, match="Run notebook 11"):
        finetuned.load_classifier(tmp_path / "nothing-here", rebuild_if_missing=False)


def test_rebuild_saves_a_whole_folder_with_measured_info(tiny):
    model, tokenizer, info = tiny
    folder = finetuned.classifier_dir()
    assert finetuned.is_complete(folder)
    assert not folder.with_name(folder.name + ".partial").exists()
    names = load_bbc_news()["train"].features["label"].names
    assert info["labels"] == names and [model.config.id2label[i] for i in range(len(names))] == names
    assert (
        info["n_train"] == 16 and info["n_test"] == 8 and info["trained_by"].startswith("helpers.finetuned")
    )
    assert 0.0 <= info["test_accuracy"] <= 1.0 and 0.0 <= info["macro_f1"] <= 1.0
    assert not model.training


def test_saved_classifier_reloads_to_identical_predictions(tiny):
    model, tokenizer, _ = tiny
    texts = load_bbc_news()["test"]["text"][:4]
    batch = tokenizer(texts, truncation=True, max_length=32, padding=True, return_tensors="pt")
    again, _, info = finetuned.load_classifier(rebuild_if_missing=False)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, again(**batch).logits)
    assert info == finetuned.read_info()


def test_save_needs_a_measured_accuracy(tiny, tmp_path):
    model, tokenizer, _ = tiny
    with pytest.raises(ValueError, match="test_accuracy"):
        finetuned.save_classifier(model, tokenizer, {"macro_f1": 0.5}, tmp_path / "x")


def test_a_failed_save_leaves_the_previous_classifier_whole(tiny, monkeypatch):
    model, tokenizer, info = tiny
    folder = finetuned.classifier_dir()
    changed = copy.deepcopy(model)
    with torch.no_grad():
        changed.classifier.weight.add_(1.0)  # a different model, so overwritten weights would show

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tokenizer, "save_pretrained", broken)  # fails after the weights were written
    with pytest.raises(OSError, match="disk full"):
        finetuned.save_classifier(changed, tokenizer, {"test_accuracy": 0.1}, folder)
    assert (
        finetuned.is_complete(folder)
        and finetuned.read_info(folder)["test_accuracy"] == info["test_accuracy"]
    )
    saved = load_file(folder / "model.safetensors")
    assert torch.equal(saved["classifier.weight"], model.classifier.weight.detach())


def test_an_incomplete_folder_is_not_loaded(tiny, tmp_path):
    model, tokenizer, info = tiny
    folder = finetuned.save_classifier(model, tokenizer, info, tmp_path / "copy")
    (folder / "model.safetensors").unlink()
    assert not finetuned.is_complete(folder)
    with pytest.raises(FileNotFoundError, match="No fine-tuned classifier"):
        finetuned.load_classifier(folder, rebuild_if_missing=False)
