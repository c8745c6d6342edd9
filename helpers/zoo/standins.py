"""Course-trained stand-ins for three Hub models that have no pretrained copy offline.

The offline zoo has a real pretrained encoder (all-MiniLM-L6-v2) and real labelled data, but no pretrained
sentiment classifier, no named-entity tagger and no extractive question-answering model. So that a notebook can write the line learners will write
in their own work::

    sentiment_id = resolve("cardiffnlp/twitter-roberta-base-sentiment-latest")
    classifier = pipeline("text-classification", model=sentiment_id)

and still run offline, this module trains MiniLM briefly on the course data; the registry serves the result
under the Hub id whose task it stands in for:

================================================  ============================  ==============================
Hub id (the model it stands in for)               trained on                    labels
================================================  ============================  ==============================
cardiffnlp/twitter-roberta-base-sentiment-latest  tweets, 3-way sentiment       negative, neutral, positive
                                                  (load_tweet_sentiment)        (the same as the Hub model's)
dslim/bert-base-NER                               WNUT-16 tweets (load_wnut16)  BIO tags of WNUT-16's 10
                                                                                types; the Hub model has
                                                                                CoNLL-2003's PER, ORG, LOC,
                                                                                MISC
distilbert/distilbert-base-cased-distilled-squad  cloze questions made from     start and end of the answer
                                                  BBC paragraphs                span (SQuAD-style)
                                                  (helpers.zoo.cloze_qa)
================================================  ============================  ==============================

They are NOT the Hub models: much smaller, trained for about a minute on 2 CPU cores, and weaker. Every
build measures its quality on the test split and writes the numbers to ``course_standin.json`` in the model
folder; the notice that ``resolve`` prints includes them, for example::

    Offline: cardiffnlp/twitter-roberta-base-sentiment-latest -> ~/.cache/transformers-lab/zoo/...
      (a course-trained stand-in, not the Hub model: all-MiniLM-L6-v2 fine-tuned by the course on tweet
      sentiment for 60 steps (labels as the Hub model's: negative, neutral, positive); test accuracy 0.709
      on 1,000 test tweets (majority-class baseline 0.413), measured at build)

Recipes (deterministic: fixed seeds, fixed data order; each about a minute on 2 CPU cores):

- sentiment: the embeddings and the bottom 4 of the 6 layers frozen (no backward pass through them: a step
  costs about half of full fine-tuning); the top 2 layers and the new classification head trained with
  AdamW (learning rates 5e-4 and 2e-3, chosen on the validation split), linear warm-up then decay,
  60 steps of 32 tweets, ``max_length`` 64.
- NER: the whole encoder frozen; its token vectors for the training tweets computed once, and the new
  token-classification head trained on them for several epochs, with the loss of the frequent "O" tag
  down-weighted (most tokens are not entities; without it the head learns to answer "O" everywhere).
- QA: no QA data set ships offline, so ``helpers.zoo.cloze_qa`` makes training questions from the BBC
  paragraphs (a span that looks like an answer, replaced by a question word); the embeddings and the bottom
  layers frozen, the rest and the new span head trained; tested on questions people wrote
  (``data/qa_contexts.json``, and ``data/rag_questions.jsonl`` with each question's gold paragraph; the
  articles of those questions are kept out of training), next to the same model with an untrained head.

Notebook 11 fine-tunes models like these properly. Their entries (ids, notices, builders) are in
``helpers.zoo.registry``; ``python -m helpers.zoo prepare`` builds them with the three builders here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from helpers import data
from helpers.metrics import squad_scores
from helpers.training import align_labels, load_quietly, with_new_head
from helpers.zoo.registry import MINILM_ID, NER_ID, QA_ID, SENTIMENT_ID, STANDIN_INFO_FILE, local_path

SEED = 0
BATCH_SIZE = 32
MAX_LENGTH = 64
SENTIMENT_FROZEN_LAYERS = 4  # the embeddings and the bottom 4 of MiniLM's 6 layers stay as pretrained
SENTIMENT_STEPS = 60
SENTIMENT_LR = 5e-4  # the 2 trained layers; lrs chosen on the validation split
SENTIMENT_HEAD_LR = 2e-3  # the new head (pooler + classifier) learns faster
SENTIMENT_N_TEST = 1000  # the first 1,000 tweets of the (shuffled, stratified) test split: ~10 s to score
NER_EPOCHS = 60
NER_HEAD_BATCH = 1024  # tokens per step when training the head on cached token vectors
NER_LR = 3e-3  # epochs, lr and the O weight were chosen on the validation split
NER_O_WEIGHT = 0.5  # weight of the "O" tag in the loss (entity tags: 1)
QA_STEPS = 60  # 60 x 16 cloze questions: ~1 min on 2 cores (200 steps at 1e-4: 0.70 exact match in 4.6 min)
QA_BATCH_SIZE = 16
QA_LR = 4e-4
QA_FROZEN_LAYERS = 2  # the embeddings and the bottom 2 layers (4 frozen: 0.35 exact match at 80 steps)
QA_MAX_LENGTH = 128  # question + paragraph; an answer cut off by truncation is not trained on


# ---------------------------------------------------------------------------------------------- shared


def _base_model(model_class: Any, labels: list[str]) -> tuple[Any, Any]:
    """MiniLM's tokenizer, and MiniLM with a new, seeded head for ``labels``."""
    from transformers import AutoTokenizer

    src = local_path(MINILM_ID)  # the offline copy, online or not: a build must not depend on the network
    return AutoTokenizer.from_pretrained(src), with_new_head(model_class, str(src), labels, seed=SEED)


