"""A Hugging Face Hub on 127.0.0.1 for offline work: the ``olah`` mirror serving local git repositories.

Notebook 17 runs a model's whole life on the Hub offline with it, and tests/test_hub_mirror.py proves that it
works. The two sides:

- **read**: olah answers the Hub's HTTP API (``model_info``, ``list_repo_refs``, ``hf_hub_download``,
  ``snapshot_download``, ``from_pretrained(..., revision=)``...) for every git repository it finds under
  ``<root>/mirrors/<models|datasets|spaces>/<org>/<name>``;
- **write**: olah accepts no uploads, so commits, branches and tags arrive by ``git push`` into those
  repositories (bare repositories, made by :meth:`HubMirror.create_repo`).

This module is only the plumbing (folders, the config file, starting and stopping the server)::

    from helpers.hub_mirror import HubMirror

    mirror = HubMirror(out_dir / "hub")                       # folders and config; nothing started yet
    remote = mirror.create_repo("course/bbc-news-minilm")      # a bare git repository to push to
    mirror.start()                                            # olah on 127.0.0.1, waited for
    ...                                                       # HfApi(endpoint=mirror.url) ...
    mirror.stop()                                             # its port is free again

The lesson itself (git pushes, the Hub API calls, scoping ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE``) is written
out in the notebook.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

from helpers.servers import HOST, LocalServer, free_port, port_open

REPO_TYPES = {"model": "models", "dataset": "datasets", "space": "spaces"}
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# Model weights are large binary files that barely compress: storing them without zlib makes commits and
# pushes of a 90 MB safetensors file take a second instead of half a minute (the real Hub keeps such files in
# LFS/Xet storage instead, outside git's object database). No delta search on files above 1 MB either.
GIT_SETTINGS = {"core.compression": "0", "core.bigFileThreshold": "1m"}


def require_git() -> str:
    """The path of the ``git`` program, or a ``RuntimeError`` that says how to install it.

    Example:
        >>> Path(require_git()).name.startswith("git")
        True
    """
    found = shutil.which("git")
    if found is None:
        raise RuntimeError(
            "git is not installed: the offline Hub's write side is `git push`. Install it (Debian/Ubuntu: "
            "`apt-get install git`; macOS: `xcode-select --install`; Windows: https://git-scm.com) and run the "
            "cell again."
        )
    return found


def config_text(port: int, mirrors_dir: Path, cache_dir: Path) -> str:
    """olah's TOML configuration: listen on 127.0.0.1:``port``, serve ``mirrors_dir``, never go upstream.

    Example:
        >>> import tomllib
        >>> cfg = tomllib.loads(config_text(8090, Path("/tmp/m"), Path("/tmp/c")))
        >>> cfg["basic"]["host"], cfg["basic"]["mirrors-path"], cfg["accessibility"]["offline"]
        ('127.0.0.1', ['/tmp/m'], True)
    """
    return (
        "# olah (a Hugging Face Hub mirror), written by helpers.hub_mirror\n"
        "[basic]\n"
        f'host = "{HOST}"                     # this machine only\n'
        f"port = {int(port)}\n"
        f'mirror-netloc = "{HOST}:{int(port)}"     # the address olah writes into the URLs it returns\n'
        f'mirror-lfs-netloc = "{HOST}:{int(port)}"\n'
        f'repos-path = "{Path(cache_dir).as_posix()}"     # its cache of upstream files (unused offline)\n'
        f'mirrors-path = ["{Path(mirrors_dir).as_posix()}"]   # git repositories it serves\n'
        "\n"
        "[accessibility]\n"
        "offline = true                          # never contact huggingface.co\n"
    )


def repo_path(mirrors_dir: Path, repo_id: str, repo_type: str = "model") -> Path:
    """Where the repository ``repo_id`` (``"org/name"``) of ``repo_type`` lives under ``mirrors_dir``.

    Example:
        >>> repo_path(Path("/m"), "course/bbc-news-minilm").as_posix()
        '/m/models/course/bbc-news-minilm'
        >>> repo_path(Path("/m"), "bbc-news-minilm")
        Traceback (most recent call last):
        ...
        ValueError: a repo id is 'org/name' (e.g. 'course/bbc-news-minilm'); got 'bbc-news-minilm'
    """
    if repo_type not in REPO_TYPES:
        raise ValueError(f"repo_type must be one of {sorted(REPO_TYPES)}; got {repo_type!r}")
    if not REPO_ID_RE.match(repo_id):
        raise ValueError(f"a repo id is 'org/name' (e.g. 'course/bbc-news-minilm'); got {repo_id!r}")
    org, name = repo_id.split("/")
    return Path(mirrors_dir) / REPO_TYPES[repo_type] / org / name


def init_bare_repo(path: Path, branch: str = "main") -> Path:
    """Create an empty bare git repository at ``path`` (the "remote" that ``git push`` writes to).

    Does nothing to a repository that is already there. Settings in :data:`GIT_SETTINGS`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     bare = init_bare_repo(Path(tmp) / "models" / "course" / "demo")
        ...     git = ["git", "-C", str(bare), "rev-parse", "--is-bare-repository"]
        ...     print(subprocess.run(git, capture_output=True, text=True).stdout.strip())
        true
    """
    git = require_git()
    path = Path(path)
    if not (path / "HEAD").exists():
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run([git, "init", "--quiet", "--bare", str(path)], check=True)
        subprocess.run([git, "-C", str(path), "symbolic-ref", "HEAD", f"refs/heads/{branch}"], check=True)
        for key, value in GIT_SETTINGS.items():
            subprocess.run([git, "-C", str(path), "config", key, value], check=True)
    return path


class HubMirror:
    """An olah Hub mirror rooted at ``root``: ``mirrors/`` (the git repositories), ``olah.toml``, ``logs/``.

    Nothing starts until :meth:`start`; :meth:`stop` (or leaving a ``with`` block) stops it.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     mirror = HubMirror(Path(tmp) / "hub", port=8090)
        ...     print(mirror.url, mirror.running, mirror.create_repo("course/demo").relative_to(mirror.root).as_posix())
        http://127.0.0.1:8090 False mirrors/models/course/demo
    """

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = Path(root)
        self.mirrors_dir = self.root / "mirrors"
        self.log_dir = self.root / "logs"
        self.config_path = self.root / "olah.toml"
        self.port = int(port) if port is not None else free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.server: LocalServer | None = None
        for folder in (self.mirrors_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(config_text(self.port, self.mirrors_dir, self.root / "olah-cache"))

    def repo_path(self, repo_id: str, repo_type: str = "model") -> Path:
        """The folder of a repository this mirror serves (it may not exist yet)."""
        return repo_path(self.mirrors_dir, repo_id, repo_type)

    def create_repo(self, repo_id: str, repo_type: str = "model") -> Path:
        """A bare git repository for ``repo_id``, served at once (also while the server runs): push to it."""
        return init_bare_repo(self.repo_path(repo_id, repo_type))

    def command(self) -> list[str]:
        """The command line that starts olah with this mirror's config (the Python running this code)."""
        return [sys.executable, "-m", "olah.server", "--config", str(self.config_path),
                "--log-path", str(self.log_dir)]  # fmt: skip

    def start(self, timeout: float = 120.0) -> HubMirror:
        """Start olah on 127.0.0.1 and wait until it answers; its output goes to ``logs/server.log``."""
        if self.running:
            return self
        if importlib.util.find_spec("olah") is None:
            raise RuntimeError(
                "olah is not installed: `pip install olah==0.5.4` (the course's environment has it; "
                "see requirements-nodeps.txt)."
            )
        # Any HTTP answer below 500 means the server is up; a repository that does not exist answers 401/404.
        probe = f"{self.url}/api/models/lab/health-check/refs"
        self.server = LocalServer(
            self.command(),
            url=probe,
            cwd=self.root,
            log_path=self.log_dir / "server.log",
            startup_timeout=timeout,
        )
        self.server.start()
        return self

    @property
    def running(self) -> bool:
        """True while the server process this object started is alive."""
        return self.server is not None and self.server.running

    def stop(self) -> bool:
        """Stop the server (if it runs); True when its port no longer accepts connections."""
        if self.server is not None:
            self.server.stop()
        return not port_open(self.port)

    def __enter__(self) -> HubMirror:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"HubMirror({self.url!r}, {'running' if self.running else 'stopped'}, root={str(self.root)!r})"


__all__ = ["GIT_SETTINGS", "HubMirror", "config_text", "init_bare_repo", "repo_path", "require_git"]
