"""The few errors a user can see. Each message says what to do next; the CLI prints it and exits 2, the app shows gr.Error."""


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
           "SettingsError"]


def shown(value: object) -> str:
    """A file name or path as it may appear in a message: every character that is not printable (terminal escape
    codes, newlines, tabs, bidirectional overrides) is written as its escape (\\x1b, \\n, \\u202e), so a file
    name cannot rewrite the terminal or fake a line. Used by every message that names a file."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(value))