def _encode(tokenizer: Any, texts: list, **kwargs: Any) -> Any:
    """A padded batch of tensors, every text cut to ``MAX_LENGTH`` tokens."""
    return tokenizer(
        texts, truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt", **kwargs
    )


def _shuffled(n: int, seed: int = SEED) -> Iterator[int]:
    """Indices 0..n-1 in a seeded random order, epoch after epoch (endless)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from torch.randperm(n, generator=generator).tolist()


def _linear_schedule(optimizer: Any, steps: int) -> Any:
    """10% linear warm-up, then linear decay to 0."""
    import torch

    warmup = max(1, steps // 10)
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
    )


def _save(dst: Path, model: Any, tokenizer: Any, info: dict[str, Any]) -> None:
    """The model (safetensors), its tokenizer, and the measured numbers in ``course_standin.json``."""
    import torch
    import transformers

    model.save_pretrained(dst)
    tokenizer.save_pretrained(dst)
    versions = {"torch": torch.__version__, "transformers": transformers.__version__}
    info = {"base_model": MINILM_ID, "seed": SEED, "max_length": MAX_LENGTH, **versions, **info}
    (dst / STANDIN_INFO_FILE).write_text(json.dumps(info, indent=1) + "\n")


# ---------------------------------------------------------------------------------------------- sentiment


def build_sentiment(dst: Path, steps: int = SENTIMENT_STEPS, n_test: int = SENTIMENT_N_TEST) -> None:
    """Fine-tune MiniLM's top layers on 3-way tweet sentiment; save a ``text-classification`` folder in
    ``dst``.

    Example (skipped by the doctests: a build takes about a minute):
        >>> build_sentiment(Path("/tmp/sentiment"), steps=2, n_test=32)  # doctest: +SKIP
    """
    import torch
    from transformers import AutoModelForSequenceClassification

    start = time.time()
    tweets = data.load_tweet_sentiment()
    tokenizer, model = _base_model(AutoModelForSequenceClassification, data.SENTIMENT_LABELS)
    for module in [model.bert.embeddings, *model.bert.encoder.layer[:SENTIMENT_FROZEN_LAYERS]]:
        module.requires_grad_(False)
    texts, labels = tweets["train"]["text"], tweets["train"]["label"]
    order = _shuffled(len(texts))

    head = [*model.bert.pooler.parameters(), *model.classifier.parameters()]
    body = [p for p in model.bert.encoder.parameters() if p.requires_grad]
    groups = [{"params": body, "lr": SENTIMENT_LR}, {"params": head, "lr": SENTIMENT_HEAD_LR}]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    schedule = _linear_schedule(optimizer, steps)
    model.train()
    losses = []
    for _ in range(steps):
        ids = [next(order) for _ in range(BATCH_SIZE)]
        inputs = _encode(tokenizer, [texts[i] for i in ids])
        loss = model(**inputs, labels=torch.tensor([labels[i] for i in ids])).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    model.eval()
    model.requires_grad_(True)

    test = tweets["test"].select(range(min(n_test, len(tweets["test"]))))
    predictions = _predict_texts(model, tokenizer, test["text"])
    accuracy = sum(int(p == y) for p, y in zip(predictions, test["label"], strict=True)) / len(test)
    majority = max(set(labels), key=labels.count)  # the most frequent class in training
    baseline = sum(int(y == majority) for y in test["label"]) / len(test)
    quality = (
        f"test accuracy {accuracy:.3f} on {len(test):,} test tweets "
        f"(majority-class baseline {baseline:.3f}), measured at build"
    )
    info = {
        "hub_id": SENTIMENT_ID,
        "task": "text-classification",
        "data": "helpers.data.load_tweet_sentiment",
        "metric": "accuracy",
        "value": accuracy,
        "baseline": baseline,
        "baseline_name": "majority class",
        "quality": quality,
        "n_train": steps * BATCH_SIZE,
        "n_test": len(test),
        "steps": steps,
        "batch_size": BATCH_SIZE,
        "lr": SENTIMENT_LR,
        "head_lr": SENTIMENT_HEAD_LR,
        "frozen_layers": SENTIMENT_FROZEN_LAYERS,
        "first_loss": round(losses[0], 4),
        "last_loss": round(losses[-1], 4),
        "seconds": round(time.time() - start, 1),
    }
    _save(dst, model, tokenizer, info)


def _predict_texts(model: Any, tokenizer: Any, texts: list[str], batch_size: int = 128) -> list[int]:
    """Predicted class ids, batching texts of similar length together (less padding)."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    predictions = [0] * len(texts)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            ids = order[start : start + batch_size]
            inputs = _encode(tokenizer, [texts[i] for i in ids])
            for i, p in zip(ids, model(**inputs).logits.argmax(-1).tolist(), strict=True):
                predictions[i] = p
    return predictions


