"""Child processes of the CLI and the tests: stop one, and wait until it serves (its
/metrics says the worker is ready, or a URL answers 200)."""

from __future__ import annotations

import subprocess
import time
import urllib.parse
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from stream.broker import terminate
from stream.cli.common import console

__all__ = ["scrape", "scrape_total", "stop_process", "wait_http_ok", "wait_worker_ready"]


def scrape(url: str) -> str | None:
    """The text a /metrics URL serves; None if it cannot be reached (in 2 s)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return str(r.read().decode())
    except OSError:
        return None


def scrape_total(url: str, name: str) -> float | None:
    """The sum of a metric's samples (all label sets) at a /metrics URL; None if unreachable.
    Only that metric is asked for (``name[]``): a benchmark polling a busy worker's progress
    every 50 ms must not cost it the whole exposition each time."""
    text = scrape(f"{url}?{urllib.parse.urlencode({'name[]': name})}")
    if text is None:
        return None
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    )


def wait_worker_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Until the worker's /metrics at ``url`` says it is ready; raises if it exits first or
    is not ready in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with code {proc.returncode}")
        if scrape_total(url, "borderwatch_worker_ready") == 1.0:
            return
        time.sleep(0.25)
    raise RuntimeError(f"worker not ready after {timeout:.0f}s")


def wait_http_ok(url: str, timeout: float) -> bool:
    """Whether ``url`` answered 200 within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def stop_process(name: str, proc: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if ``proc`` has not ended in ``timeout`` seconds (saying so)."""
    if terminate(proc, timeout):
        console.print(f"{name} did not stop in {timeout:.0f}s: killed it")
