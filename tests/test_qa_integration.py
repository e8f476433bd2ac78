"""The `ask` contract end to end on the real corpus: retrieval, answers, refusals, the CLI and LangChain."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from errors import BadInputError
from tests.conftest import ROOT
from tests.hostile_questions import QUESTIONS, citations_point_at_their_text

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("question, expected", [
    pytest.param("Can my foster child's brothers and sisters be placed with her?", "ph28-qrg/rec-15",
                 marks=pytest.mark.xfail(reason="still refused by the fitted coverage model (a known false refusal; "
                                         "its nearest topic is rec-15); the two wordings below are answered")),
    ("Will the children I foster be kept together with their brothers and sisters?", "ph28-qrg/rec-15"),
    ("Who can I call if something goes wrong in the middle of the night?", "nice-pathway-2021/box-9"),
    ("Can I get a break from caring?", "nice-pathway-2021/box-9"),
    ("Who do I call at 2am when things go wrong?", "nice-pathway-2021/box-9"),
    ("What should happen if a child in care keeps running away?", "nice-pathway-2021/box-2"),
    ("What training must foster carers get?", "nice-pathway-2021/box-10"),
    ("What is a virtual school?", "nice-pathway-2021/glossary-virtual-school"),
    ("What is the role of the IRO?", "ph28-qrg/rec-52"),
])
def test_plain_language_questions_find_the_guidance(assistant, question, expected):
    answer = assistant.ask(question)
    assert not answer.refused
    assert expected in [c.section_id for c in answer.citations[:3]]


def test_answer_sentences_are_copied_from_their_cited_passages(assistant):
    answer = assistant.ask("Can I get a break from caring?")
    by_rank = {c.rank: " ".join(c.text.split()) for c in answer.citations}
    for line in answer.answer.splitlines():
        match = re.fullmatch(r"(.*) \[(\d+)\]", line)
        if not match or line.startswith("Who should act:"):
            continue
        sentence = match.group(1).split(": ", 1)[-1] if match.group(1) not in by_rank[int(match.group(2))] else match.group(1)
        assert " ".join(sentence.split()) in by_rank[int(match.group(2))]


def test_superseded_guidance_carries_its_status_and_a_note(assistant):
    answer = assistant.ask("Which recommendation covers sibling placements and who must act on it?")
    rec = next(c for c in answer.citations if c.section_id == "ph28-qrg/rec-15")
    assert rec.status == "superseded" and rec.date == "2010" and "NG205" in rec.superseded_by
    assert "Recommendation 15: Support sibling placements" == rec.section
    assert "replaced with NG205" in answer.answer


def test_legal_text_is_never_the_first_citation_for_content(assistant):
    for question in ["What training must foster carers get?", "How should carers be supported?"]:
        answer = assistant.ask(question)
        assert answer.refused or answer.citations[0].kind != "legal"


def test_legal_text_answers_a_question_about_it(assistant):
    answer = assistant.ask("What are the responsibilities of commissioners?")
    assert answer.citations[0].kind == "legal"


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "How do I fix a flat bicycle tyre?",
])
def test_out_of_scope_questions_are_refused_with_nearest_topics(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused and not answer.citations
    assert answer.answer.startswith("The guidance in this collection doesn't cover this question.")


def test_same_question_same_answer(assistant):
    q = "How should carers be supported?"
    assert assistant.ask(q) == assistant.ask(q)
    assistant.clear_caches()
    assert assistant.ask(q).to_json() == assistant.ask(q).to_json()


def test_langchain_retriever_returns_documents_with_citation_metadata(assistant):
    from qa.langchain_retriever import LacGuideRetriever

    docs = LacGuideRetriever(assistant=assistant, k=3).invoke("sibling placements")
    assert len(docs) == 3
    assert {"doc_id", "section", "section_id", "status", "date"} <= set(docs[0].metadata)
    assert docs[0].page_content


def _cli(*args, stdin: str | None = None, index=None):
    cmd = [sys.executable, "-m", "qa", "ask", *args]
    if index is not None:
        cmd += ["--index", str(index)]
    return subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300)


def test_cli_json_contract(assistant):
    result = _cli("--json", "Can I get a break from caring?", index=assistant.index.path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {"question", "answer", "refused", "citations"} <= set(payload)
    assert {"rank", "doc_id", "title", "section", "text", "score", "status", "date"} <= set(payload["citations"][0])


def test_cli_batch_keeps_order_and_reports_bad_lines(assistant):
    questions = "What is a virtual school?\n\nCan I get a break from caring?\n"
    result = _cli("--json", "--batch", "-", stdin=questions, index=assistant.index.path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["What is a virtual school?", "", "Can I get a break from caring?"]
    assert "error" in rows[1] and rows[0]["citations"]


def test_cli_history_makes_follow_ups_work(assistant, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps(["What training should foster carers get?"]))
    result = _cli("--json", "--history", str(history), "and what about birth parents?", index=assistant.index.path)
    payload = json.loads(result.stdout)
    assert "nice-pathway-2021/box-10" in [c["section_id"] for c in payload["citations"]]


def test_readme_follow_up_is_answered_about_what_it_asks(assistant):
    """README's follow-up example: "who must act on it?" after the sibling question names the sibling
    recommendation's roles (asked alone, it is about another recommendation)."""
    from qa.model import LineKind

    answer = assistant.ask("who must act on it?", ["Which recommendation covers sibling placements?"])
    assert [c.section_id for c in answer.citations][:1] == ["ph28-qrg/rec-15"]
    assert any(line.kind is LineKind.WHO_SHOULD_ACT and "Placement teams" in line.text for line in answer.lines)


