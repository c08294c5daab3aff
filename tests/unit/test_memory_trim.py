"""Memory back to the OS: at once after a burst is released, and on an allocator whose
free pages a trim can return."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import orjson
import pytest
from prometheus_client import CollectorRegistry

from geofences.index import GeofenceSet
from stream import memory
from stream.batch import RawMessage
from stream.metrics import Metrics
from stream.pipeline import Pipeline
from stream.settings import Settings

T0 = 1_800_000_000.0
glibc = pytest.mark.skipif(memory._TRIM is None, reason="malloc_trim is glibc's")


def _gateway(n: int, seq0: int, ts: float) -> bytes:
    return orjson.dumps({"v": 1, "source": "gw", "reports": [
        {"v": 1, "sensor_id": f"s-{k % 40}", "seq": seq0 + k, "kind": "seismic", "ts": ts,
         "lon": -111.0 + k * 1e-5, "lat": 31.35} for k in range(n)]})


def test_a_batch_that_releases_a_burst_trims_once(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(memory, "trim", lambda: trims.append(1) or True)
    monkeypatch.setattr(memory, "TRIM_AFTER_RELEASED", 150)
    s = Settings()
    p = Pipeline(s, GeofenceSet.load_bundled(), Metrics(CollectorRegistry()))
    topic = s.topic("sensors.ground")
    small = [RawMessage(topic, 0, 0, b"gw", _gateway(100, 0, T0))]
    p.process(small, T0 + 0.5)
    p.tick(T0 + 20)  # 100 released: fewer than a burst
    assert len(p.correlator.held) == 0 and trims == []
    burst = [RawMessage(topic, 0, 1 + i, b"gw", _gateway(100, 100 * (i + 1), T0 + 20))
             for i in range(2)]
    p.process(burst, T0 + 20.5)
    assert len(p.correlator.held) == 200 and trims == []  # held: not freed yet
    p.tick(T0 + 40)
    assert len(p.correlator.held) == 0 and trims == [1]
    p.tick(T0 + 60)
    assert trims == [1]


def test_the_worker_runs_again_on_malloc(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(memory, "_TRIM", lambda _: 1)
    monkeypatch.setattr(memory, "JEMALLOC", None)  # a system without jemalloc
    monkeypatch.setattr(os, "execve", lambda *a: calls.append(a))
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "stream.cli", "worker", "-v"])
    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    memory.use_system_allocator()  # not the borderwatch program (a test runner): kept
    assert calls == []
    monkeypatch.setattr(memory, "RERUN_ALLOWED", True)  # as stream.cli.main sets it
    memory.use_system_allocator()
    assert [(exe, argv, env["PYTHONMALLOC"], "LD_PRELOAD" in env)
            for exe, argv, env in calls] == [
        (sys.executable, [sys.executable, "-m", "stream.cli", "worker", "-v"], "malloc", False)]
    monkeypatch.setenv("PYTHONMALLOC", "pymalloc")  # a choice made (or the run again)
    memory.use_system_allocator()
    assert len(calls) == 1


def test_the_worker_preloads_jemalloc_where_the_system_has_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, str]] = []
    monkeypatch.setattr(memory, "JEMALLOC", "libjemalloc.so.2")
    monkeypatch.setattr(memory, "RERUN_ALLOWED", True)
    monkeypatch.setattr(os, "execve", lambda _exe, _argv, env: calls.append(env))
    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    monkeypatch.setenv("LD_PRELOAD", "libother.so")  # kept, jemalloc added
    memory.use_system_allocator()
    memory.use_system_allocator(jemalloc=False)  # BORDERWATCH_ALLOCATOR=system
    assert [(env["PYTHONMALLOC"], env["LD_PRELOAD"]) for env in calls] == [
        ("malloc", "libother.so libjemalloc.so.2"), ("malloc", "libother.so")]


@glibc
@pytest.mark.parametrize("choice", [
    "system",
    pytest.param("jemalloc", marks=pytest.mark.skipif(
        memory.JEMALLOC is None, reason="no jemalloc on this system (Debian: libjemalloc2; "
        "scripts/system-deps installs it)")),
])
def test_on_malloc_a_trim_returns_what_a_burst_left_scattered(choice: str) -> None:
    """One object in 50 outliving a burst keeps Python's arenas; not glibc's or jemalloc's
    pages."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from stream import memory
        memory.RERUN_ALLOWED = True
        memory.use_system_allocator(jemalloc={choice == "jemalloc"})
        def rss():
            status = Path("/proc/self/status").read_text().splitlines()
            return int(next(s for s in status if s.startswith("VmRSS:")).split()[1]) // 1024
        keep, burst = [], []
        for i in range(600_000):
            (keep if i % 50 == 0 else burst).append({{"ts": float(i), "id": str(i)}})
        peak = rss()
        del burst
        before = rss()
        memory.trim()
        print(os.environ["PYTHONMALLOC"], memory.allocator(), peak, before, rss(), len(keep))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONMALLOC", "LD_PRELOAD")}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    peak, before, after, kept = (int(v) for v in out[2:])
    assert (out[0], out[1], kept) == (
        "malloc", "glibc" if choice == "system" else "jemalloc", 12_000)
    burst = peak - 30  # (some 30 MB is the interpreter and stream)
    assert before - after > burst / 4  # the trim gave back pages
    if choice == "system":  # glibc frees by the 4 KB page: nearly all of them
        assert after - 30 < burst / 4
    else:  # jemalloc by its slabs, a few pages each: the survivors pin more of them
        assert after - 30 < burst * 0.7
