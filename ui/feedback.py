"""Thumbs up/down on answers, kept in a small SQLite file beside the index (nothing leaves the machine).

One row per answer shown: when (UTC), the rating, the question as typed, whether it was answered or not covered,
the section ids the answer cited and, if one was picked, a short reason from a fixed list (REASONS: no free text,
so no names). No names, IP addresses, cookies or answer text. Bounded:
- one vote per answer: each answer shown has an id; clicking again changes that answer's rating, it adds no row;
  taking the vote back (clicking the pressed thumb again) deletes the row;
- a rate limit: at most `per_minute` votes a minute from one browser session, and as many from one client address
  (LAC_FEEDBACK_PER_MINUTE): fresh browser sessions from one machine do not get a fresh allowance each;
- a size cap: at most `max_rows` rows (LAC_FEEDBACK_MAX_ROWS); when it is reached new votes are refused (changing
  or taking back a vote still works). Older votes are never deleted to make room: a flood cannot evict them.
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
# The optional reasons offered with a thumbs down (under the chat's "Say what was wrong" button): picking one is a
# thumbs down with that reason. A fixed list: nothing personal can be typed into it.
REASONS = ("Not what I asked", "Out of date", "Hard to follow", "Something is missing")


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
        if "reason" not in columns:  # files written before reasons
            con.execute("ALTER TABLE feedback ADD COLUMN reason TEXT")
        con.execute("CREATE UNIQUE INDEX IF NOT EXISTS feedback_answer ON feedback (answer_id)")
        return con

    def record(self, liked: bool, question: str, refused: bool, cited_sections: list[str] | tuple[str, ...],
               answer_id: str | None = None, client: str = "", reason: str | None = None, address: str = "") -> int:
        """Store (or, for an answer already rated, change) one vote; returns its row id. `reason` must be one of
        REASONS (anything else is stored as no reason). `client`: the browser session; `address`: the client's
        address (each has its own rate limit)."""
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            "up" if liked else "down",
            str(question)[: self.max_question_chars],
            1 if refused else 0,
            ",".join(map(str, cited_sections))[:MAX_SECTIONS_CHARS],
            None if answer_id is None else str(answer_id)[:MAX_ANSWER_ID_CHARS],
            reason if reason in REASONS else None,
        )
        with self._lock:
            self._check_rate(client, address)
            try:
                with self._connect() as con:
                    known = row[5] is not None and con.execute(
                        "SELECT 1 FROM feedback WHERE answer_id = ?", (row[5],)).fetchone() is not None
                    if not known and con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] >= self.max_rows:
                        raise FeedbackFull
                    cur = con.execute(
                        "INSERT INTO feedback (created_utc, rating, question, refused, cited_sections, answer_id, "
                        "reason) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id) DO UPDATE SET "
                        "rating = excluded.rating, created_utc = excluded.created_utc, reason = excluded.reason "
                        "RETURNING id",
                        row,
                    )
                    row_id = int(cur.fetchone()[0])
                con.close()
            except FeedbackFull:
                raise FeedbackNotSaved("Thanks - the feedback file on this computer is full, so this rating was not "
                                       "saved; the answer is not affected.") from None
            except (sqlite3.Error, OSError) as exc:
                raise FeedbackNotSaved(
                    "Your feedback could not be saved on this computer (the disk may be read-only or full); "
                    "the answer is not affected."
                ) from exc
            return row_id

    def retract(self, answer_id: str, client: str = "", address: str = "") -> None:
        """Forget the vote on one answer (its thumb was clicked again); nothing to do if it had none."""
        with self._lock:
            self._check_rate(client, address)
            try:
                with self._connect() as con:
                    con.execute("DELETE FROM feedback WHERE answer_id = ?", (str(answer_id)[:MAX_ANSWER_ID_CHARS],))
                con.close()
            except (sqlite3.Error, OSError) as exc:
                raise FeedbackNotSaved("Your feedback could not be changed on this computer (the disk may be "
                                       "read-only or full); the answer is not affected.") from exc

    def _check_rate(self, client: str, address: str = "") -> None:
        """At most per_minute votes a minute per browser session and per client address (both must allow it)."""
        now = time.monotonic()
        keys = [f"session:{client}"] + ([f"address:{address}"] if address else [])
        windows = [self._recent.setdefault(key, deque()) for key in keys]
        for recent in windows:
            while recent and now - recent[0] > 60:
                recent.popleft()
        if any(len(recent) >= self.per_minute for recent in windows):
            raise FeedbackNotSaved("Thanks - that is a lot of ratings in one minute; please wait a moment "
                                   "before rating more answers.")
        for recent in windows:
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


class FeedbackFull(Exception):
    """The row cap is reached (internal: becomes FeedbackNotSaved)."""


def new_answer_id() -> str:
    """The id of one answer shown in the chat (kept in the chat's state with the turn it belongs to)."""
    return uuid.uuid4().hex


def record_vote(store: FeedbackStore, turn: object, liked: object, client: str = "", address: str = "") -> str | None:
    """A feedback click on the answer of chat turn `turn` (a dict kept in the chat's state). The chat's controls
    hold one choice per answer: Like (True), Dislike (False), one of REASONS (a thumbs down with that reason), or
    nothing ("": the pressed control was clicked again, so the vote is taken back). Returns what was done
    ("up", "down", "retracted"), None when the click is not feedback on a known answer; FeedbackNotSaved when
    it could not be stored."""
    if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
        return None
    reason = None
    if liked in (True, "Like"):
        up = True
    elif liked in (False, "Dislike"):
        up = False
    elif liked in REASONS:
        up, reason = False, str(liked)
    elif liked in ("", None) and turn.get("answer_id"):
        store.retract(turn["answer_id"], client=client, address=address)
        return "retracted"
    else:
        return None
    store.record(up, turn["question"], bool(turn.get("refused")), tuple(turn.get("sections") or ()),
                 answer_id=turn.get("answer_id"), client=client, reason=reason, address=address)
    return "up" if up else "down"


__all__ = ["REASONS", "FeedbackNotSaved", "FeedbackStore", "feedback_path", "new_answer_id", "record_vote"]
