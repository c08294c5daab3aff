"""A benchmark killed with SIGTERM stops the broker and worker it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    """Every process whose parent is ``pid``, and theirs (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_soak_stops_its_broker_and_worker() -> None:
    soak = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.soak", "--rounds", "1", "--burst", "2000",
         "--rate", "200", "--steady-s", "600"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert soak.stdout is not None
    seen = []
    for line in soak.stdout:  # the steady run's first line: broker and worker are up
        seen.append(line.decode(errors="replace"))
        if line.lstrip().startswith(b"t+"):
            break
    else:
        raise AssertionError("the soak ended before its steady run:\n" + "".join(seen))
    started = _children(soak.pid)
    try:
        assert len(started) >= 2, started  # the embedded broker and the worker
        soak.send_signal(signal.SIGTERM)
        soak.communicate(timeout=120)
        assert soak.returncode != 0
        assert [p for p in started if _alive(p)] == []
    finally:  # a failure must not leave them running beside the next tests
        for pid in [p for p in started if _alive(p)]:
            os.kill(pid, signal.SIGKILL)
