"""ui/feedback.py: votes on answers, their bounds (one per answer, rate limits, size caps) and a calm message when
the vote cannot be saved (no model, no server)."""

from __future__ import annotations

import pytest

from ui.feedback import FeedbackStore, feedback_path

# --- the store and its fields -----------------------------------------------------------------------------------------

def test_feedback_store_records_exactly_the_documented_fields(tmp_path):
    store = FeedbackStore(feedback_path(tmp_path / ".lac-index"), 2000)
    assert store.path == tmp_path / ".lac-index.feedback.sqlite3"
    store.record(True, "brothers and sisters?", False, ["ph28-qrg/rec-15", "nice-pathway-2021/box-10"])
    store.record(False, "capital of France?", True, [])
    rows = store.rows()
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert set(rows[0]) == {"id", "created_utc", "rating", "question", "refused", "cited_sections", "answer_id",
                            "reason"}
    assert rows[0]["cited_sections"] == "ph28-qrg/rec-15,nice-pathway-2021/box-10"
    assert rows[1]["refused"] == 1


def test_feedback_reasons_and_taking_a_vote_back(tmp_path):
    from ui.feedback import REASONS, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3")
    turn = {"question": "q", "refused": False, "sections": ["a/b"], "answer_id": "x1"}
    assert record_vote(store, turn, "Like") == "up"
    assert record_vote(store, turn, REASONS[1]) == "down"
    assert [(r["rating"], r["reason"]) for r in store.rows()] == [("down", REASONS[1])]
    assert record_vote(store, turn, "Like") == "up"
    assert [(r["rating"], r["reason"]) for r in store.rows()] == [("up", None)]
    assert record_vote(store, turn, "my child's name is ...") is None  # only the fixed reasons are stored
    assert record_vote(store, turn, "") == "retracted" and store.rows() == []


# --- red-team case 11: feedback bounds --------------------------------------------------------------------------------

def _turns(n: int) -> list[dict]:
    from ui.feedback import new_answer_id

    return [{"question": f"question {i}", "refused": False, "sections": ["a/b"], "answer_id": new_answer_id()}
            for i in range(n)]


def test_case_11_one_vote_per_answer_shown(tmp_path):
    from ui.feedback import FeedbackStore, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3")
    turns = _turns(2)
    for _ in range(5):
        assert record_vote(store, turns[0], "Like", client="s1")
    assert record_vote(store, turns[0], "Dislike", client="s1")  # changed mind: same row
    assert record_vote(store, turns[1], "Like", client="s1")
    assert not record_vote(store, None, "Like", client="s1") and not record_vote(store, turns[1], "maybe")
    rows = store.rows()
    assert [(r["question"], r["rating"]) for r in rows] == [("question 0", "down"), ("question 1", "up")]


def test_case_11_feedback_rate_limit_per_session(tmp_path):
    from ui.feedback import FeedbackNotSaved, FeedbackStore, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3", per_minute=5)
    turns = _turns(20)
    for n in range(5):
        record_vote(store, turns[n], "Like", client="flood")
    with pytest.raises(FeedbackNotSaved, match="wait a moment"):
        record_vote(store, turns[5], "Like", client="flood")
    assert record_vote(store, turns[6], "Like", client="someone else")
    assert len(store.rows()) == 6


def test_case_11_feedback_rows_are_cut_to_the_limits(tmp_path):
    from ui.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", max_rows=50, per_minute=10_000)
    for n in range(20):
        store.record(True, "q" * 5000, False, ["a/b"] * 1000, answer_id=f"answer-{n}")
    rows = store.rows()
    assert len(rows) == 20 and rows[-1]["answer_id"] == "answer-19"
    assert max(len(r["question"]) for r in rows) == 2000 and max(len(r["cited_sections"]) for r in rows) <= 2000


def test_case_11_concurrent_votes_are_all_kept(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from ui.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", per_minute=10_000)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: store.record(n % 2 == 0, f"q{n}", False, [], answer_id=f"a{n}", client=f"c{n % 8}"),
                      range(400)))
    assert len(store.rows()) == 400


def test_case_11_feedback_file_written_before_answer_ids_still_works(tmp_path):
    import sqlite3

    from ui.feedback import SCHEMA, FeedbackStore

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute(SCHEMA)
        con.execute("INSERT INTO feedback (created_utc, rating, question, refused, cited_sections) "
                    "VALUES ('2026-01-01T00:00:00+00:00', 'up', 'old', 0, '')")
    con.close()
    FeedbackStore(path).record(False, "new", True, [], answer_id="x")
    assert [r["question"] for r in FeedbackStore(path).rows()] == ["old", "new"]


def test_feedback_rate_limit_per_client_address_across_fresh_sessions(tmp_path):
    from ui.feedback import FeedbackNotSaved, FeedbackStore, record_vote

    store = FeedbackStore(tmp_path / "f.sqlite3", per_minute=5)
    turns = _turns(20)
    for n in range(5):  # a fresh browser session for every vote, all from one address
        record_vote(store, turns[n], "Like", client=f"session-{n}", address="192.0.2.7")
    with pytest.raises(FeedbackNotSaved, match="wait a moment"):
        record_vote(store, turns[5], "Like", client="session-new", address="192.0.2.7")
    assert record_vote(store, turns[6], "Like", client="session-other", address="192.0.2.8")
    assert len(store.rows()) == 6


def test_feedback_cap_refuses_new_votes_and_never_evicts_older_ones(tmp_path):
    from ui.feedback import FeedbackNotSaved, FeedbackStore

    store = FeedbackStore(tmp_path / "f.sqlite3", max_rows=50, per_minute=10_000)
    for n in range(50):
        store.record(True, f"genuine {n}", False, ["a/b"], answer_id=f"answer-{n}")
    for n in range(50, 80):  # a flood once the cap is reached
        with pytest.raises(FeedbackNotSaved, match="full"):
            store.record(False, "flood", False, [], answer_id=f"answer-{n}")
    store.record(False, "genuine 0", False, ["a/b"], answer_id="answer-0")  # changing a vote still works
    rows = store.rows()
    assert len(rows) == 50 and {r["question"] for r in rows} == {f"genuine {n}" for n in range(50)}
    assert rows[0]["rating"] == "down"
    store.retract("answer-1")  # taking one back makes room for one more
    store.record(True, "new", False, [], answer_id="answer-new")
    assert len(store.rows()) == 50


# --- red-team case 10: feedback on a read-only or full disk -----------------------------------------------------------

def test_case_10_feedback_on_a_read_only_or_full_disk_gives_a_calm_message(tmp_path, monkeypatch):
    import sqlite3

    from ui.feedback import FeedbackNotSaved, FeedbackStore

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(FeedbackNotSaved, match="could not be saved") as info:
        FeedbackStore(blocked / "f.sqlite3").record(True, "q", False, [], answer_id="a")
    assert "\n" not in str(info.value)

    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record(True, "q", False, [], answer_id="a")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "_connect", full)
    with pytest.raises(FeedbackNotSaved, match="could not be saved"):
        store.record(True, "q2", False, [], answer_id="b")
