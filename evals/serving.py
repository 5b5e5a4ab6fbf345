"""Waiting for a server that a benchmark or a test started in another process."""
from __future__ import annotations


def wait_until_serving(url: str, timeout: float = 60, proc=None) -> bool:
    """Poll ``url``/api/health until the server answers (for scripts and tests that start
    one); False when ``timeout`` passes or the process ``proc`` has exited."""
    import time

    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False