# ---------------------------------------------------------------------------------------------- NER


def _word_vectors(
    model: Any, tokenizer: Any, words: list[list[str]], tags: list[list[int]]
) -> tuple[Any, Any]:
    """The frozen encoder's vector for the first token of every word, and the word's tag (all tweets)."""
    import torch

    vectors, targets = [], []
    with torch.inference_mode():
        for s in range(0, len(words), 64):
            inputs = _encode(tokenizer, words[s : s + 64], is_split_into_words=True)
            batch_tags = tags[s : s + 64]
            labels = torch.tensor([align_labels(inputs.word_ids(i), t) for i, t in enumerate(batch_tags)])
            hidden = model.base_model(**inputs).last_hidden_state
            keep = labels != -100
            vectors.append(hidden[keep])
            targets.append(labels[keep])
    return torch.cat(vectors), torch.cat(targets)


def build_ner(dst: Path, epochs: int = NER_EPOCHS) -> None:
    """Train a token-classification head on frozen MiniLM for WNUT-16 NER; save the model folder in
    ``dst``.

    Example (skipped by the doctests: a build takes about a minute):
        >>> build_ner(Path("/tmp/ner"), epochs=1)  # doctest: +SKIP
    """
    import torch
    from seqeval.metrics import f1_score, precision_score, recall_score
    from transformers import AutoModelForTokenClassification

    start = time.time()
    wnut = data.load_wnut16()
    names = wnut["train"].features["ner_tags"].feature.names
    tokenizer, model = _base_model(AutoModelForTokenClassification, names)
    model.eval()  # the encoder is only run forward; dropout off
    vectors, targets = _word_vectors(model, tokenizer, wnut["train"]["tokens"], wnut["train"]["ner_tags"])

    head = model.classifier
    weight = torch.ones(len(names))
    weight[names.index("O")] = NER_O_WEIGHT
    optimizer = torch.optim.AdamW(head.parameters(), lr=NER_LR, weight_decay=0.01)
    generator = torch.Generator().manual_seed(SEED)
    steps = 0
    for _ in range(epochs):
        order = torch.randperm(len(vectors), generator=generator)
        for s in range(0, len(order), NER_HEAD_BATCH):
            ids = order[s : s + NER_HEAD_BATCH]
            loss = torch.nn.functional.cross_entropy(head(vectors[ids]), targets[ids], weight=weight)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            steps += 1

    # Word-level predictions (each word's first token) of the whole model on the test split, with seqeval.
    test_words, test_tags = wnut["test"]["tokens"], wnut["test"]["ner_tags"]
    y_true, y_pred = [], []
    with torch.inference_mode():
        for s in range(0, len(test_words), 64):
            inputs = _encode(tokenizer, test_words[s : s + 64], is_split_into_words=True)
            predicted = model(**inputs).logits.argmax(-1)
            for k in range(len(predicted)):
                first = [
                    j
                    for j, lab in enumerate(align_labels(inputs.word_ids(k), test_tags[s + k]))
                    if lab != -100
                ]
                tags = [names[i] for i in predicted[k, first].tolist()]
                n_words = len(test_words[s + k])
                y_pred.append(tags + ["O"] * (n_words - len(tags)))  # words cut off by truncation: "O"
                y_true.append([names[i] for i in test_tags[s + k]])
    f1, precision, recall = (
        f1_score(y_true, y_pred),
        precision_score(y_true, y_pred),
        recall_score(y_true, y_pred),
    )
    quality = (
        f"test entity F1 {f1:.3f} (seqeval; precision {precision:.3f}, recall {recall:.3f}) on "
        f"{len(y_true)} test tweets, measured at build"
    )
    info = {
        "hub_id": NER_ID,
        "task": "token-classification",
        "data": "helpers.data.load_wnut16",
        "metric": "entity_f1",
        "value": f1,
        "precision": precision,
        "recall": recall,
        "baseline": 0.0,
        "baseline_name": "all-O tagger (finds no entity)",
        "quality": quality,
        "n_train": len(wnut["train"]),
        "n_train_words": len(targets),
        "n_test": len(y_true),
        "steps": steps,
        "epochs": epochs,
        "batch_size": NER_HEAD_BATCH,
        "lr": NER_LR,
        "o_weight": NER_O_WEIGHT,
        "frozen_layers": len(model.base_model.encoder.layer),
        "last_loss": round(loss.item(), 4),
        "seconds": round(time.time() - start, 1),
    }
    _save(dst, model, tokenizer, info)


