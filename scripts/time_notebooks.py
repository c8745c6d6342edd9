"""Measure each notebook's wall time in a profile and record it for the README table and the headers.

    python scripts/time_notebooks.py --profile smoke            # every notebook
    python scripts/time_notebooks.py --profile cpu 01 02        # some
    python scripts/time_notebooks.py --profile cpu --keep build/executed 13   # and keep the outputs to read

Executes the committed notebook (untouched exercises) in a fresh kernel, offline, with OMP_NUM_THREADS=2,
timing from kernel start to the last cell. Writes helpers/timings.json with the time and the headline
results the notebook recorded with ``cfg.record(...)`` in that run, then refreshes the notebook headers and
the README table. A notebook that fails is reported and not recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from helpers import catalog, notebook_tools  # noqa: E402
from helpers.lab import results_file  # noqa: E402


def run(path: Path, profile: str, timeout: int, keep: Path | None = None) -> float:
    os.environ.update(LAB_PROFILE=profile, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="2")
    if keep is None:
        os.environ["MPLBACKEND"] = "Agg"  # nothing is kept, so no figure needs drawing
    else:
        os.environ.pop("MPLBACKEND", None)  # Agg would discard every plot of the kept notebook
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        if keep is not None:  # kept also when a cell fails: the traceback is in it
            keep.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, keep / path.name)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=["smoke", "cpu", "gpu"], required=True)
    parser.add_argument("--timeout", type=int, default=1800, help="per cell, seconds")
    parser.add_argument(
        "--keep",
        type=Path,
        help="also save each executed notebook, outputs and plots included, into this folder",
    )
    parser.add_argument("ids", nargs="*", help="notebook ids (default: all)")
    args = parser.parse_args()
    paths = [p for p in notebook_tools.notebook_paths() if not args.ids or p.name[:2] in args.ids]
    table = catalog.timings()
    failed = []
    for path in paths:
        results = results_file(path.name[:2], args.profile)
        results.unlink(missing_ok=True)  # only what this run records counts
        try:
            seconds = run(path, args.profile, args.timeout, args.keep)
        except Exception as err:  # report and go on with the others
            print(f"{path.name:<48} FAILED: {type(err).__name__}: {str(err)[:300]}")
            failed.append(path.name)
            continue
        row = table.setdefault(path.name[:2], {})
        row[args.profile] = round(seconds, 1)
        recorded = json.loads(results.read_text()) if results.exists() else {}
        row.setdefault("results", {})[args.profile] = recorded
        if not any(row["results"].values()):
            del row["results"]
        print(f"{path.name:<48} {seconds:7.1f} s ({args.profile})", flush=True)
        catalog.TIMINGS_FILE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    for path in notebook_tools.notebook_paths():
        notebook_tools.sync(path)
    readme = REPO / "README.md"
    readme.write_text(notebook_tools.replace_table(readme.read_text()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
