"""Launching a Gradio app for a browser test: on 127.0.0.1, on a free port, closed and checked closed after.

``from server_support import launched`` (tests/ is on pytest's ``pythonpath``)::

    @pytest.fixture(scope="module")
    def app():
        with launched(build_demo(...), "the demo") as (demo, url, port):
            yield demo, url, port
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from helpers.servers import free_port, port_open


@contextmanager
def launched(app: Any, name: str) -> Iterator[tuple[Any, str, int]]:
    """Launch ``app`` (a Gradio Blocks or Interface) without blocking; yield (app, url, port); close it.

    After ``close()`` the port must be closed: a test that leaves a server listening fails here.
    """
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield app, f"http://127.0.0.1:{port}/", port
    finally:
        app.close()
    assert not port_open(port), f"{name}'s port is still open after close()"