# ---------------------------------------------------------------------------------------------- extractive QA


def _qa_features(tokenizer: Any, pairs: list, max_length: int) -> tuple[Any, Any, Any]:
    """A padded batch of (question, context) pairs, and the answer's first and last token in each.

    An answer cut off by truncation gets the label -100 (ignored by the loss).
    """
    import torch

    enc = tokenizer(
        [p.question for p in pairs],
        [p.context for p in pairs],
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    starts, ends = [], []
    for row, pair in enumerate(pairs):
        first, last = pair.start, pair.start + len(pair.answer)
        in_context = [i for i, s in enumerate(enc.sequence_ids(row)) if s == 1]
        offsets = enc["offset_mapping"][row].tolist()
        start = next((i for i in in_context if offsets[i][0] <= first < offsets[i][1]), None)
        end = next((i for i in in_context if offsets[i][0] < last <= offsets[i][1]), None)
        ok = start is not None and end is not None
        starts.append(start if ok else -100)
        ends.append(end if ok else -100)
    enc.pop("offset_mapping")
    return enc, torch.tensor(starts), torch.tensor(ends)


def answer_span(model: Any, tokenizer: Any, question: str, context: str, max_answer_len: int = 15) -> str:
    """The best valid answer span (both ends in the context, start <= end, at most ``max_answer_len`` tokens).

    The decoder notebook 05 builds step by step, in one function, for the build's own measurement.
    """
    import torch

    enc = tokenizer(
        question,
        context,
        truncation="only_second",
        max_length=384,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    offsets = enc.pop("offset_mapping")[0].tolist()
    in_context = torch.tensor([s == 1 for s in enc.sequence_ids(0)])
    with torch.inference_mode():
        out = model(**enc)
    n = len(offsets)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    valid = (i <= j) & (j - i < max_answer_len) & in_context[:, None] & in_context[None, :]
    scores = (out.start_logits[0][:, None] + out.end_logits[0][None, :]).masked_fill(~valid, float("-inf"))
    start, end = divmod(int(scores.argmax()), n)
    return context[offsets[start][0] : offsets[end][1]]


def qa_test_set(articles: list | None = None) -> list[dict[str, Any]]:
    """Questions people wrote, each with its context and accepted answers: ``data/qa_contexts.json`` (written
    for notebook 12) and the questions of ``data/rag_questions.jsonl``, each with the paragraph of its article
    that holds the answer (notebook 20's gold paragraph), found in ``articles`` (``load_articles()`` if None)."""
    from helpers.paths import data_path
    from helpers.rag import contains, load_articles, load_rag_questions

    items = json.loads(data_path("qa_contexts.json").read_text(encoding="utf-8"))["items"]
    tests = [
        {"question": q["question"], "context": q["context"], "answers": q["answers"], "source": "qa_contexts"}
        for q in items
    ]
    by_headline = {a.headline: a for a in (load_articles() if articles is None else articles)}
    for q in load_rag_questions():
        answers = [q["answer"], *q["aliases"]]
        gold = next(p for p in by_headline[q["headline"]].passages if any(contains(p, a) for a in answers))
        tests.append(
            {"question": q["question"], "context": gold, "answers": answers, "source": "rag_questions"}
        )
    return tests


def build_qa(
    dst: Path,
    steps: int = QA_STEPS,
    batch_size: int = QA_BATCH_SIZE,
    lr: float = QA_LR,
    frozen_layers: int = QA_FROZEN_LAYERS,
    max_length: int = QA_MAX_LENGTH,
) -> dict[str, Any]:
    """Fine-tune MiniLM for extractive QA on cloze questions made from the BBC articles; save a
    question-answering folder in ``dst`` and return what the build measured.

    Example (skipped by the doctests: a build takes about a minute):
        >>> build_qa(Path("/tmp/qa"), steps=2)  # doctest: +SKIP
    """
    import random

    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from helpers.rag import load_articles, load_rag_questions
    from helpers.zoo.cloze_qa import cloze_pairs

    start = time.time()
    held_out = {
        q["headline"] for q in load_rag_questions()
    }  # their articles are test material: not trained on
    articles = load_articles()  # read once: the training paragraphs, and the test questions' gold paragraphs
    paragraphs = [p for a in articles if a.headline not in held_out for p in a.passages]
    pairs = cloze_pairs(paragraphs, seed=SEED)
    rng = random.Random(SEED)
    names = [p for p in pairs if p.kind == "name"]
    others = [p for p in pairs if p.kind != "name"]
    rng.shuffle(names)
    pairs = (
        others + names[: len(others)]
    )  # names are the most frequent kind by far: at most half of the questions
    rng.shuffle(pairs)

    src = local_path(MINILM_ID)
    tokenizer = AutoTokenizer.from_pretrained(src)
    model = load_quietly(AutoModelForQuestionAnswering, str(src), seed=SEED)  # qa_outputs: new, seeded
    tests = qa_test_set(articles)

    def evaluate() -> tuple[float, float]:
        model.eval()
        scores = [
            squad_scores(answer_span(model, tokenizer, t["question"], t["context"]), t["answers"])
            for t in tests
        ]
        return sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores)

    baseline_exact, baseline_f1 = evaluate()  # the new head, untrained: what the training below buys
    for module in [model.bert.embeddings, *model.bert.encoder.layer[:frozen_layers]]:
        module.requires_grad_(False)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01
    )
    schedule = _linear_schedule(optimizer, steps)
    model.train()
    losses = []
    for step in range(steps):
        batch = [pairs[(step * batch_size + k) % len(pairs)] for k in range(batch_size)]
        inputs, starts, ends = _qa_features(tokenizer, batch, max_length)
        loss = model(**inputs, start_positions=starts, end_positions=ends).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    model.requires_grad_(True)
    exact, f1 = evaluate()
    quality = (
        f"exact match {exact:.3f}, token F1 {f1:.3f} on {len(tests)} questions written by people (SQuAD scoring; "
        f"the untrained head: {baseline_exact:.3f}, {baseline_f1:.3f}), measured at build"
    )
    info = {
        "hub_id": QA_ID,
        "task": "question-answering",
        "data": "helpers.zoo.cloze_qa.cloze_pairs over the BBC paragraphs",
        "metric": "exact_match",
        "value": exact,
        "f1": f1,
        "baseline": baseline_exact,
        "baseline_f1": baseline_f1,
        "baseline_name": "MiniLM with an untrained QA head",
        "quality": quality,
        "n_train": min(steps * batch_size, len(pairs)),
        "n_pairs": len(pairs),
        "n_test": len(tests),
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "frozen_layers": frozen_layers,
        "max_length": max_length,
        "first_loss": round(losses[0], 4),
        "last_loss": round(sum(losses[-20:]) / len(losses[-20:]), 4),
        "seconds": round(time.time() - start, 1),
    }
    _save(dst, model, tokenizer, info)
    return info
