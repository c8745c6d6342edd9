"""Multi-process training, for real: notebook 13's training script in 2 CPU processes over gloo.

The script is taken from the notebook itself (its ``%%writefile ... train_bbc.py`` cell), so this tests what
learners run. A tiny random BERT and tiny random data keep it to seconds of compute; most of the time is the
start-up of the processes (imports), so the three launches run side by side:

- ``torchrun --nproc_per_node 2`` (DDP): both ranks in one group of 2, disjoint shards, identical weights on both
  ranks (SHA-256), and the same result as 1 process with the doubled batch (the plain PyTorch loop the script
  runs, trained here in the test's own process, as notebook 13 compares them);
- ``torchrun --nproc_per_node 2 ... --fsdp2`` (PyTorch's FSDP2 over gloo): each rank holds about half of the
  parameters, and the gathered result equals the same reference.

Every process is stopped when a launch fails or runs past its timeout. About 20-30 s on 2 cores.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from helpers.paths import REPO_ROOT
from helpers.servers import free_port

NOTEBOOK = REPO_ROOT / "notebooks" / "13_accelerate_distributed.ipynb"
TIMEOUT = 240  # seconds for the three launches together
SEED = 0
N_EXAMPLES, BATCH, LENGTH, LABELS = 16, 8, 16, 4


def training_script() -> str:
    """The source of train_bbc.py, as notebook 13 writes it."""
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        first, _, body = cell.source.partition("\n")
        if cell.cell_type == "code" and first.startswith("%%writefile") and "train_bbc.py" in first:
            return body
    raise AssertionError(f"{NOTEBOOK.name} has no %%writefile cell for train_bbc.py")


def _stop_tree(process: subprocess.Popen) -> None:
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for member in tree:
        member.terminate()
    for member in psutil.wait_procs(tree, timeout=10)[1]:
        member.kill()
    process.wait()


def _reports(folder: Path) -> list[dict]:
    return sorted((json.loads(p.read_text()) for p in folder.glob("rank*.json")), key=lambda r: r["rank"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Launch DDP and FSDP2 (2 processes each) side by side; their reports and weights, and the reference."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, BertModel

    work = tmp_path_factory.mktemp("distributed")
    script = work / "train_bbc.py"
    script.write_text(training_script())
    config = BertConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=LENGTH,
    )
    BertModel(config).save_pretrained(work / "tiny-bert")  # a body without a head, like all-MiniLM-L6-v2
    generator = torch.Generator().manual_seed(SEED)
    save_file(
        {
            "input_ids": torch.randint(1, 64, (N_EXAMPLES, LENGTH), generator=generator),
            "attention_mask": torch.ones(N_EXAMPLES, LENGTH, dtype=torch.long),
            "labels": torch.randint(0, LABELS, (N_EXAMPLES,), generator=generator),
        },
        work / "data.safetensors",
    )
    common = [
        script,
        "--data",
        work / "data.safetensors",
        "--model",
        work / "tiny-bert",
        "--num-labels",
        LABELS,
        "--global-batch-size",
        BATCH,
        "--lr",
        1e-3,
        "--seed",
        SEED,
        "--cpu",
    ]

    def torchrun(*args):
        return [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            2,
            "--master_addr",
            "127.0.0.1",
            "--master_port",
            free_port(),
            *args,
        ]

    commands = {
        "ddp": torchrun(*common, "--out", work / "ddp"),
        "fsdp2": torchrun(*common, "--out", work / "fsdp2", "--fsdp2"),
    }
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = {
        name: subprocess.Popen(
            [str(c) for c in command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=work,
            start_new_session=True,
        )
        for name, command in commands.items()
    }
    outputs = {}
    try:
        for name, process in started.items():
            outputs[name], _ = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, f"{name} failed:\n" + "\n".join(outputs[name].splitlines()[-30:])
    finally:
        for process in started.values():
            if process.poll() is None:
                _stop_tree(process)

    return {
        "work": work,
        "outputs": outputs,
        "reference": _one_process(work),
        **{n: _reports(work / n) for n in commands},
    }


def _one_process(work: Path) -> dict:
    """The reference: the script's loop in one process with the whole batch, as plain PyTorch (notebook 13 shows
    that accelerate's loop in one process gives these numbers bit for bit). Initial weights, losses, final weights."""
    import torch
    from safetensors.torch import load_file
    from torch.utils.data import DataLoader, TensorDataset
    from transformers import BertForSequenceClassification

    data = load_file(work / "data.safetensors")
    dataset = TensorDataset(data["input_ids"], data["attention_mask"], data["labels"])
    loader = DataLoader(
        dataset, batch_size=BATCH, shuffle=True, generator=torch.Generator().manual_seed(SEED)
    )
    torch.manual_seed(SEED)  # the script seeds the new head the same way
    model = BertForSequenceClassification.from_pretrained(
        work / "tiny-bert", num_labels=LABELS, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0
    )
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    losses = []
    model.train()
    for input_ids, attention_mask, labels in loader:
        loss = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return {"initial": initial, "losses": losses, "weights": model.state_dict()}


