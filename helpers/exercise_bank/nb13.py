"""Checks for notebook 13 (accelerate and distributed training).

13.1  process_batches(n_examples, batch_size, num_processes, process_index): the batches one process gets from a
      loader that accelerate's ``prepare`` sharded (no shuffling), padding included
13.2  devices_needed(n_params, device_gib, stage): the fewest devices whose memory holds the ZeRO-sharded training
      state of mixed-precision AdamW, or None

The expected answers come from accelerate's own sampler (13.1) and from the ZeRO memory formula evaluated in
exact arithmetic (13.2), computed at check time. The common wrong answers (DistributedSampler's interleaving, no
padding, one big batch split across processes; sharding the wrong parts, floor instead of ceiling, GiB taken as
10**9 bytes) are recognised and named. No model is loaded: each check runs in milliseconds.
"""

from __future__ import annotations

import math
from fractions import Fraction

from helpers.exercises import Fail, as_int, as_int_list, attempt, exercise

# --------------------------------------------------------------------------- 13.1 which batches each process gets

SHARD_CASES = [  # (n_examples, batch_size, num_processes): even splits, ragged last batches, padded last rounds
    (16, 4, 2),
    (10, 2, 2),
    (11, 3, 2),
    (21, 8, 2),
    (7, 2, 3),
    (6, 2, 2),
    (5, 4, 2),
    (12, 3, 4),
    (1, 2, 2),
    (3, 1, 4),
]


def _accelerate_batches(
    n_examples: int, batch_size: int, num_processes: int, process_index: int
) -> list[list[int]]:
    """What accelerate's prepared loader gives one process (shuffle off, even_batches on: the default)."""
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler, SequentialSampler

    sampler = BatchSampler(SequentialSampler(range(n_examples)), batch_size, drop_last=False)
    shard = BatchSamplerShard(
        sampler, num_processes=num_processes, process_index=process_index, even_batches=True
    )
    return [list(batch) for batch in shard]


def _interleaved(n_examples: int, batch_size: int, num_processes: int, process_index: int) -> list[list[int]]:
    """torch's DistributedSampler (padded to a multiple of num_processes, every num_processes-th example)."""
    total = math.ceil(n_examples / num_processes) * num_processes
    order = [i % n_examples for i in range(total)][process_index::num_processes]
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _unpadded(n_examples: int, batch_size: int, num_processes: int, process_index: int) -> list[list[int]]:
    """Round-robin batches without padding (even_batches=False)."""
    batches = [list(range(n_examples))[i : i + batch_size] for i in range(0, n_examples, batch_size)]
    return batches[process_index::num_processes]


def _split_global(
    n_examples: int, batch_size: int, num_processes: int, process_index: int
) -> list[list[int]]:
    """Each batch of batch_size split between the processes (accelerate's split_batches=True)."""
    from accelerate.data_loader import BatchSamplerShard
    from torch.utils.data import BatchSampler, SequentialSampler

    if batch_size % num_processes:
        return []
    sampler = BatchSampler(SequentialSampler(range(n_examples)), batch_size, drop_last=False)
    shard = BatchSamplerShard(
        sampler, num_processes=num_processes, process_index=process_index, split_batches=True
    )
    return [list(batch) for batch in shard]


def _as_batches(value, what: str) -> list[list[int]]:
    if not isinstance(value, list | tuple):
        raise Fail(
            f"{what} should be a list of batches (each a list of article indices), got {type(value).__name__}."
        )
    return [as_int_list(batch, f"{what}[{i}]") for i, batch in enumerate(value)]


@exercise(
    "13.1",
    hint="Make the article order 0, 1, ..., n_examples - 1 and extend it from the start (i % n_examples) to a whole "
    "number of rounds of batch_size * num_processes articles; cut it into batches of batch_size; process p takes "
    "batches p, p + num_processes, p + 2 * num_processes, ... (a slice [process_index::num_processes]).",
)
def _(process_batches):
    for n, batch_size, processes in SHARD_CASES:
        for index in range(processes):
            where = f"for n_examples={n}, batch_size={batch_size}, num_processes={processes}, process_index={index}"
            got = _as_batches(
                attempt(process_batches, n, batch_size, processes, index), f"process_batches ({where})"
            )
            want = _accelerate_batches(n, batch_size, processes, index)
            if got == want:
                continue
            if got == _interleaved(n, batch_size, processes, index):
                raise Fail(f"{where} you dealt single articles round-robin (torch's DistributedSampler). accelerate "
                           f"deals whole batches: process {index} gets {want}.")  # fmt: skip
            if got == _unpadded(n, batch_size, processes, index):
                raise Fail(f"{where} you returned {got}: no padding. accelerate gives every process the same number "
                           f"of full batches, continuing with the articles from the start: {want}.")  # fmt: skip
            if processes > 1 and got == _split_global(n, batch_size, processes, index):
                raise Fail(f"{where} you split each batch of {batch_size} between the processes. Here batch_size is "
                           f"per process (split_batches=False, the default): {want}.")  # fmt: skip
            if sorted(map(sorted, got)) == sorted(map(sorted, want)):
                raise Fail(
                    f"{where} you have the right batches in the wrong order: {got}; accelerate's is {want}."
                )
            raise Fail(f"{where} you returned {got}; accelerate's prepared loader gives {want}.")


