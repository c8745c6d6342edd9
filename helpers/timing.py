"""Measuring speed and memory fairly: wait for the device, warm up, keep the best of several runs.

Notebook 01 writes these ideas out (``synchronize`` and ``best_time``) when it first times attention; the
notebooks after it import them from here instead of copying them::

    from helpers.timing import best_time
    seconds = best_time(model, **batch, repeats=5)

Speed comparisons in this course are ratios measured side by side in one run (never a fixed number of
seconds): a laptop, a loaded machine and a GPU all give different seconds but similar ratios.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any


def _device_type(device: Any) -> str:
    """``"cuda"``, ``"mps"`` or ``"cpu"`` from a string (``"cuda:0"``), a ``torch.device`` or None."""
    if device is None:
        return "cpu"
    kind = getattr(device, "type", None)
    return kind if isinstance(kind, str) else str(device).split(":")[0]


def synchronize(device: Any = None) -> None:
    """Wait until the work queued on ``device`` has finished (GPUs run asynchronously; CPUs do not).

    Without it a timer around GPU code measures only how long it took to *queue* the work.
    ``device`` may be a string (``"cuda"``, ``"cuda:1"``, ``"mps"``, ``"cpu"``), a ``torch.device`` or None.

    Example:
        >>> synchronize("cpu")  # nothing to wait for on a CPU
    """
    kind = _device_type(device)
    if kind == "cpu":
        return
    import torch

    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()
    else:
        raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'mps'")


def best_time(
    fn: Callable[..., Any], *args: Any, repeats: int = 5, warmup: int = 1, device: Any = None, **kwargs: Any
) -> float:
    """Best wall-clock time in seconds of ``fn(*args, **kwargs)`` over ``repeats`` runs, after ``warmup``.

    The minimum, not the mean: other programs can only ever make a run slower, so the fastest run is the
    best estimate of what the code itself costs. Warm-up runs pay one-off costs (memory pools, kernel
    selection, caches) outside the measurement. Pass the ``device`` the work runs on so that GPU work is
    waited for. Wrap model calls in ``torch.no_grad()`` yourself when you do not want gradients.

    Example:
        >>> best_time(sum, range(1000), repeats=3) < 1.0
        True
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0; got repeats={repeats}, warmup={warmup}")
    for _ in range(warmup):
        fn(*args, **kwargs)
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn(*args, **kwargs)
        synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mib() -> float:
    """The largest resident memory this process has used so far, in MiB (CPU memory, all of it: tensors too).

    The high-water mark never goes down, so to compare two configurations measure each in a fresh process
    (``subprocess`` or ``torchrun``) and subtract the peak after start-up from the peak after the work.
    ``tracemalloc`` cannot do this: it does not see the memory PyTorch allocates for tensors.

    On Linux this is ``VmHWM`` from ``/proc/self/status``, which starts afresh in a new program. getrusage's
    ``ru_maxrss`` (the fallback where there is no ``/proc``: macOS) is carried over when a process starts another
    program, so in a child of a big notebook kernel it reports the kernel's size before the child has done anything.

    Example:
        >>> peak_rss_mib() > 1
        True
    """
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


__all__ = ["best_time", "peak_rss_mib", "synchronize"]