def _relative_distance(trained: dict, reference: dict) -> float:
    """|trained - reference| / |reference - initial|, Euclidean over all weights (the notebook's yardstick)."""
    final, initial = reference["weights"], reference["initial"]
    apart = math.sqrt(sum(float(((trained[k] - final[k].float()) ** 2).sum()) for k in final))
    moved = math.sqrt(sum(float(((final[k].float() - initial[k].float()) ** 2).sum()) for k in final))
    return apart / moved


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(folder / "weights.safetensors")


def test_ddp_two_processes_in_one_group_see_disjoint_shards(runs):
    ddp = runs["ddp"]
    assert [r["world_size"] for r in ddp] == [2, 2], runs["outputs"]["ddp"]
    assert {r["distributed_type"] for r in ddp} == {"MULTI_CPU"}
    assert {r["wrapper"] for r in ddp} == {"DistributedDataParallel"}
    shards = [set(r["seen"]) for r in ddp]
    assert not shards[0] & shards[1], "each process trains on its own articles"
    assert shards[0] | shards[1] == set(range(N_EXAMPLES)), "together they see every article once per epoch"
    assert "[rank 0/2]" in runs["outputs"]["ddp"] and "[rank 1/2]" in runs["outputs"]["ddp"], "both ranks log"


def test_ddp_weights_identical_on_both_ranks(runs):
    digests = [r["digest"] for r in runs["ddp"]]
    assert len(digests) == 2 and digests[0] == digests[1], "DDP keeps the replicas identical, bit for bit"


def test_ddp_equals_one_process_with_the_doubled_batch(runs):
    reference = runs["reference"]
    assert len(runs["ddp"][0]["losses"]) == len(reference["losses"]) == N_EXAMPLES // BATCH
    for two, one in zip(runs["ddp"][0]["losses"], reference["losses"], strict=True):
        assert math.isclose(two, one, rel_tol=1e-5), "the same loss at every step"
    distance = _relative_distance(_weights(runs["work"] / "ddp"), reference)
    assert distance <= 1e-3, f"2 processes are {distance:.1e} of the training distance away from 1 process"


def test_fsdp2_holds_half_of_the_parameters_and_matches_one_process(runs):
    fsdp = runs["fsdp2"]
    assert [r["world_size"] for r in fsdp] == [2, 2], runs["outputs"]["fsdp2"]
    for r in fsdp:
        assert 0.4 < r["local_parameters"] / r["parameters"] < 0.6, "each rank holds about half"
    assert sum(r["local_parameters"] for r in fsdp) >= fsdp[0]["parameters"], (
        "the slices cover every parameter"
    )
    distance = _relative_distance(_weights(runs["work"] / "fsdp2"), runs["reference"])
    assert distance <= 1e-3, f"FSDP2 is {distance:.1e} of the training distance away from 1 process"
