"""Wrong answers to notebook 13's exercises fail, with a message that names the mistake; right answers written
another way pass.

(The generic properties, reference solutions passing included, are tested for every notebook in
tests/test_exercises_all.py.)"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import torch
from exercise_support import fails, passes

import helpers.exercise_bank.nb13  # noqa: F401  (registers the checks)

# --------------------------------------------------------------------------- 13.1 which batches each process gets


def test_process_batches_right_answers_pass():
    def with_itertools(n_examples, batch_size, num_processes, process_index):
        import itertools

        per_round = batch_size * num_processes
        total = -(-n_examples // per_round) * per_round
        order = list(itertools.islice(itertools.cycle(range(n_examples)), total))
        batches = [order[i : i + batch_size] for i in range(0, total, batch_size)]
        return [batches[k] for k in range(process_index, len(batches), num_processes)]

    passes("13.1", with_itertools)

    def as_arrays(n_examples, batch_size, num_processes, process_index):  # numpy and tuples are fine too
        per_round = batch_size * num_processes
        order = np.arange(math.ceil(n_examples / per_round) * per_round) % n_examples
        return tuple(tuple(b) for b in order.reshape(-1, batch_size)[process_index::num_processes])

    passes("13.1", as_arrays)


def test_process_batches_wrong_answers_fail():
    def interleaved(n, b, p, i):  # DistributedSampler: single examples dealt round-robin
        total = math.ceil(n / p) * p
        order = [k % n for k in range(total)][i::p]
        return [order[k : k + b] for k in range(0, len(order), b)]

    fails("13.1", interleaved, "DistributedSampler", "whole batches")

    def unpadded(n, b, p, i):
        return [list(range(n))[k : k + b] for k in range(0, n, b)][i::p]

    fails("13.1", unpadded, "no padding")

    def split_batch(n, b, p, i):  # each batch of b divided between the processes
        per = b // p
        order = [k % n for k in range(math.ceil(n / b) * b)]
        return [order[k + i * per : k + (i + 1) * per] for k in range(0, len(order), b)]

    fails("13.1", split_batch, "split each batch")

    def padded_with_zeros(n, b, p, i):  # pads with article 0 instead of starting again from the first
        per_round = b * p
        order = list(range(n)) + [0] * (math.ceil(n / per_round) * per_round - n)
        return [order[k : k + b] for k in range(0, len(order), b)][i::p]

    fails("13.1", padded_with_zeros, "accelerate's prepared loader gives")
    fails("13.1", lambda n, b, p, i: "0, 1", "list of batches")
    fails("13.1", lambda n, b, p, i: [[0.5]], "whole number")


# --------------------------------------------------------------------------- 13.2 how many devices


def _reference(n_params, device_gib, stage):
    whole, shared = {0: (16, 0), 1: (4, 12), 2: (2, 14), 3: (0, 16)}[stage]
    room = Fraction(device_gib) * 2**30 - whole * Fraction(n_params)
    if room < 0 or (room == 0 and shared):
        return None
    return 1 if shared == 0 else max(1, math.ceil(shared * Fraction(n_params) / room))


def test_devices_needed_right_answers_pass():
    passes("13.2", _reference)

    def by_search(n_params, device_gib, stage):  # brute force, returning numpy/torch integers
        memory = device_gib * 2**30
        for n in range(1, 100_000):
            per_device = {0: 16 * n_params, 1: 4 * n_params + 12 * n_params / n,
                          2: 2 * n_params + 14 * n_params / n, 3: 16 * n_params / n}[stage]  # fmt: skip
            if per_device <= memory:
                return np.int64(n) if stage % 2 else torch.tensor(n)
        return None

    passes("13.2", by_search)


def test_devices_needed_wrong_answers_fail():
    def never_none(n_params, device_gib, stage):  # forgets that stages 0-2 keep a part whole on every device
        return max(1, math.ceil(16 * n_params / (device_gib * 2**30)))

    fails("13.2", never_none, "no number of devices is enough", "Return None")

    def gigabytes(n_params, device_gib, stage):
        whole, shared = {0: (16, 0), 1: (4, 12), 2: (2, 14), 3: (0, 16)}[stage]
        room = device_gib * 10**9 - whole * n_params
        if room <= 0:
            return None
        return 1 if shared == 0 else max(1, math.ceil(shared * n_params / room))

    fails("13.2", gigabytes, "2**30")

    def floor(n_params, device_gib, stage):
        answer = _reference(n_params, device_gib, stage)
        if answer is None or stage == 0:
            return answer
        whole, shared = {1: (4, 12), 2: (2, 14), 3: (0, 16)}[stage]
        return max(1, math.floor(shared * n_params / (device_gib * 2**30 - whole * n_params)))

    fails("13.2", floor, "math.ceil")

    def stage_two_shards_weights(n_params, device_gib, stage):  # treats stage 2 like stage 3
        return _reference(n_params, device_gib, 3 if stage == 2 else stage)

    fails("13.2", stage_two_shards_weights, "the answer for stage 3")

    def always_none(n_params, device_gib, stage):
        return None if stage < 3 else _reference(n_params, device_gib, stage)

    fails("13.2", always_none, "you answered None")
    fails("13.2", lambda n, g, s: 2.5, "whole number")