# --------------------------------------------------------------------------- 13.2 how many devices


WHOLE_AND_SHARED = {
    0: (16, 0),
    1: (4, 12),
    2: (2, 14),
    3: (0, 16),
}  # bytes per parameter: per device, split by N


def _devices(n_params, device_gib, stage, gib=2**30, whole_shared=None) -> int | None:
    """The reference, in exact arithmetic: the smallest N with whole + shared / N <= memory, or None."""
    whole, shared = (whole_shared or WHOLE_AND_SHARED)[stage]
    room = Fraction(device_gib) * gib - whole * Fraction(n_params)
    if room < 0 or (room == 0 and shared > 0):
        return None
    if shared == 0:
        return 1
    return max(1, math.ceil(shared * Fraction(n_params) / room))


DEVICE_CASES = [  # (n_params, device_gib, stage), none of them on an exact boundary
    (7e9, 80, 3),
    (7e9, 80, 2),
    (7e9, 80, 1),
    (7e9, 80, 0),
    (7e9, 16, 2),
    (7e9, 16, 3),
    (1.71e9, 16, 0),
    (1.71e9, 16, 1),
    (1.71e9, 16, 2),
    (1.71e9, 24, 3),
    (22_713_216, 16, 0),
    (70e9, 80, 3),
    (70e9, 80, 1),
    (13e9, 40, 2),
    (405e9, 80, 3),
    (3e9, 12, 1),
]


def _answer(value, where: str) -> int | None:
    if value is None:
        return None
    return as_int(value, f"devices_needed {where}")


@exercise(
    "13.2",
    hint="Per device, stage s keeps (whole) bytes per parameter that no number of devices reduces, plus (shared) "
    "bytes divided by N: stage 0 (16, 0), 1 (4, 12), 2 (2, 14), 3 (0, 16). Room left = device_gib * 2**30 - whole * "
    "n_params: if it is negative (or zero with something to share) no N is enough (None); else N = ceil(shared * "
    "n_params / room), at least 1.",
)
def _(devices_needed):
    for k, (n_params, gib, stage) in enumerate(DEVICE_CASES):
        where = f"for n_params={n_params:g}, device_gib={gib}, stage={stage}"
        want = _devices(n_params, gib, stage)
        # The first case has an answer: a function that still returns None (the placeholder) is "not attempted".
        # After it, None is a real answer ("no number of devices is enough").
        got = _answer(
            attempt(devices_needed, n_params, gib, stage) if k == 0 else devices_needed(n_params, gib, stage),
            where,
        )
        if got == want:
            continue
        if want is None:
            whole = WHOLE_AND_SHARED[stage][0]
            raise Fail(f"{where} you answered {got}, but no number of devices is enough: stage {stage} keeps {whole} "
                       f"bytes per parameter whole on every device ({whole * n_params / 2**30:.0f} GiB), more than "
                       f"the {gib} GiB a device has. Return None.")  # fmt: skip
        if got is None:
            raise Fail(f"{where} you answered None, but {want} devices are enough.")
        if got == _devices(n_params, gib, stage, gib=10**9):
            raise Fail(f"{where} you answered {got}: 1 GiB is 2**30 bytes, not 10**9. The answer is {want}.")
        if got == want - 1:
            raise Fail(f"{where} you answered {got}: rounded down? With {got} devices each would need more than "
                       f"{gib} GiB. Round up (math.ceil): {want}.")  # fmt: skip
        for other, shape in ((s, WHOLE_AND_SHARED[s]) for s in WHOLE_AND_SHARED if s != stage):
            if got == _devices(n_params, gib, other):
                raise Fail(f"{where} you answered {got}, the answer for stage {other} (whole, shared bytes per "
                           f"parameter {shape}); stage {stage} is {WHOLE_AND_SHARED[stage]}: {want}.")  # fmt: skip
        raise Fail(f"{where} you answered {got}; the fewest devices is {want}.")
