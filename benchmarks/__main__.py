"""Run the benchmarks in this folder and print their reports: ``python -m benchmarks [name ...]``.

Every ``bench_<name>.py`` module with a ``main(argv)`` function is found automatically; give names
(``zoo_load``, ``threads``...) to run only those.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmark modules here, without the ``bench_`` prefix.

    Example:
        >>> "zoo_load" in available()
        True
    """
    folder = Path(__file__).parent
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(folder)])
        if m.name.startswith("bench_")
    )


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {', '.join(available())}")
        return 2
    for name in names or available():
        print(f"== benchmarks.bench_{name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
