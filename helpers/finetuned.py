"""The course's fine-tuned topic classifier: saved by notebook 11, used by later notebooks (12, 18).

Notebook 11 fine-tunes all-MiniLM-L6-v2 on BBC News topics and saves it with :func:`save_classifier`. Later
notebooks call :func:`load_classifier`, which loads that folder, or, when notebook 11 has not been run on
this machine (a fresh Colab session, a classroom laptop), first rebuilds a classifier with the same recipe
at a size you choose and says so::

    from helpers.finetuned import load_classifier
    model, tokenizer, info = load_classifier()
    print(info["test_accuracy"], info["trained_by"])

The recipe (base model, ``max_length``, learning rate and schedule, default sizes) is one object,
:data:`CLASSIFIER_RECIPE`: notebook 11 trains with it and :func:`build_classifier` rebuilds with it, so the
classifier later notebooks load is the same whichever of the two built it.

The folder is ``output_dir("11") / "bbc-news-minilm"`` (``$LAB_OUTPUT_DIR/11/...`` when that is set): a
normal ``save_pretrained`` folder (safetensors weights, config with the topic names as ``id2label``,
tokenizer) plus ``course_finetuned.json`` with what was measured when it was trained (test accuracy, macro F1,
sizes, time). A folder is only ever replaced whole: a build writes to a temporary folder and renames it at the
end, so an interrupted run never leaves a half-written model that later notebooks would load.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path
from typing import Any

from helpers.paths import output_dir
from helpers.training import with_new_head
from helpers.zoo import MINILM_ID, resolve
from helpers.zoo.registry import read_json

CLASSIFIER_NAME = "bbc-news-minilm"
INFO_FILE = "course_finetuned.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", INFO_FILE)


@dataclasses.dataclass(frozen=True)
class ClassifierRecipe:
    """How the course's BBC News topic classifier is fine-tuned: all layers trained with AdamW, linear decay.

    Notebook 11 trains with these values and :func:`build_classifier` rebuilds with them. The sizes
    (``n_train``, ``num_epochs``, ``batch_size``) are defaults: a notebook takes its own from its profile.

    Example:
        >>> CLASSIFIER_RECIPE.max_length, CLASSIFIER_RECIPE.lr
        (64, 0.0001)
        >>> CLASSIFIER_RECIPE.training_kwargs(batch_size=8, num_epochs=1)["per_device_train_batch_size"]
        8
    """

    base_id: str = MINILM_ID
    max_length: int = 64  # tokens read of each article: its title and first sentences
    lr: float = 1e-4
    lr_scheduler_type: str = "linear"
    warmup_steps: float = 0.1  # below 1: a ratio of the steps (transformers 5 has no warmup_ratio)
    weight_decay: float = 0.01
    eval_batch_size: int = 64
    seed: int = 0
    n_train: int = 480  # the default size: test accuracy about 0.95, one to two minutes on 2 CPU cores
    num_epochs: float = 2
    batch_size: int = 16

    def training_kwargs(
        self, batch_size: int | None = None, num_epochs: float | None = None
    ) -> dict[str, Any]:
        """The ``TrainingArguments`` keywords of the recipe (``batch_size``/``num_epochs``: the profile's)."""
        return {
            "per_device_train_batch_size": batch_size or self.batch_size,
            "per_device_eval_batch_size": self.eval_batch_size,
            "num_train_epochs": num_epochs or self.num_epochs,
            "learning_rate": self.lr,
            "lr_scheduler_type": self.lr_scheduler_type,
            "warmup_steps": self.warmup_steps,
            "weight_decay": self.weight_decay,
        }


CLASSIFIER_RECIPE = ClassifierRecipe()


def classifier_dir() -> Path:
    """Where notebook 11 saves the fine-tuned BBC News classifier and later notebooks look for it."""
    return output_dir("11") / CLASSIFIER_NAME


def is_complete(path: Path | None = None) -> bool:
    """True when ``path`` (default :func:`classifier_dir`) holds a whole saved classifier."""
    path = Path(path) if path is not None else classifier_dir()
    return all((path / name).is_file() for name in REQUIRED_FILES)


def read_info(path: Path | None = None) -> dict[str, Any] | None:
    """The numbers saved with the classifier (``course_finetuned.json``), or None when there is none.

    Example:
        >>> read_info(Path("/nonexistent")) is None
        True
    """
    return read_json((Path(path) if path is not None else classifier_dir()) / INFO_FILE)


def save_classifier(model: Any, tokenizer: Any, info: dict[str, Any], path: Path | None = None) -> Path:
    """Save ``model``, ``tokenizer`` (safetensors) and ``info`` as one folder, replacing any older one whole.

    ``info`` should say how the model was trained and what it measured: at least ``test_accuracy``; notebook
    11 adds ``macro_f1``, sizes and ``trained_by``. Returns the folder.

    Example (skipped by the doctests: it needs a trained model):
        >>> info = {"test_accuracy": 0.97, "trained_by": "notebook 11"}
        >>> save_classifier(model, tokenizer, info)  # doctest: +SKIP
    """
    import torch
    import transformers

    if "test_accuracy" not in info:
        raise ValueError(
            "info must include 'test_accuracy' (measured on the test split) so later notebooks "
            "can say how good the saved model is"
        )
    dst = Path(path) if path is not None else classifier_dir()
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)  # safetensors is the default (and the only format this course loads)
    tokenizer.save_pretrained(tmp)
    full = {
        **info,
        "base_model": CLASSIFIER_RECIPE.base_id,
        "labels": [model.config.id2label[i] for i in range(model.config.num_labels)],
        "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    (tmp / INFO_FILE).write_text(json.dumps(full, indent=1) + "\n")
    old = dst.with_name(dst.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dst.exists():
        dst.rename(old)
    tmp.rename(dst)
    shutil.rmtree(old, ignore_errors=True)
    return dst


def build_classifier(
    path: Path | None = None,
    n_train: int | None = CLASSIFIER_RECIPE.n_train,
    num_epochs: float = CLASSIFIER_RECIPE.num_epochs,
    max_length: int = CLASSIFIER_RECIPE.max_length,
    batch_size: int = CLASSIFIER_RECIPE.batch_size,
    lr: float = CLASSIFIER_RECIPE.lr,
    seed: int = CLASSIFIER_RECIPE.seed,
    n_test: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune all-MiniLM-L6-v2 on BBC News topics with the Trainer, measure it on the test split, save it.

    :data:`CLASSIFIER_RECIPE`, the recipe of notebook 11's classification section; its default size takes one
    to two minutes on 2 CPU cores (test accuracy about 0.95). ``n_train=None``: the whole training split;
    ``n_test=None``: the whole test split. Returns the saved info.

    Example (skipped by the doctests: it trains for a while):
        >>> build_classifier(n_train=64, num_epochs=1, n_test=32)["test_accuracy"]  # doctest: +SKIP
        0.4...
    """
    import numpy as np
    import torch
    from sklearn.metrics import accuracy_score, f1_score
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    from helpers import data

    start = time.time()
    news = data.load_bbc_news()
    labels = news["train"].features["label"].names
    train = (
        news["train"] if n_train is None else news["train"].select(range(min(n_train, len(news["train"]))))
    )
    test = news["test"] if n_test is None else news["test"].select(range(min(n_test, len(news["test"]))))

    recipe = dataclasses.replace(
        CLASSIFIER_RECIPE,
        max_length=max_length,
        lr=lr,
        seed=seed,
        num_epochs=num_epochs,
        batch_size=batch_size,
    )
    source = resolve(recipe.base_id)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = with_new_head(AutoModelForSequenceClassification, source, labels, seed=recipe.seed)

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(batch["text"], truncation=True, max_length=recipe.max_length)

    columns = ["text", "id"] if "id" in train.column_names else ["text"]
    train_tok = train.map(tokenize, batched=True, remove_columns=columns)
    test_tok = test.map(tokenize, batched=True, remove_columns=columns)

    scratch = output_dir("11") / f"{CLASSIFIER_NAME}.trainer"
    args = TrainingArguments(
        output_dir=str(scratch),
        **recipe.training_kwargs(),
        save_strategy="no",
        eval_strategy="no",
        logging_steps=10,
        report_to="none",
        seed=recipe.seed,
        data_seed=recipe.seed,
        disable_tqdm=not progress,
        use_cpu=not torch.cuda.is_available(),
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_tok,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    result = trainer.train()
    logits = trainer.predict(test_tok).predictions
    shutil.rmtree(scratch, ignore_errors=True)
    predictions = np.asarray(logits).argmax(-1)
    truth = np.asarray(test["label"])
    model.eval()
    info = {
        "trained_by": "helpers.finetuned.build_classifier",
        "test_accuracy": round(float(accuracy_score(truth, predictions)), 4),
        "macro_f1": round(float(f1_score(truth, predictions, average="macro")), 4),
        "n_train": len(train),
        "n_test": len(test),
        "num_epochs": recipe.num_epochs,
        "max_length": recipe.max_length,
        "batch_size": recipe.batch_size,
        "lr": recipe.lr,
        "seed": recipe.seed,
        "train_loss": round(float(result.training_loss), 4),
        "seconds": round(time.time() - start, 1),
    }
    save_classifier(model, tokenizer, info, path)
    return read_info(path) or info


def load_classifier(
    path: Path | None = None, rebuild_if_missing: bool = True, device: str = "cpu", **build_kwargs: Any
) -> tuple[Any, Any, dict[str, Any]]:
    """Load the fine-tuned BBC News classifier (model in eval mode, tokenizer, saved info).

    Looks in ``path`` (default :func:`classifier_dir`, where notebook 11 saves it). When there is no whole
    saved classifier there, rebuilds one with :func:`build_classifier` (``build_kwargs`` are passed on: use a
    smaller ``n_train`` for a quicker, weaker model) and says so, or raises with what to do when
    ``rebuild_if_missing=False``.

    Example (skipped by the doctests: it may train a model first):
        >>> model, tokenizer, info = load_classifier(n_train=200)  # doctest: +SKIP
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = Path(path) if path is not None else classifier_dir()
    if not is_complete(folder):
        if not rebuild_if_missing:
            raise FileNotFoundError(
                f"No fine-tuned classifier in {folder}. Run notebook 11 (section 'Sequence classification') "
                "to train and save it, or call load_classifier() with rebuild_if_missing=True to rebuild a "
                "quick one here."
            )
        print(
            f"No fine-tuned classifier in {folder} (notebook 11 saves one there).\n"
            "Rebuilding it now with the same recipe (helpers.finetuned.build_classifier)..."
        )
        info = build_classifier(folder, **build_kwargs)
        print(
            f"Rebuilt in {info['seconds']:.0f} s: test accuracy {info['test_accuracy']:.3f} "
            f"on {info['n_test']} articles."
        )
    model = AutoModelForSequenceClassification.from_pretrained(folder).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    info = read_info(folder) or {}
    return model, tokenizer, info
