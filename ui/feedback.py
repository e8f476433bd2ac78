"""Thumbs up/down on answers, kept in a small SQLite file beside the index (nothing leaves the machine).

One row per answer shown: when (UTC), the rating, the question as typed, whether it was answered or not covered,
and the section ids the answer cited. No names, IP addresses, cookies or answer text. Bounded:
- one vote per answer: each answer shown has an id; clicking again changes that answer's rating, it adds no row;
- a rate limit: at most `per_minute` votes a minute from one browser session (LAC_FEEDBACK_PER_MINUTE);
- a size cap: at most `max_rows` rows (LAC_FEEDBACK_MAX_ROWS); beyond it the oldest rows are deleted.
A vote that cannot be stored (rate limit, read-only or full disk) raises FeedbackNotSaved with a calm message;
the answer itself is unaffected.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from errors import LacGuideError
from settings import default_of

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
MAX_SECTIONS_CHARS = 2000
MAX_ANSWER_ID_CHARS = 64


class FeedbackNotSaved(LacGuideError):
    """A vote that was not stored; the message can be shown as it is."""


def feedback_path(index_dir: Path) -> Path:
    """`<index dir>.feedback.sqlite3`, next to the index folder (git-ignored with it)."""
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".feedback.sqlite3")


class FeedbackStore:
    def __init__(self, path: Path, max_question_chars: int = default_of("max_feedback_chars"),
                 max_rows: int = default_of("feedback_max_rows"), per_minute: int = default_of("feedback_per_minute")):
        self.path = Path(path)
        self.max_question_chars = max_question_chars
        self.max_rows = max_rows
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    @classmethod
    def from_settings(cls, path: Path, settings) -> FeedbackStore:
        return cls(path, max_question_chars=settings.max_feedback_chars, max_rows=settings.feedback_max_rows,
                   per_minute=settings.feedback_per_minute)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=5)
        con.execute(SCHEMA)
        columns = {row[1] for row in con.execute("PRAGMA table_info(feedback)")}
        if "answer_id" not in columns:  # files written before answers had ids
            con.execute("ALTER TABLE feedback ADD COLUMN answer_id TEXT")
        con.execute("CREATE UNIQUE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id)")
        return con

    def record(self, liked: bool, question: str, refused: bool, cited_sections: list[str] | tuple[str, ...],
               answer_id: str | None = None, client: str = "") -> int:
        """Store (or, for an answer already rated, change) one vote; returns its row id."""
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            "up" if liked else "down",
            str(question)[: self.max_question_chars],
            1 if refused else 0,
            ",".join(map(str, cited_sections))[:MAX_SECTIONS_CHARS],
            None if answer_id is None else str(answer_id)[:MAX_ANSWER_ID_CHARS],
        )
        with self._lock:
            self._check_rate(client)
            try:
                with self._connect() as con:
                    cur = con.execute(
                        "INSERT INTO feedback (created_utc, rating, question, refused, cited_sections, answer_id) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
                        "rating = excluded.rating, created_utc = excluded.created_utc RETURNING id",
                        row,
                    )
                    row_id = int(cur.fetchone()[0])
                    con.execute("DELETE FROM feedback WHERE id <= ?", (row_id - self.max_rows,))
                con.close()
            except (sqlite3.Error, OSError) as exc:
                raise FeedbackNotSaved(
                    "Your feedback could not be saved on this computer (the disk may be read-only or full); "
                    "the answer is not affected."
                ) from exc
            return row_id

    def _check_rate(self, client: str) -> None:
        now = time.monotonic()
        recent = self._recent.setdefault(client, deque())
        while recent and now - recent[0] > 60:
            recent.popleft()
        if len(recent) >= self.per_minute:
            raise FeedbackNotSaved("Thanks - that is a lot of ratings in one minute; please wait a moment "
                                   "before rating more answers.")
        recent.append(now)
        for key in [k for k, times in self._recent.items() if not times or now - times[-1] > 60]:
            del self._recent[key]  # forget quiet sessions: the table stays small

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self._lock, self._connect() as con:
            con.row_factory = sqlite3.Row
            rows = [dict(r) for r in con.execute("SELECT * FROM feedback ORDER BY id")]
        con.close()
        return rows


def new_answer_id() -> str:
    """The id of one answer shown in the chat (kept in the chat's state with the turn it belongs to)."""
    return uuid.uuid4().hex


def record_vote(store: FeedbackStore, turn: object, liked: object, client: str = "") -> bool:
    """A thumbs click on the answer of chat turn `turn` (a dict kept in the chat's state): store it for that
    answer. False when the click is not a vote on a known answer; FeedbackNotSaved when it could not be stored."""
    if liked in (True, "Like"):
        up = True
    elif liked in (False, "Dislike"):
        up = False
    else:
        return False
    if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
        return False
    store.record(up, turn["question"], bool(turn.get("refused")), tuple(turn.get("sections") or ()),
                 answer_id=turn.get("answer_id"), client=client)
    return True


__all__ = ["FeedbackNotSaved", "FeedbackStore", "feedback_path", "new_answer_id", "record_vote"]
