"""Where the course's files are: the repository's data folder, and a place for each notebook's outputs."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_path(*parts: str) -> Path:
    """A file or folder under the course's ``data/`` folder, with an error that says what to do if missing.

    Example:
        >>> data_path("speech").name
        'speech'
    """
    path = REPO_ROOT.joinpath("data", *parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist. The course data ships with the repository: clone it "
            "(git clone) and install it with `pip install -e .` rather than installing only the package."
        )
    return path


def output_dir(notebook: str) -> Path:
    """Folder for what notebook ``notebook`` saves (models, checkpoints, reports); later notebooks read it.

    ``$LAB_OUTPUT_DIR/NN`` when that variable is set, else ``~/.cache/transformers-lab/outputs/NN``.

    Example:
        >>> output_dir("11").name
        '11'
    """
    base = os.environ.get("LAB_OUTPUT_DIR")
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "transformers-lab" / "outputs"
    path = root / str(notebook).zfill(2)
    path.mkdir(parents=True, exist_ok=True)
    return path
