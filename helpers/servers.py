"""Starting and stopping real local servers from a notebook or a test, safely.

Notebooks 17-20 run real servers (a Hub mirror, a FastAPI service, Gradio apps). The rules they follow:
listen on 127.0.0.1 only, wait until the server really answers before using it, bound every request loop,
and stop what you started (also when a cell fails). ``LocalServer`` does the bookkeeping::

    from helpers.servers import LocalServer, free_port

    port = free_port()
    with LocalServer([sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)],
                     url=f"http://127.0.0.1:{port}/health") as server:
        ...  # server.url answers here
    # stopped here, and its port is free again

Outside a ``with`` block call ``server.stop()`` yourself; ``stop_all()`` stops every server this process
started (notebooks call it in their last cell, and it also runs when the Python process exits).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
_RUNNING: list[LocalServer] = []


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now (the OS picks it).

    Example:
        >>> 1024 < free_port() < 65536
        True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``.

    Example:
        >>> port_open(free_port())
        False
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_http(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> int:
    """Poll ``url`` until it answers with any HTTP status below 500; return that status.

    Raises ``TimeoutError`` after ``timeout`` seconds, or ``RuntimeError`` at once if ``process`` exits
    first (a server that crashed on start-up will never answer, so there is no point in waiting).
    """
    deadline = time.monotonic() + timeout
    last_error: str = "no answer yet"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as err:
            if err.code < 500:
                return err.code
            last_error = f"HTTP {err.code}"
        except (urllib.error.URLError, OSError) as err:
            last_error = str(getattr(err, "reason", err))
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last_error})")


class LocalServer:
    """A server process started on 127.0.0.1, waited for, and stopped by the code that started it.

    ``command`` is the argument list (no shell). ``url`` is polled until it answers (any status < 500).
    The server's output (stdout and stderr) goes to ``log_path`` when given, so that a crash can be read
    afterwards (its last lines are shown when the server fails to start); without it the output is dropped.
    """

    def __init__(
        self,
        command: Sequence[str],
        url: str,
        *,
        cwd: str | Path | None = None,
        env: dict[str, str] | None = None,
        log_path: str | Path | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        if "://0.0.0.0" in url or "://[::]" in url:
            raise ValueError("servers in this course listen on 127.0.0.1 only; use http://127.0.0.1:PORT/...")
        self.command = [str(c) for c in command]
        self.url = url
        self.cwd = cwd
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._log: Any = None

    def start(self) -> LocalServer:
        """Start the process and wait until ``url`` answers. On failure, stop it and show its log's tail."""
        if self.process is not None:
            raise RuntimeError("this server is already started")
        self._log = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        _RUNNING.append(self)
        try:
            wait_for_http(self.url, timeout=self.startup_timeout, process=self.process)
        except BaseException as err:
            self.stop()
            raise RuntimeError(
                f"{' '.join(self.command[:4])} ... did not start: {err}{self._tail()}"
            ) from None
        return self

    def _tail(self, lines: int = 20) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\nLast lines of its log:\n" + "\n".join(text) if text else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """Ask the process to stop (SIGTERM), kill it if not stopped within ``timeout`` s; its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
        if self in _RUNNING:
            _RUNNING.remove(self)
        return self.process.returncode

    def __enter__(self) -> LocalServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LocalServer({self.url!r}, {state})"


def stop_all() -> int:
    """Stop every server this Python process started and has not stopped yet; how many were stopped."""
    running = list(_RUNNING)
    for server in running:
        server.stop()
    return len(running)


atexit.register(stop_all)

__all__ = ["HOST", "LocalServer", "free_port", "port_open", "stop_all", "wait_for_http"]
