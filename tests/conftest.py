"""Tests run offline: any connection to, or name look-up of, a non-loopback host fails the test that made it.

Markers: `slow` (loads the real embedding model / builds an index), `browser` (real Chromium).
Shared fixtures build one real index per session, from the real corpus, into a temporary folder.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Libraries that phone home (gradio_client, huggingface_hub) are told not to, before any of them is imported.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _is_loopback(address) -> bool:
    if isinstance(address, tuple):
        host = address[0]
    else:  # AF_UNIX paths
        return True
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def block_network(monkeypatch):
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(method):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
                raise RuntimeError(f"test tried to reach the network: {address!r}")
            return method(self, address)

        return connect

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback((name, 0)):
            raise socket.gaierror(f"test tried to look up a network name: {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from settings import Settings

    return Settings.from_env().replace(index_dir=tmp_path_factory.mktemp("index") / "idx", corpus_dir=ROOT / "corpus")


@pytest.fixture(scope="session")
def embedder():
    from index.embedder import Embedder
    from settings import Settings

    return Embedder.from_settings(Settings.from_env())


@pytest.fixture(scope="session")
def assistant(settings, embedder):
    """A real Assistant over the real corpus; the index is built once per test session."""
    from qa.service import Assistant

    a = Assistant(settings, embedder=embedder)
    a.warm_up()
    return a


@pytest.fixture(scope="session")
def app_url(assistant, settings):
    """The real app, in this process, on a free loopback port."""
    import app

    demo, options = app.create_app(settings, assistant=assistant)
    port = app.free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **options)
    yield f"http://127.0.0.1:{port}/"
    demo.close()
