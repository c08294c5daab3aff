"""docs/subscribing.md: its example subscriber, run as written against the embedded broker."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stream.models import Alert
from stream.settings import Settings
from tests.kafka_helpers import produce
from tests.unit.alert_samples import sample_alert

pytestmark = pytest.mark.integration
DOC = Path(__file__).parents[2] / "docs" / "subscribing.md"


def example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_example_is_about_fifteen_lines() -> None:
    lines = [ln for ln in example().splitlines() if ln.strip()]
    assert len(lines) <= 20


def test_every_alert_field_is_documented() -> None:
    text = DOC.read_text()
    missing = [f for f in Alert.model_fields if f"`{f}`" not in text]
    assert not missing, missing


def test_the_example_prints_an_alert_from_the_embedded_broker(
    topics: Settings, tmp_path: Path
) -> None:
    script = tmp_path / "subscriber.py"
    script.write_text(example())
    env = {**os.environ, "BORDERWATCH_BOOTSTRAP_SERVERS": topics.bootstrap_servers,
           "BORDERWATCH_TOPIC_PREFIX": topics.topic_prefix}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        alert = sample_alert(id="alr-5ub5cr1be0000001")
        produce(topics, topics.topic("alerts"),
                [(alert.id.encode(), alert.model_dump_json().encode())])
        deadline = time.monotonic() + 90
        seen = ""
        while time.monotonic() < deadline and alert.id not in seen:
            try:
                seen = lines.get(timeout=1)
            except queue.Empty:
                assert proc.poll() is None, "the example exited"
        assert seen.split() == [alert.id, "new", "high", "nogales"]
    finally:
        proc.kill()
        proc.wait()
