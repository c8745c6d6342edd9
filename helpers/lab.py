"""Setting up a notebook: platform, device, profile, seeds, Hub reachability, versions, sizes.

Every notebook starts with::

    from helpers import setup
    cfg = setup("01")

and reads its sizes from ``cfg`` (``cfg.n_train``, ``cfg.batch_size`` ...) instead of scattered ``if``
statements, so the same code runs in CI (``smoke``), on a laptop (``cpu``) and on a GPU (``gpu``).
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import random
import socket
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILES = ("smoke", "cpu", "gpu")
PROFILES_FILE = Path(__file__).with_name("profiles.toml")

# The libraries whose versions matter for the course, in the order the version table prints them.
STACK = (
    "torch",
    "transformers",
    "tokenizers",
    "huggingface_hub",
    "datasets",
    "accelerate",
    "peft",
    "evaluate",
)

HUB_HOST = "huggingface.co"


class RecordedText(str):
    """The text ``LabConfig.record`` returns: a plain ``str``, except that Jupyter shows nothing for it when a cell
    ends with the call (``record`` has printed the result already; an ``Out[]`` line would repeat it).

    Example:
        >>> RecordedText("0.953") == "0.953"
        True
    """

    def _ipython_display_(self) -> None:
        """Display nothing: IPython calls this instead of showing the value's repr."""


@dataclass
class LabConfig:
    """What ``setup()`` found out and decided. Sizes are also readable as attributes: ``cfg.n_train``.

    Example:
        >>> cfg = LabConfig(notebook="01", profile="smoke", device="cpu", platform="local",
        ...                 hub_online=False, seed=0, sizes={"n_train": 10})
        >>> cfg.n_train
        10
    """

    notebook: str
    profile: str
    device: str
    platform: str
    hub_online: bool
    seed: int
    sizes: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)

    def record(self, name: str, value: float, fmt: str = "{:.3f}") -> RecordedText:
        """Record a headline result of this notebook (an accuracy, a perplexity...) and print it.

        The results of a run go to ``results-<profile>.json`` in the notebook's output folder;
        ``make timings`` collects the cpu profile's into the README table, so every number there was
        computed by the notebook itself. Returns the formatted value (a ``str`` that Jupyter does not echo when
        the call ends a cell: the line printed above already shows it).

        Example:
            >>> cfg = LabConfig(notebook="00", profile="smoke", device="cpu", platform="local",
            ...                 hub_online=False, seed=0)
            >>> cfg.record("test accuracy", 0.95312)  # doctest: +SKIP
            'test accuracy: 0.953 (recorded)'
        """
        import json

        if not name or "|" in name:
            raise ValueError(f"a result needs a short name without '|' (it goes into a table); got {name!r}")
        try:
            text = fmt.format(value)
        except (ValueError, TypeError) as err:
            raise ValueError(f"cannot format {value!r} with {fmt!r}: {err}") from None
        path = results_file(self.notebook, self.profile)
        results = json.loads(path.read_text()) if path.exists() else {}
        results[name] = text
        path.write_text(json.dumps(results, indent=1) + "\n")
        print(f"{name}: {text} (recorded)")
        return RecordedText(text)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal attribute lookup fails: fall back to the profile's sizes.
        sizes = self.__dict__.get("sizes", {})
        if name in sizes:
            return sizes[name]
        known = ", ".join(sorted(sizes)) or "none"
        raise AttributeError(
            f"cfg has no size {name!r} for notebook {self.__dict__.get('notebook')} "
            f"(profile {self.__dict__.get('profile')}). Sizes defined in helpers/profiles.toml: {known}."
        )


def results_file(notebook: str, profile: str) -> Path:
    """Where :meth:`LabConfig.record` keeps a notebook's headline results for one profile.

    Example:
        >>> results_file("11", "cpu").name
        'results-cpu.json'
    """
    from helpers.paths import output_dir

    return output_dir(notebook) / f"results-{profile}.json"


def detect_platform() -> str:
    """Return ``"colab"``, ``"kaggle"`` or ``"local"``.

    Example:
        >>> detect_platform() in {"colab", "kaggle", "local"}
        True
    """
    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE") or os.environ.get("KAGGLE_URL_BASE"):
        return "kaggle"
    return "local"


