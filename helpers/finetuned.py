"""The course's fine-tuned topic classifier: saved by notebook 11, used by later notebooks (12, 18).

Notebook 11 fine-tunes all-MiniLM-L6-v2 on BBC News topics and saves it with :func:`save_classifier`. Later
notebooks call :func:`load_classifier`, which loads that folder, or, when notebook 11 has not been run on
this machine (a fresh Colab session, a classroom laptop), first rebuilds a classifier with the same recipe
at a size you choose and says so::

    from helpers.finetuned import load_classifier
    model, tokenizer, info = load_classifier()
    print(info["test_accuracy"], info["trained_by"])

The folder is ``output_dir("11") / "bbc-news-minilm"`` (``$LAB_OUTPUT_DIR/11/...`` when that is set): a normal
``save_pretrained`` folder (safetensors weights, config with the topic names as ``id2label``, tokenizer) plus
``course_finetuned.json`` with what was measured when it was trained (test accuracy, macro F1, sizes, time).
A folder is only ever replaced whole: a build writes to a temporary folder and renames it at the end, so an
interrupted run never leaves a half-written model that later notebooks would load.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from helpers.paths import output_dir

BASE_ID = "sentence-transformers/all-MiniLM-L6-v2"
CLASSIFIER_NAME = "bbc-news-minilm"
INFO_FILE = "course_finetuned.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", INFO_FILE)


def classifier_dir() -> Path:
    """Where notebook 11 saves the fine-tuned BBC News classifier and later notebooks look for it."""
    return output_dir("11") / CLASSIFIER_NAME


def is_complete(path: Path | None = None) -> bool:
    """True when ``path`` (default :func:`classifier_dir`) holds a whole saved classifier."""
    path = Path(path) if path is not None else classifier_dir()
    return all((path / name).is_file() for name in REQUIRED_FILES)


def read_info(path: Path | None = None) -> dict[str, Any] | None:
    """The numbers saved with the classifier (``course_finetuned.json``), or None when there is none."""
    path = Path(path) if path is not None else classifier_dir()
    try:
        return json.loads((path / INFO_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def save_classifier(model: Any, tokenizer: Any, info: dict[str, Any], path: Path | None = None) -> Path:
    """Save ``model`` and ``tokenizer`` (safetensors) and ``info`` as one folder, replacing any older one whole.

    ``info`` should say how the model was trained and what it measured: at least ``test_accuracy``; notebook 11
    adds ``macro_f1``, sizes and ``trained_by``. Returns the folder.

    Example:
        >>> save_classifier(model, tokenizer, {"test_accuracy": 0.97, "trained_by": "notebook 11"})  # doctest: +SKIP
    """
    import torch
    import transformers

    if "test_accuracy" not in info:
        raise ValueError("info must include 'test_accuracy' (measured on the test split) so later notebooks "
                         "can say how good the saved model is")  # fmt: skip
    dst = Path(path) if path is not None else classifier_dir()
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)  # safetensors is the default (and the only format this course loads)
    tokenizer.save_pretrained(tmp)
    full = {**info, "base_model": BASE_ID, "labels": [model.config.id2label[i] for i in range(model.config.num_labels)],
            "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "torch": torch.__version__, "transformers": transformers.__version__}  # fmt: skip
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
    n_train: int | None = 480,
    num_epochs: float = 2,
    max_length: int = 64,
    batch_size: int = 16,
    lr: float = 1e-4,
    seed: int = 0,
    n_test: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune all-MiniLM-L6-v2 on BBC News topics with the Trainer, measure it on the test split, save it.

    The same recipe as notebook 11's classification section (all layers trained, AdamW, linear decay), at a
    size that takes one to two minutes on 2 CPU cores with the defaults (test accuracy about 0.95) (``n_train=None``: the whole training
    split; ``n_test=None``: the whole test split). Returns the saved info.

    Example:
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
    from transformers.utils import logging

    from helpers import data
    from helpers.zoo import resolve

    start = time.time()
    news = data.load_bbc_news()
    labels = news["train"].features["label"].names
    train = (
        news["train"] if n_train is None else news["train"].select(range(min(n_train, len(news["train"]))))
    )
    test = news["test"] if n_test is None else news["test"].select(range(min(n_test, len(news["test"]))))

    source = resolve(BASE_ID)
    tokenizer = AutoTokenizer.from_pretrained(source)
    torch.manual_seed(seed)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # the load report would only say that the classification head is new
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            source, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)},
        )  # fmt: skip
    finally:
        logging.set_verbosity(verbosity)

    def tokenize(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    columns = ["text", "id"] if "id" in train.column_names else ["text"]
    train_tok = train.map(tokenize, batched=True, remove_columns=columns)
    test_tok = test.map(tokenize, batched=True, remove_columns=columns)

    scratch = output_dir("11") / f"{CLASSIFIER_NAME}.trainer"
    args = TrainingArguments(
        output_dir=str(scratch),
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=64,
        num_train_epochs=num_epochs,
        learning_rate=lr,
        lr_scheduler_type="linear",
        warmup_steps=0.1,
        weight_decay=0.01,
        save_strategy="no",
        eval_strategy="no",
        logging_steps=10,
        report_to="none",
        seed=seed,
        data_seed=seed,
        disable_tqdm=not progress,
        use_cpu=not torch.cuda.is_available(),
    )  # warmup_steps < 1 is a ratio of the steps in v5 (warmup_ratio is gone)
    trainer = Trainer(model=model, args=args, train_dataset=train_tok,
                      data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer)  # fmt: skip
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
        "n_train": len(train), "n_test": len(test), "num_epochs": num_epochs, "max_length": max_length,
        "batch_size": batch_size, "lr": lr, "seed": seed, "train_loss": round(float(result.training_loss), 4),
        "seconds": round(time.time() - start, 1),
    }  # fmt: skip
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

    Example:
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
        print(f"No fine-tuned classifier in {folder} (notebook 11 saves one there).\n"
              "Rebuilding it now with the same recipe (helpers.finetuned.build_classifier)...")  # fmt: skip
        info = build_classifier(folder, **build_kwargs)
        print(f"Rebuilt in {info['seconds']:.0f} s: test accuracy {info['test_accuracy']:.3f} "
              f"on {info['n_test']} articles.")  # fmt: skip
    model = AutoModelForSequenceClassification.from_pretrained(folder).to(device).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    info = read_info(folder) or {}
    return model, tokenizer, info
