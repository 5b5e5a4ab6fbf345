"""Importing the packages changes nothing in the process: environment variables and
warning filters are set by the entry points (the CLI, the server), not at import."""
from __future__ import annotations

import subprocess
import sys

CHECK = """
import os, warnings
import numpy, scipy.sparse, click, tqdm, yaml, fastapi, starlette  # their own filters are theirs
env, filters = dict(os.environ), list(warnings.filters)
import ui.cli, assistant.service, ingest.pipeline, index.store, ui.server, ui.mcp_server
assert dict(os.environ) == env, set(os.environ.items()) ^ set(env.items())
assert list(warnings.filters) == filters, warnings.filters[:3]
"""


def test_imports_have_no_side_effects():
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("HF_HUB_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED")}
    r = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
