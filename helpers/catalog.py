"""The twenty notebooks of the lab book: one list that the README table, the notebook headers and the
format tests are all generated from, so titles and links never drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The public repository the Colab / Kaggle badges point at, and that the notebooks' setup cell clones there.
# Change it here (and run `python -m helpers.notebook_tools sync`) if you fork the course. Without a change,
# the environment variables LAB_REPO (any git URL or path: a fork, a mirror) and LAB_BRANCH override them at
# run time, in the setup cell.
GITHUB_REPO = "transformers-lab/transformers-lab"
BRANCH = "main"
REPO_ENV, BRANCH_ENV = "LAB_REPO", "LAB_BRANCH"
TIMINGS_FILE = Path(__file__).with_name("timings.json")


@dataclass(frozen=True)
class Entry:
    """One notebook of the course."""

    id: str
    slug: str
    title: str
    level: str  # beginner | intermediate | advanced
    summary: str
    objectives: tuple[str, ...] = field(default_factory=tuple)
    prerequisites: str = ""

    @property
    def filename(self) -> str:
        return f"{self.id}_{self.slug}.ipynb"

    @property
    def repo_path(self) -> str:
        return f"notebooks/{self.filename}"


def _e(id_: str, slug: str, title: str, level: str, summary: str, objectives=(), prerequisites="") -> Entry:
    return Entry(id_, slug, title, level, summary, tuple(objectives), prerequisites)


CATALOG: list[Entry] = [
    _e("01", "attention_from_scratch", "Attention from scratch", "beginner",
       "Scaled dot-product attention, masks, multi-head attention and positional encodings written in "
       "PyTorch, then checked against PyTorch's kernel and a real pretrained model.",
       ["Explain why attention replaced recurrence (the bottleneck, and parallelism, measured)",
        "Write scaled dot-product attention, padding and causal masks, and multi-head attention from scratch",
        "Add positional information (sinusoidal encodings; what rotary embeddings change)",
        "Assemble an encoder block, and tell encoder-only, decoder-only and encoder-decoder models apart by their masks",
        "Prove it: your attention matches PyTorch's and recomputes a real model's attention to within 1e-5"],
       "Python and a little PyTorch (tensors, matrix multiplication). No transformers experience needed."),
    _e("02", "ecosystem_tour", "The Hugging Face ecosystem in one sitting", "beginner",
       "One small real step with each library: transformers, tokenizers, datasets, the Hub (and offline "
       "mode), accelerate, peft and evaluate.",
       ["Know what each library of the ecosystem is for and how they fit together",
        "Find your way around the Hub: model ids, a repository's files, the cache, and what offline mode does",
        "Load real data with datasets, tokenize it, and embed it with a pretrained model",
        "Train a tiny classifier head with accelerate, measure it with evaluate, and add LoRA adapters with peft",
        "Know which later notebook goes deeper on each library"],
       "Python and a little PyTorch (tensors, nn.Linear). Notebook 01 helps but is not required."),
    _e("03", "lab_environment", "Your lab: hardware, installs, caches, offline work", "beginner",
       "Installing the stack, checking the accelerator, the Hugging Face cache, offline mode, "
       "reproducibility, and a model's memory estimated and measured.",
       ["Install the pinned stack with pip or conda, and on Colab and Kaggle (including Kaggle with the Internet off)",
        "Find out which accelerator you have (CUDA, MPS or CPU) and write code that runs on any of them",
        "Read, inspect and clean the Hugging Face cache (blobs, snapshots, refs) with huggingface_hub and `hf cache`",
        "Work offline with HF_HUB_OFFLINE and the course's offline zoo, and read the errors it gives",
        "Make runs repeatable: seeds, determinism flags, and a saved environment report",
        "Estimate a model's memory from its parameter count and dtype, and check the estimate against a measurement"],
       "Python basics. Notebooks 01 and 02 help but are not required."),
    _e("04", "pretrained_models_auto_classes", "Pretrained models and the Auto classes", "beginner",
       "from_pretrained for an encoder and a decoder, configs, heads, outputs, dtypes, saving and reloading, "
       "and sentence embeddings by hand.",
       ["Load an encoder and a decoder with AutoConfig, AutoTokenizer, AutoModel and AutoModelFor* classes",
        "Explain what a head is, which weights a head adds, and read the loading report of new weights",
        "Read model outputs (last_hidden_state, hidden_states, attentions, logits) and explain their shapes",
        "Choose dtype and device (dtype=, .to(device), bf16) and measure what they change",
        "Save with save_pretrained, reload, and prove the reloaded model is identical",
        "Compute sentence embeddings by masked mean pooling, match sentence-transformers, and measure similarity"],
       "Python and a little PyTorch. Notebook 02 (the ecosystem tour) helps; notebook 01 is not required."),
    _e("05", "pipelines", "Pipelines, and what replaced the removed ones", "beginner",
       "pipeline() for classification, NER, embeddings, generation, chat and speech; the transformers 5 way "
       "for summarisation, translation and question answering.",
       ["Run pipeline() for text classification, named entities, embeddings, text generation and speech recognition, and read its output",
        "Open the box: reproduce a pipeline's numbers with the tokenizer, the model and a softmax",
        "Steer generation with the decoding knobs (greedy, sampling, temperature, top-k, top-p, repetition penalty), seeded",
        "Talk to a chat model through its chat template",
        "Do what the removed summarization, translation, question-answering and conversational pipelines did, the transformers 5 way, including your own answer-span decoder",
        "Batch pipelines and place them on a device, and measure what batching buys"],
       "Notebook 02 (or: you have loaded a model with from_pretrained before). Python and a little PyTorch."),
    _e("06", "tokenizers", "Tokenizers: from text to ids and back", "beginner",
       "WordPiece, byte-level BPE and Unigram side by side; special tokens, padding, truncation, offsets, "
       "and speed.",
       ["Explain why models read subwords, and what WordPiece, byte-level BPE and Unigram each do",
        "Train a small Unigram tokenizer on real news text and compare it with two pretrained ones, in many languages",
        "Find where encode/decode round trips lose information, and why byte-level BPE never does",
        "Give each model the special tokens and chat template it expects, and read attention masks",
        "Choose padding and truncation strategies by their measured cost, and split long documents with stride",
        "Align word labels to subword tokens for NER with offsets, word_ids and -100",
        "Measure why fast (Rust) tokenizers and batched calls matter"],
       "Python. Notebook 02 (the ecosystem tour) helps; no model training needed."),
    _e("07", "datasets", "Datasets: loading, transforming, streaming", "intermediate",
       "Local and Hub data, features, map/filter, caching, memory mapping, streaming and saving.",
       ["Load data sets from the Hub and from local CSV, JSON Lines, Parquet and text files, with their splits",
        "Read and fix a data set's schema: features, ClassLabel (int2str, str2int), cast_column",
        "Transform with map (per example, batched, num_proc; speed measured), filter, select, shuffle, and "
        "split with stratification",
        "Hand rows to PyTorch, NumPy or pandas with formats, and know when a transform is cached (fingerprints)",
        "Work with data larger than memory: Arrow memory mapping measured, and streaming with IterableDataset",
        "Build data sets from Python objects, save them (Arrow, Parquet) and describe them with a dataset card"],
       "Python, and a little pandas. Notebook 02 (the ecosystem tour) helps; no model or GPU needed."),
    _e("08", "preprocessing_batching", "Preprocessing and batching", "intermediate",
       "Tokenizing data sets, the data collators, and the cost of padding measured.",
       ["Tokenize a whole data set with Dataset.map(batched=True), and choose truncation and padding there",
        "Pad each batch to its own longest example with DataCollatorWithPadding (dynamic padding)",
        "Align word labels to subword tokens for NER and pad them with -100 (DataCollatorForTokenClassification)",
        "Build causal and masked language-modelling batches with DataCollatorForLanguageModeling, and measure "
        "the 80/10/10 masking rule",
        "Batch seq2seq data with text_target= and DataCollatorForSeq2Seq, decoder inputs included",
        "Measure what padding to max length, dynamic padding and length-grouped batches cost in wasted tokens "
        "and in time"],
       "Notebook 06 (tokenizers: padding, attention masks, word_ids). Notebook 07 (datasets) helps."),
    _e("09", "architectures_configs", "Architectures and configs", "intermediate",
       "Encoder, decoder and encoder-decoder models built from configs; where the parameters live.",
       ["Tell encoder-only, decoder-only and encoder-decoder models apart, and prove which tokens each one sees",
        "Build BERT-base, GPT-2 small, T5-small and a Llama-style model from their configs alone, on the meta "
        "device, and match their published parameter counts",
        "Count a model's parameters by formula from its config, and show where they live (embeddings, "
        "attention, MLP, norms, head)",
        "Predict and measure what changing layers, hidden size, heads or vocabulary does to size and speed",
        "Choose a model class for a task, and count what each head adds (tied embeddings included)",
        "Load pretrained weights into a modified config (fewer layers, another hidden size or vocabulary), "
        "read the load report, and know what breaks"],
       "Notebook 04 (pretrained models, Auto classes, heads). Notebook 01 (attention, masks) helps."),
    _e("10", "trainer", "The Trainer", "intermediate",
       "TrainingArguments, metrics, checkpoints and resuming, schedules, callbacks, custom losses.",
       ["Configure TrainingArguments with the transformers 5 names, and train with Trainer, compute_metrics, and "
        "evaluation and logging every N steps",
        "Read trainer.state.log_history and plot training curves and the learning rate actually used",
        "Hook into the training loop with callbacks, and stop early on the best checkpoint with EarlyStoppingCallback",
        "Save checkpoints and resume from one, and prove that the resumed run continues exactly where it stopped",
        "Choose a learning-rate schedule (linear, cosine, warmup, ...) by looking at it",
        "Use gradient accumulation, and catch the transformers 5 trap that silently doubles its loss",
        "Write a custom loss by subclassing Trainer (class weights for imbalanced data) that handles num_items_in_batch",
        "Search hyperparameters with optuna in a tiny budget"],
       "Notebook 08 (tokenized data sets, data collators) and notebook 04 (AutoModelFor* classes and heads). "
       "A little PyTorch: loss.backward() and an optimizer step."),
    _e("11", "fine_tuning", "Fine-tuning four ways", "intermediate",
       "Sequence classification, token classification, causal LM and seq2seq on real data.",
       ["Fine-tune a pretrained encoder for text classification (BBC News topics) with the Trainer, and save it "
        "for later notebooks",
        "Fine-tune it for named entities (WNUT-16) with aligned labels, and score it with entity-level F1 (seqeval)",
        "Continue training a causal language model (SmolLM2) on a domain corpus, and measure perplexity before and after",
        "Train a small T5 from a config on a seq2seq task, and watch exact match climb as it learns",
        "Judge every result against a simple baseline (majority class, TF-IDF + logistic regression, memorised "
        "tags, a date parser) to see what transfer learning buys"],
       "Notebook 08 (tokenized data sets, data collators, label alignment). Notebook 10 (the Trainer) helps; "
       "here it is used plainly."),
    _e("12", "evaluation", "Evaluation and inference", "intermediate",
       "Metrics by task, the evaluate library offline, error analysis, calibration, bootstrap intervals.",
       ["Run batched inference with a DataLoader, and prove that a saved and reloaded model predicts exactly the same",
        "Compute accuracy, precision, recall and F1 by hand and with scikit-learn, and choose macro, weighted or micro averaging",
        "Read a confusion matrix, ROC curves and AUC, and a reliability diagram; measure calibration (ECE) and fix it with a temperature",
        "Find a model's worst mistakes by loss and its weak slices, and put bootstrap confidence intervals on every number",
        "Score entities with seqeval, language models by perplexity (sliding window), and generated text with exact match, token F1, BLEU, chrF and ROUGE",
        "Use the evaluate library offline: load local metric modules, write your own, combine them, and feed a Trainer's compute_metrics"],
       "Notebook 11 (its fine-tuned BBC News classifier; rebuilt in a minute if missing) or notebook 10 (the Trainer). "
       "Notebook 05 (pipelines, chat models) helps."),
    _e("13", "accelerate_distributed", "Accelerate and distributed training", "advanced",
       "One training loop from one process to several: accelerate, data parallelism with real processes, "
       "mixed precision, where training memory goes, big-model inference, and sharding with FSDP and DeepSpeed.",
       ["Turn a plain PyTorch training loop into an accelerate loop (prepare, backward, accumulate, "
        "gather_for_metrics, save_state/load_state), and launch it from a notebook with notebook_launcher",
        "Train with data parallelism in two real processes (torchrun, accelerate launch) and prove it: each "
        "process sees its own shard, the weights are identical everywhere, the result equals one process with "
        "the doubled batch",
        "Measure what a DDP step spends on communication, and catch the launch settings that silently start "
        "one process, or unconnected copies",
        "Train in bf16 mixed precision, measuring the dtypes inside the forward pass, the speed and the loss; "
        "know why fp16 needs a gradient scaler, and what asking for it on a CPU does",
        "Account for training memory (weights, gradients, optimizer states, activations): estimate it, measure "
        "it, and trade time for memory with activation checkpointing",
        "Run a model in less memory than it needs with device_map=\"auto\" and offloading; shard training with "
        "FSDP2 for real, and write the FSDP and DeepSpeed ZeRO configs for one machine or several"],
       "Notebook 10 (the Trainer: gradient accumulation, checkpoints) or notebook 11 (fine-tuning a classifier), "
       "and a PyTorch training loop you could write yourself. Notebook 03 (a model's memory) helps."),
    _e("14", "training_tokenizers", "Training your own tokenizer", "advanced",
       "BPE, WordPiece and Unigram trained from scratch on tweets and news, a pretrained tokenizer adapted to a "
       "new domain and extended with new tokens, and a tiny language model that shows what it buys.",
       ["Build a tokenizer stage by stage with the tokenizers library (normalizer, byte-level or whitespace "
        "pre-tokenizer, BPE, WordPiece or Unigram trainer, post-processor template, decoder), then save, "
        "reload, wrap it for transformers and round-trip it through save_pretrained and AutoTokenizer",
        "Retrain a pretrained tokenizer for a new domain with train_new_from_iterator, and measure fertility "
        "and [UNK] rate on held-out tweets against the original, across vocabulary sizes",
        "Add tokens and special tokens to a pretrained tokenizer, resize the model's embeddings, measure how "
        "the new rows are initialised, and avoid the traps (no resize, tokens that split words)",
        "Pre-train a tiny language model from a config with a domain tokenizer and with generic ones on the "
        "same text and budget, and compare them fairly by loss per character",
        "Train the same kind of tokenizer with the SentencePiece library, and explain why byte-level BPE "
        "never needs [UNK]"],
       "Notebook 06 (tokenizers: WordPiece, byte-level BPE and Unigram, special tokens, round trips). "
       "Notebook 09 (building a model from its config) helps; a little PyTorch (a training loop)."),
    _e("15", "custom_architectures", "Custom architectures", "advanced",
       "Your own config and model classes as real transformers citizens: Auto classes, save and reload, the "
       "Trainer; new heads on a pretrained encoder, a multi-task model, and sharing custom code safely.",
       ["Write a PreTrainedConfig and a PreTrainedModel subclass (weight init, post_init, base_model_prefix), "
        "register them with AutoConfig, AutoModel and AutoModelForSequenceClassification, and prove that a "
        "save_pretrained / from_pretrained round trip gives identical outputs",
        "Train your own architecture with the Trainer, unchanged",
        "Reuse a pretrained encoder as the backbone of your own model, switch its attention implementation, and "
        "freeze and unfreeze it without falling into the Trainer's optimizer trap",
        "Put a regression head on a real continuous target, know which loss problem_type makes the library "
        "pick, and judge the result against a mean and a linear baseline",
        "Build a multi-task model (one encoder, a topic head and a sentiment head) with its own batching scheme "
        "and loss weighting, and evaluate it on both tasks",
        "Share custom code with register_for_auto_class, read what trust_remote_code=True would execute, and "
        "load custom models the safe way instead"],
       "Notebooks 04 (Auto classes, heads, load reports), 09 (configs and model classes) and 10 (the Trainer). "
       "Notebook 01 (attention by hand) helps."),
    _e("16", "lora_peft", "LoRA and parameter-efficient fine-tuning", "advanced",
       "LoRA written from scratch and checked against peft; LoRA, full fine-tuning, a head alone, prompt and "
       "prefix tuning, IA3 and DoRA measured on one task; adapters as files; a chat model instruction-tuned "
       "with TRL.",
       ["Write a LoRA layer from scratch, prove it computes what peft's does, and explain rank, alpha, scaling "
        "and why B starts at zero",
        "Compare LoRA, full fine-tuning and training the head alone on the same data and budget: trainable "
        "parameters, peak memory, time per step, accuracy and size on disk",
        "Try prompt tuning, prefix tuning, IA3 and DoRA on the same task, know which work poorly at small "
        "scale, and avoid the generate() trap of prompt and prefix tuning",
        "Save, load and switch adapters on one base model, and merge one into the weights with unchanged outputs",
        "Instruction-tune a chat model (SmolLM2) with LoRA and TRL's SFTTrainer, measure it before and after, "
        "and know what QLoRA adds"],
       "Notebook 11 (fine-tuning the BBC classifier with the Trainer) and notebook 02's LoRA step. "
       "Notebooks 10 (the Trainer) and 12 (evaluation) help."),
    _e("17", "hub", "Sharing on the Hub", "advanced",
       "A model's life on the Hub, run for real on a local Hub mirror: repositories, commits, branches, tags, "
       "pull requests and pinned revisions, model and dataset cards, tokens, the cache, and a Gradio Space.",
       ["Explain what a Hub repository is (git commits, branches, tags, pull requests behind an HTTP API), and pin "
        "a revision when you load a model",
        "Run a model's life cycle offline: a local Hub mirror (olah) on 127.0.0.1, releases pushed with git, "
        "and every revision read back through huggingface_hub and transformers",
        "Point huggingface_hub at another endpoint without breaking the session: where HF_ENDPOINT and "
        "HF_HUB_OFFLINE are read, and how to scope them",
        "Write model and dataset cards (ModelCardData, DatasetCardData, evaluation results from measured "
        "numbers, intended use, limitations, bias) and validate them by loading them back",
        "Keep tokens in the environment (HF_TOKEN, login() with no token in the notebook), out of git and "
        "out of saved outputs",
        "Read and clean the cache: scan_cache_dir, snapshots, blobs and refs, deleting revisions",
        "Lay out a Gradio Space (app.py, requirements.txt, README front matter) and run it locally on a pinned "
        "revision",
        "Use the upload API on the real Hub (create_repo, upload_folder, push_to_hub, create_tag, branches, pull "
        "requests) behind an explicit opt-in, and know which calls cannot run offline"],
       "Notebook 11 (its fine-tuned BBC News classifier; rebuilt in a minute if missing) and notebook 03 (the "
       "cache, offline mode). Notebook 12 helps (where the card's numbers come from). Some git on the command "
       "line helps; every command used is explained."),
    _e("18", "deployment", "Deployment: Gradio, FastAPI, ONNX, quantization", "advanced",
       "Notebook 11's classifier taken to production on a CPU: a Gradio demo, an ONNX export quantized to int8 "
       "and measured against PyTorch, a FastAPI service that refuses bad input and holds under load, a Docker "
       "image, and where Spaces and the edge fit.",
       ["Measure the trade between latency and throughput (batch size), and know which one a batch job and a "
        "live service need",
        "Build a web demo with gr.Interface, then gr.Blocks (layout, events, errors), launch it on 127.0.0.1, "
        "call it from Python with gradio_client, and serve notebook 17's Space",
        "Export a transformers model with torch.export and to ONNX with dynamic batch and sequence axes, and "
        "prove that ONNX Runtime computes the same logits and predictions",
        "Quantize it to int8 (onnxruntime's quantize_dynamic, PyTorch's dynamic quantization), and measure "
        "latency, throughput, size and accuracy side by side, on a fixed number of threads",
        "Write a FastAPI service with pydantic request and response models, a batch and a health endpoint and "
        "the model loaded once; run it with uvicorn, and check that bad input gets a clear 4xx, never a 500",
        "Load-test it (p50/p95 latency, throughput, zero errors) and measure dynamic batching against one "
        "request at a time",
        "Package the service in a Docker image, and know what deploying to a Space and to a browser or a phone "
        "takes"],
       "Notebook 11 (its fine-tuned BBC News classifier; rebuilt in a minute if missing) and notebook 12 "
       "(batched inference). Notebook 17 helps (the Gradio Space served here). Some idea of HTTP and JSON; "
       "the asyncio used is explained."),
    _e("19", "integrations", "Integrations: FAISS and friends", "advanced",
       "Semantic search over BBC News with sentence-transformers and FAISS (exact and approximate indexes, "
       "measured), a vector database (Chroma), the same retrieval in LangChain and Haystack next to the plain "
       "code they wrap, and reranking with a small chat model, measured.",
       ["Embed passages with sentence-transformers (encode, normalize_embeddings, batch_size) and search them "
        "with util.semantic_search, and say why inner product on normalised vectors is cosine similarity",
        "Build exact (IndexFlatIP) and approximate (IVF with nprobe, HNSW with efSearch) FAISS indexes, measure "
        "recall@10 against exact search, query time and index size, and choose a setting for a recall target",
        "Save and load an index, and filter a search by metadata (FAISS ID selectors, Chroma's where=)",
        "Run Chroma embedded and as a server on 127.0.0.1 with your own embedding function, and know what a "
        "collection without one does",
        "Build one retrieval-augmented answer three ways, plain code, LangChain (LCEL) and a Haystack 3 "
        "pipeline, offline, and check that they retrieve the same passages and write the same answer",
        "Install a package whose declared pins conflict with your stack (pip's --no-deps), and prove it works",
        "Rerank retrieved passages with a small chat model, and measure whether it helps (recall@1 and @5)"],
       "Notebook 04 (sentence embeddings by mean pooling) and notebook 05 (text generation with a chat model); "
       "notebook 12 (batched inference) helps. NumPy, and the idea of a dot product. Notebook 20 builds on "
       "this notebook's retrieval."),
    _e("20", "llms_rag", "LLMs and retrieval-augmented generation", "advanced",
       "How a chat model generates on a CPU (chat templates, decoding, the KV cache, batching, streaming, "
       "quantization, measured), how today's model families differ, and a retrieval-augmented system over BBC "
       "News: built, evaluated against the model alone, and served as a chat app that cites its sources.",
       ["Turn a conversation into a prompt with a chat template, and steer generation: greedy and sampling "
        "(temperature, top-p), repetition penalty, stop strings, streaming with TextIteratorStreamer",
        "Explain the KV cache and measure it: tokens per second with and without it, and its memory computed from "
        "the config and measured from the cache tensors",
        "Generate for a batch with left padding (and see what right padding breaks), and speed up greedy decoding "
        "with prompt lookup without changing a token",
        "Quantize an LLM for a CPU (bf16, bitsandbytes 8-bit and 4-bit) and measure size, speed and quality side "
        "by side",
        "Compare Llama, Mistral, Falcon, Qwen and Gemma from their configs: grouped-query attention, RoPE, sliding "
        "windows, vocabulary, context, parameters and KV-cache bytes per token",
        "Build retrieval-augmented generation end to end (chunking, MiniLM embeddings, retrieval, a prompt with "
        "numbered sources) and evaluate it: recall@k, and answer accuracy with and without retrieval",
        "Serve it as a Gradio chat app that cites the article each answer came from, and know what "
        "RagTokenForGeneration was and what replaced it"],
       "Notebook 05 (text generation with a chat model), 06 (tokenizers) and 08 (padding and attention masks). "
       "Notebook 01 (attention) for the KV cache; notebook 19 (embeddings and FAISS) for retrieval; notebook 18 "
       "for Gradio."),
]  # fmt: skip

BY_ID: dict[str, Entry] = {e.id: e for e in CATALOG}


def entry(notebook_id: str) -> Entry:
    """The catalog entry for a notebook id such as ``"01"``.

    Example:
        >>> entry("01").filename
        '01_attention_from_scratch.ipynb'
    """
    if notebook_id not in BY_ID:
        raise KeyError(f"No notebook {notebook_id!r}; ids are 01..{CATALOG[-1].id}")
    return BY_ID[notebook_id]


def colab_url(e: Entry) -> str:
    """Open-in-Colab link for a notebook's real path in the repository."""
    return f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/{e.repo_path}"


def kaggle_url(e: Entry) -> str:
    """Open-in-Kaggle link for a notebook's real path in the repository."""
    return (
        f"https://kaggle.com/kernels/welcome?src=https://github.com/{GITHUB_REPO}/blob/{BRANCH}/{e.repo_path}"
    )


def timings() -> dict[str, dict[str, Any]]:
    """Measured run time in seconds per notebook and profile (written by scripts/time_notebooks.py), and
    under ``"results"`` the headline results a notebook recorded per profile: ``{"cpu": {"test accuracy": "0.953"}}``.

    Example:
        >>> isinstance(timings(), dict)
        True
    """
    if not TIMINGS_FILE.exists():
        return {}
    return json.loads(TIMINGS_FILE.read_text())


def format_seconds(seconds: float | None) -> str:
    """``42`` -> ``"42 s"``, ``150`` -> ``"2.5 min"``, None -> ``"not measured"``.

    Example:
        >>> format_seconds(150)
        '2.5 min'
    """
    if seconds is None:
        return "not measured"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"
