"""helpers.timing and helpers.servers: the measuring and server-keeping code notebooks 13-20 share."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.servers import LocalServer, free_port, port_open, stop_all
from helpers.timing import _device_type, best_time, peak_rss_mib, synchronize


def test_best_time_is_the_minimum_after_warmup():
    calls = []
    delays = iter([0.0, 0.05, 0.01, 0.03])  # the first call is the warm-up: never measured

    def work():
        calls.append(1)
        time.sleep(next(delays))

    t = best_time(work, repeats=3, warmup=1)
    assert len(calls) == 4
    assert 0.01 <= t < 0.03


def test_best_time_rejects_bad_counts():
    with pytest.raises(ValueError, match="repeats >= 1"):
        best_time(lambda: None, repeats=0)


@pytest.mark.parametrize("device, kind", [("cpu", "cpu"), ("cuda:1", "cuda"), (None, "cpu"), ("mps", "mps")])
def test_device_type(device, kind):
    assert _device_type(device) == kind


def test_synchronize_cpu_and_unknown():
    import torch

    synchronize(torch.device("cpu"))
    with pytest.raises(ValueError, match="unknown device"):
        synchronize("tpu")


ROOT = Path(__file__).resolve().parents[1]
PEAK_PROBE = """
from helpers.timing import peak_rss_mib
before = peak_rss_mib()
block = bytearray(64 * 1024 * 1024)  # 64 MiB, touched
block[::4096] = b"x" * len(block[::4096])
print(before, peak_rss_mib())
"""


def test_peak_rss_grows_with_a_big_allocation():
    # In a fresh process: in this one, earlier tests may have left the high-water mark far above what is in use.
    result = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    before, after = map(float, result.stdout.split())
    assert after >= before + 32
    assert peak_rss_mib() > 1


def test_peak_rss_is_the_childs_own_not_its_parents():
    # ru_maxrss would report this (test) process's size in a child it starts; peak_rss_mib must not
    if not Path("/proc/self/status").exists():
        pytest.skip("VmHWM is Linux's; elsewhere peak_rss_mib falls back to ru_maxrss")
    ballast = bytearray(256 * 1024 * 1024)  # make this process clearly bigger than a bare interpreter
    ballast[::4096] = b"x" * len(ballast[::4096])
    probe = "from helpers.timing import peak_rss_mib; print(peak_rss_mib())"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 200, "a fresh interpreter importing helpers.timing is far below 256 MiB"
    del ballast


def _http_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]


def test_local_server_starts_answers_and_stops(tmp_path):
    port = free_port()
    assert not port_open(port)
    with LocalServer(_http_server(port), url=f"http://127.0.0.1:{port}/", cwd=tmp_path) as server:
        assert server.running and port_open(port)
    assert not server.running
    assert not port_open(port), "the port must be free again after stop()"


def test_a_server_that_dies_is_reported_with_its_log(tmp_path):
    log = tmp_path / "server.log"
    command = [sys.executable, "-c", "import sys; print('cannot bind: boom'); sys.exit(3)"]
    server = LocalServer(command, url=f"http://127.0.0.1:{free_port()}/", log_path=log)
    with pytest.raises(RuntimeError, match="exited with code 3") as err:
        server.start()
    assert "cannot bind: boom" in str(err.value)
    assert not server.running


def test_only_loopback():
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        LocalServer(["true"], url="http://0.0.0.0:8000/")


def test_stop_all_stops_what_was_started(tmp_path):
    port = free_port()
    server = LocalServer(_http_server(port), url=f"http://127.0.0.1:{port}/", cwd=tmp_path).start()
    assert server.running
    assert stop_all() == 1
    assert not server.running and not port_open(port)