def test_a_typed_topic_switch_whose_pronoun_refers_inside_it_does_not_borrow_the_previous_question(assistant):
    """"their" refers to "the child I look after": the question names its own topic (siblings), so it is answered
    as asked, not about respite (the earlier question)."""
    question = "Will the child I look after be placed with their brothers and sisters?"
    answer = assistant.ask(question, ["Can I get a break from caring?"])
    cited = [c.section_id for c in answer.citations]
    assert not answer.refused and cited[0] == "ph28-qrg/rec-15"  # Support sibling placements
    assert "nice-pathway-2021/box-9" not in cited  # respite and short breaks
    assert cited == [c.section_id for c in assistant.ask(question).citations]


@pytest.mark.parametrize("args", [["   "], ["--batch", "/no/such/file"], []])
def test_cli_bad_input_exits_2_with_one_line(assistant, args):
    result = _cli(*args, index=assistant.index.path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_cli_stops_quietly_when_the_reader_closes_the_pipe(assistant):
    """`python -m qa ask --batch FILE | head -1`: no traceback once the reader has gone."""
    cmd = [sys.executable, "-m", "qa", "ask", "--batch", "-", "--index", str(assistant.index.path)]
    process = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    process.stdin.write("What is a virtual school?\n" * 200)
    process.stdin.close()
    assert process.stdout.readline()  # the first line of the first answer, then the reader goes away
    process.stdout.close()
    process.wait(timeout=300)
    assert "Traceback" not in process.stderr.read()
    assert process.returncode == 1


# --- hostile questions (reliability) ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", list(QUESTIONS))
def test_bad_questions_get_a_message_or_a_normal_answer(assistant, name):
    question, outcome = QUESTIONS[name]
    if outcome == "refused-input":
        with pytest.raises(BadInputError) as info:
            assistant.ask(question)
        message = str(info.value)
        assert message and len(message) < 300 and "\n" not in message
        if len(question) > 2000:
            assert "2,000" in message  # the documented limit is named
        return
    answer = assistant.ask(question)
    assert answer.answer.strip()
    assert "\x00" not in answer.question and "\ud800" not in answer.question
    citations_point_at_their_text(answer, assistant.index)
    json.dumps(answer.to_json(), ensure_ascii=False).encode("utf-8")  # serialisable for the CLI and the API


@pytest.mark.slow
def test_injection_attempt_only_quotes_the_guidance(assistant):
    answer = assistant.ask(QUESTIONS["instruction injection"][0])
    assert "pirate" not in answer.answer.lower() and "system prompt" not in answer.answer.lower()
    citations_point_at_their_text(answer, assistant.index)


@pytest.mark.slow
def test_bad_history_items_are_cleaned_or_ignored(assistant):
    answer = assistant.ask("and what about birth parents?", history=["", "   ", "What training\x00 should foster carers get?"])
    citations_point_at_their_text(answer, assistant.index)
    with pytest.raises(BadInputError):
        assistant.ask("and birth parents?", history=["x" * 5000])
    with pytest.raises(BadInputError):
        assistant.ask(None)  # type: ignore[arg-type]
