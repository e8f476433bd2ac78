"""CI gate: the product on the locked test split stays within eval/thresholds.toml (same check as
`python -m eval --check`), and the CLI's exit codes, JSON and report, on fixture questions with a stub answerer."""

from __future__ import annotations

import json

import pytest
from question_fixtures import row, write_set

from eval.questions import available

SPAN = "Provide out-of-hours support for carers."


@pytest.mark.slow
@pytest.mark.skipif(not available(), reason="eval/questions/{train,dev,test}.jsonl not written yet")
def test_product_meets_thresholds_on_test_split(assistant):
    from eval.__main__ import check, evaluate, load_thresholds

    out = evaluate(lambda q, h: assistant.ask(q, h).to_json(), assistant.settings, splits=("test",), baselines=False)
    figures = out["figures"]["product"]["test"]["all"]
    verdict = check(figures, load_thresholds())
    assert figures["answerable"] >= 50 and figures["near"] >= 10
    assert verdict["ok"], {name: (value, bound) for name, (value, bound, ok) in verdict["results"].items() if not ok}
    assert figures["support"] is not None and figures["support"] >= 0.95  # extractive answers quote their passages


def test_thresholds_file_bounds_the_headline_figures():
    from eval.__main__ import load_thresholds

    bounds = load_thresholds()
    assert {"evidence@1", "evidence@3", "answer_evidence", "hit@1", "hit@3", "near_refusal", "far_refusal"} <= \
        set(bounds["minimum"])
    assert {"false_refusal", "title_only_answers"} <= set(bounds["maximum"])


def test_check_minimums_and_maximums():
    from eval.__main__ import check

    thresholds = {"minimum": {"evidence@1": 0.5, "answer_evidence": 0.5}, "maximum": {"false_refusal": 0.1}}
    good = check({"evidence@1": 0.6, "answer_evidence": 0.5, "false_refusal": 0.1}, thresholds)
    assert good["ok"]
    bad = check({"evidence@1": 0.6, "answer_evidence": None, "false_refusal": 0.2}, thresholds)
    assert not bad["ok"]
    assert [name for name, (_, _, ok) in bad["results"].items() if not ok] == ["answer_evidence", "false_refusal"]


def stub_answerer(question, history):
    """Answers every in-scope fixture question from the right passage; refuses nothing."""
    return {"question": question, "refused": False, "answer": SPAN,
            "citations": [{"rank": 1, "section_id": "d/box-1", "text": SPAN}],
            "lines": [{"text": SPAN, "kind": "quote", "citations": [1]}]}


def test_cli_check_exit_code_json_and_report(monkeypatch, tmp_path, capsys):
    import eval.__main__ as cli

    questions = write_set(tmp_path / "q", {
        "train": [row("t1", "train", evidence=[SPAN])],
        "dev": [row("d1", evidence=[SPAN]), row("d2", scope="near", kind="near-out-of-scope")],
        "test": [row("x1", "test", evidence=[SPAN]), row("x2", "test", scope="far", kind="far-out-of-scope",
                                                          question="a test question nobody may read")],
    })
    monkeypatch.setattr(cli, "product_answerer", lambda settings, embedder=None: stub_answerer)
    monkeypatch.setattr(cli, "REPORTS_DIR", tmp_path / "reports")
    strict = tmp_path / "strict.toml"
    strict.write_text('[minimum]\n"evidence@1" = 1.0\nfar_refusal = 0.5\n')
    monkeypatch.setattr(cli, "THRESHOLDS_FILE", strict)
    args = ["--questions", str(questions), "--no-baselines"]

    assert cli.main([*args, "--check", "--json"]) == 1  # the stub answers the far question: far refusal 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["check"]["split"] == "test" and payload["check"]["ok"] is False
    assert set(payload["figures"]["product"]) == {"train", "dev", "test"}
    assert payload["figures"]["product"]["test"]["all"]["evidence@1"] == 1.0
    assert [m["id"] for m in payload["dev_misses"]] == ["d2"]  # dev misses only

    strict.write_text('[minimum]\n"evidence@1" = 1.0\n[maximum]\nfalse_refusal = 0.0\n')
    assert cli.main([*args, "--check", "--split", "dev"]) == 0
    assert "check (dev split): ok" in capsys.readouterr().out

    assert cli.main(args) == 0
    report = (tmp_path / "reports" / "latest.md").read_text()
    assert (tmp_path / "reports" / "latest.png").exists()
    assert report.index("ev@1") < report.index("hit@1")  # evidence figures lead
    assert "q d2" in report  # dev misses in full
    assert "a test question nobody may read" not in report and "x2" not in report  # test: counts by kind only
    assert "| far-out-of-scope | 1 |" in report
