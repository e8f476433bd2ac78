"""The few errors a user can see. Each message says what to do next; the CLI prints it and exits 2, the app shows gr.Error.
And one the user should not see: a reader that closed the pipe (`python -m index status | head -1`), see run_cli."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


class LacGuideError(Exception):
    """Base class: anything the user can act on."""


class BadInputError(LacGuideError):
    """A question or file the user gave cannot be used as it is."""


class SettingsError(LacGuideError):
    """A setting (LAC_* environment variable) has a value outside what it accepts."""


class CorpusError(LacGuideError):
    """The corpus folder or manifest cannot be read."""


class IndexUnavailableError(LacGuideError):
    """The index is missing, damaged or built from other settings, and could not be rebuilt."""


class IndexBusyError(IndexUnavailableError):
    """Another build holds the index's lock beyond the wait allowed (settings.build_lock_wait); the message says
    which process and since when."""


class IndexPathError(IndexUnavailableError):
    """The index path holds something this program did not create (a user's folder or file, the corpus, a link
    elsewhere): it is never replaced or deleted."""


__all__ = ["LacGuideError", "BadInputError", "CorpusError", "IndexPathError", "IndexUnavailableError",
           "SettingsError", "run_cli"]


def shown(value: object) -> str:
    """A file name or path as it may appear in a message: every character that is not printable (terminal escape
    codes, newlines, tabs, bidirectional overrides) is written as its escape (\\x1b, \\n, \\u202e), so a file
    name cannot rewrite the terminal or fake a line. Used by every message that names a file."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))


def run_cli(main: Callable[[], int]) -> int:
    """A command-line entry point's exit status. A reader that goes away early (`... | head -1`) is no failure of
    the command: it stops quietly with status 1, as Python's signal documentation recommends, instead of reporting
    an error or printing a traceback. Standard output is flushed here, so an answer still buffered meets the closed
    pipe inside this function (also after argparse's --help, which exits), and is then pointed at /dev/null so the
    interpreter's last flush does not raise."""
    try:
        try:
            return main()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
