"""`make lab` really starts JupyterLab on 127.0.0.1, it answers on /lab, registers the kernel, turns off the
Jupyter news pop-up, and shuts down."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode("utf-8", "replace")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "jupyter").exists(), reason="run `make setup` first")
def test_make_lab_serves_and_shuts_down(tmp_path):
    port, token = _free_port(), "lab-test-token"
    env = dict(
        os.environ,
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        HF_HUB_OFFLINE="1",
    )
    args = f"--no-browser --IdentityProvider.token={token}"
    proc = subprocess.Popen(
        ["make", "-s", "-C", str(REPO), "lab", f"PORT={port}", f"LAB_ARGS={args}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        status, body = None, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/lab?token={token}")
                break
            except OSError:
                time.sleep(1)
        assert proc.poll() is None, f"make lab exited early:\n{proc.stdout.read()}"
        assert status == 200 and "JupyterLab" in body
        _, listing = _get(f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}")
        names = {item["name"] for item in json.loads(listing)["content"]}
        assert "01_attention_from_scratch.ipynb" in names
        _, kernels = _get(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}")
        assert "transformers-lab" in json.loads(kernels)["kernelspecs"]
        # No "get notified about official Jupyter news?" pop-up: the lab's own settings say never fetch news
        # (JupyterLab asks while fetchNews is "none"), and never check for updates.
        plugin = "@jupyterlab/apputils-extension:notification"
        _, settings = _get(f"http://127.0.0.1:{port}/lab/api/settings/{plugin}?token={token}")
        defaults = {k: v.get("default") for k, v in json.loads(settings)["schema"]["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = proc.stdout.read()
    assert f"http://127.0.0.1:{port}/lab" in output, output
    assert not _port_open(port), "the server is still listening after shutdown"
