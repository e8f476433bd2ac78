"""CI gate: the product on the held-out test split stays at or above eval/thresholds.toml (same check as
`python -m eval --split test --check`)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_product_meets_thresholds_on_test_split(assistant):
    from eval.__main__ import check, evaluate, load_thresholds

    out = evaluate(lambda q, h: assistant.ask(q, h).to_json(), split="test", baselines=False)
    figures = out["figures"]["product"]["test"]["all"]
    verdict = check(figures, load_thresholds())
    assert figures["answerable"] > 50 and figures["out_of_scope"] >= 10
    assert verdict["ok"], verdict["results"]
    assert figures["support"] is not None and figures["support"] >= 0.95  # extractive answers quote their passages


def test_cli_check_exit_code(assistant, monkeypatch, tmp_path, capsys):
    """--check exits 1 when a threshold is not met, 0 otherwise; --json prints the figures."""
    import json

    import eval.__main__ as cli

    monkeypatch.setattr(cli, "product_answerer", lambda index_dir=None: lambda q, h: assistant.ask(q, h).to_json())
    monkeypatch.setattr(cli, "REPORTS_DIR", tmp_path)
    strict = tmp_path / "thresholds.toml"
    strict.write_text('[product]\n"hit@1" = 1.01\n')
    monkeypatch.setattr(cli, "THRESHOLDS_FILE", strict)
    monkeypatch.setattr(cli, "load_thresholds", lambda path=strict: {"hit@1": 1.01})
    assert cli.main(["--split", "test", "--check", "--no-baselines", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["check"]["ok"] is False and "product" in payload["figures"]
    monkeypatch.setattr(cli, "load_thresholds", lambda path=strict: {"hit@1": 0.0})
    assert cli.main(["--split", "test", "--check", "--no-baselines"]) == 0
    assert (tmp_path / "latest.md").exists() and (tmp_path / "latest.png").exists()
