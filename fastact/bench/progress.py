"""A progress bar on stderr: what runs, how much is done, how long is left."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call as ``progress(done, total, label)``. Redraws one line on a terminal; elsewhere
    (CI logs) prints one line per step."""

    def __init__(self, stream=None, width: int = 28):
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        elapsed = time.perf_counter() - self.start
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        eta = f"{elapsed / done * (total - done):4.0f} s left" if done else "   ? s left"
        line = f"[{bar}] {done:3d}/{total} {eta}  {label}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120) + ("\n" if done == total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