def detect_device() -> str:
    """Return the best available accelerator: ``"cuda"``, ``"mps"`` or ``"cpu"``.

    Example:
        >>> detect_device() in {"cuda", "mps", "cpu"}
        True
    """
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_profile(device: str, requested: str | None = None) -> str:
    """Pick the profile: ``LAB_PROFILE`` (or ``requested``) if set, else ``gpu`` with an accelerator, else ``cpu``.

    Example:
        >>> resolve_profile("cpu", "smoke")
        'smoke'
        >>> resolve_profile("cuda", "")  # empty: chosen by the device (as without LAB_PROFILE)
        'gpu'
    """
    value = requested if requested is not None else os.environ.get("LAB_PROFILE")
    if value is None or value.strip() == "":
        return "gpu" if device in ("cuda", "mps") else "cpu"
    value = value.strip().lower()
    if value not in PROFILES:
        raise ValueError(
            f"LAB_PROFILE must be smoke, cpu or gpu; got {value!r}. "
            "Unset it to pick automatically, or e.g. `export LAB_PROFILE=cpu`."
        )
    return value


def hub_offline_requested() -> bool:
    """True when ``HF_HUB_OFFLINE`` asks not to use the network (``1``, ``true``, ``yes`` or ``on``).

    The one place the course reads that variable; it is read again on every call (``setup()`` sets it).

    Example:
        >>> hub_offline_requested() in (True, False)
        True
    """
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hub_reachable(timeout: float = 1.5) -> bool:
    """True when the Hugging Face Hub answers a TCP connection within ``timeout`` seconds.

    ``HF_HUB_OFFLINE=1`` means "don't even try": it returns False at once.

    Example (skipped by the doctests: it needs the network):
        >>> hub_reachable()  # doctest: +SKIP
        True
    """
    if hub_offline_requested():
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def load_sizes(notebook: str, profile: str, path: Path = PROFILES_FILE) -> dict[str, Any]:
    """Read the sizes of ``notebook`` in ``profile`` from profiles.toml (defaults merged under them).

    Example:
        >>> load_sizes("01", "smoke")["batch_size"]
        8
    """
    with open(path, "rb") as f:
        table = tomllib.load(f)
    sizes = dict(table.get("defaults", {}).get(profile, {}))
    sizes.update(table.get(notebook, {}).get(profile, {}))
    return sizes


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so reruns give the same numbers.

    Example:
        >>> set_seed(0)
    """
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators


def stack_versions(packages: tuple[str, ...] = STACK) -> dict[str, str]:
    """Installed version of each package (``"-"`` when it is not installed).

    Example:
        >>> "torch" in stack_versions()
        True
    """
    versions = {"python": sys.version.split()[0]}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def _format_table(pairs: dict[str, str], per_row: int = 3) -> str:
    items = [f"{k} {v}" for k, v in pairs.items()]
    width = max(len(s) for s in items) + 2
    rows = [items[i : i + per_row] for i in range(0, len(items), per_row)]
    return "\n".join("  " + "".join(s.ljust(width) for s in row).rstrip() for row in rows)


GPU_ADVICE = {
    "colab": "Colab: Runtime > Change runtime type > T4 GPU, then run the notebook again.",
    "kaggle": "Kaggle: Settings (right panel) > Accelerator > GPU T4 x2, then run the notebook again.",
    "local": "No GPU found: the cpu profile runs everything in minutes; nothing here needs a GPU.",
}


def setup(notebook: str, seed: int = 0, profile: str | None = None, quiet: bool = False) -> LabConfig:
    """Configure a notebook: detect platform and device, choose the profile, seed, check the Hub, print versions.

    When the Hub cannot be reached, ``HF_HUB_OFFLINE=1`` is set so that the libraries never wait on the
    network, and ``helpers.zoo.resolve`` serves the offline copies.

    Example:
        >>> cfg = setup("01", profile="smoke", quiet=True)
        >>> cfg.profile, cfg.notebook
        ('smoke', '01')
    """
    notebook = str(notebook).zfill(2)
    if not (len(notebook) == 2 and notebook.isdigit()):
        raise ValueError(f"notebook must be a two-digit id like '01'; got {notebook!r}")
    platform = detect_platform()
    device = detect_device()
    chosen = resolve_profile(device, profile)
    online = hub_reachable()
    if not online:
        os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # bitsandbytes (imported by peft whenever it is installed) warns on CPUs with AVX512-BF16 that it cannot
    # fetch an optional faster 4-bit kernel from the Hub; its built-in fallback works, and no learner can act on it.
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    set_seed(seed)
    cfg = LabConfig(
        notebook=notebook,
        profile=chosen,
        device=device,
        platform=platform,
        hub_online=online,
        seed=seed,
        sizes=load_sizes(notebook, chosen),
        versions=stack_versions(),
    )
    if not quiet:
        hub = "reachable" if online else "offline: models and data come from the offline zoo"
        print(f"Notebook {notebook} | profile {chosen} | device {device} | platform {platform} | seed {seed}")
        print(f"Hugging Face Hub: {hub}")
        print(_format_table(cfg.versions))
        if device == "cpu" and chosen == "gpu":
            print("Note: profile gpu on a CPU will be slow. " + GPU_ADVICE[platform])
        elif device == "cpu":
            print(GPU_ADVICE[platform])
    return cfg
