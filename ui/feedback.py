"""Thumbs up/down on answers, kept in a small SQLite file beside the index (nothing leaves the machine).

One row per click: when (UTC), the rating, the question as typed, whether it was answered or not
covered, and the section ids the answer cited. No names, IP addresses, cookies or answer text.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_utc TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    refused INTEGER NOT NULL,
    cited_sections TEXT NOT NULL
)
"""


def feedback_path(index_dir: Path) -> Path:
    """`<index dir>.feedback.sqlite3`, next to the index folder (git-ignored with it)."""
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".feedback.sqlite3")


class FeedbackStore:
    def __init__(self, path: Path, max_question_chars: int):
        self.path = Path(path)
        self.max_question_chars = max_question_chars  # settings.max_feedback_chars
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=5)
        con.execute(SCHEMA)
        return con

    def record(self, liked: bool, question: str, refused: bool, cited_sections: list[str] | tuple[str, ...]) -> int:
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "up" if liked else "down",
            str(question)[: self.max_question_chars],
            1 if refused else 0,
            ",".join(cited_sections),
        )
        with self._lock, self._connect() as con:
            cur = con.execute(
                "INSERT INTO feedback (created_utc, rating, question, refused, cited_sections) VALUES (?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid)

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self._lock, self._connect() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM feedback ORDER BY id")]


__all__ = ["FeedbackStore", "feedback_path"]
