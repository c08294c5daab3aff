"""Ctrl-C that never lands inside the terminal display.

The progress display redraws from a thread of its own under a lock that the main thread
takes too, to update it or to print a status line. A KeyboardInterrupt raised while the main
thread holds that lock can leave it held: the display's thread then waits for it forever,
and stopping the display at exit waits for that thread, so the command never ends. While
the main thread is inside a shielded block a first Ctrl-C is noted and raised when the block
ends; a second one, or one outside any block, is raised at once.

>>> shield = Interrupts()
>>> try:
...     with shield:
...         shield._on(2, None)  # Ctrl-C inside the block: noted
...         print("the block goes on")
... except KeyboardInterrupt:
...     print("raised when it ends")
the block goes on
raised when it ends
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class Interrupts:
    def __init__(self) -> None:
        self.depth = 0
        self.pending = False
        self._old: Any = None

    def install(self) -> None:
        """Handle Ctrl-C here (in the main thread only; elsewhere nothing changes)."""
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._on)

    def uninstall(self) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None

    def _on(self, signum: int, frame: FrameType | None) -> None:
        SIGNALLED.set()
        if self.depth and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        self.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        if not self.depth and self.pending:
            self.pending = False
            raise KeyboardInterrupt


#: Set once a stop signal has arrived. A KeyboardInterrupt raised inside a C extension's
#: callback (a Kafka client reading its configuration) comes out as another exception
#: (``TypeError``); with this set, the command still knows it was asked to stop.
SIGNALLED = threading.Event()

#: The simulator's: its progress display and its status lines are shielded.
SHIELD = Interrupts()
