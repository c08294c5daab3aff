"""Running this process's command again in place: same pid, same log, fresh interpreter.

Used to switch allocators before anything starts (:mod:`stream.memory`) and to restart a
stalled worker (:mod:`stream.agents.stall`); both must flush what they wrote first, or the
log loses its last lines.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import NoReturn


def run_again(env: Mapping[str, str] | None = None) -> NoReturn:
    """Replace this process with the same command line, with ``env`` added to its
    environment, after flushing logging and standard output."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], {**os.environ, **(env or {})})
