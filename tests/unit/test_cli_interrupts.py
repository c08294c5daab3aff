"""A stop signal that surfaces as another error still ends the command as interrupted."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from stream.cli import errors
from stream.cli.common import stop_cleanly_on_signals
from stream.cli.interrupts import SIGNALLED


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    SIGNALLED.clear()
    yield
    SIGNALLED.clear()
    for sig, handler in old.items():
        signal.signal(sig, handler)


def _kafka_client_interrupted() -> None:
    """What a Kafka client does with a Ctrl-C raised while it reads its configuration."""
    stop_cleanly_on_signals()
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        raise TypeError("expected configuration property name as type unicode string") from None


def test_an_error_after_a_stop_signal_ends_as_interrupted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        errors.run(_kafka_client_interrupted)
    assert exit_.value.code == 130
    assert "interrupted" in capsys.readouterr().err


def test_the_same_error_without_a_signal_is_a_failure(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        raise TypeError("expected configuration property name as type unicode string")

    with pytest.raises(SystemExit) as exit_:
        errors.run(broken)
    assert exit_.value.code == 1
    assert "TypeError" in capsys.readouterr().err
