"""The app's named endpoint `/ask`, called with gradio_client, returns the same object as `python -m qa ask --json`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_ask_endpoint_matches_the_cli_json(app_url, assistant):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    question = "Will the child I look after be placed with their brothers and sisters?"
    got = client.predict(question, api_name="/ask")
    assert got == assistant.ask(question).to_json()
    assert set(got) == {"question", "answer", "refused", "citations", "nearest_topics", "notices", "lines"}
    assert any("sibling" in c["section"].lower() for c in got["citations"])


def test_ask_endpoint_refuses_out_of_scope_and_reports_bad_input(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    got = client.predict("What is the capital of France?", api_name="/ask")
    assert got["refused"] is True and got["citations"] == []
    assert got["nearest_topics"] == []  # nothing in the guidance is near the capital of France
    assert [line["kind"] for line in got["lines"]] == ["refusal", "next-step"]
    with pytest.raises(Exception, match="Type a question"):
        client.predict("   ", api_name="/ask")


@pytest.mark.parametrize("question", [
    "The girl I foster just told me someone at home is hurting her. What do I do?",  # refused
    "My foster son hasn't come home tonight, what should I do?",
])
def test_safety_notice_is_the_first_line_in_the_api_and_the_cli(app_url, assistant, question):
    from gradio_client import Client

    from qa.cli import format_text

    got = Client(app_url, verbose=False).predict(question, api_name="/ask")
    assert got["lines"][0]["kind"] == "safety-notice" and "999" in got["lines"][0]["text"]
    assert got["notices"] == [got["lines"][0]["text"]]
    assert all(line["kind"] != "safety-notice" for line in got["lines"][1:])
    text = format_text(assistant.ask(question)).splitlines()
    assert text[0] == "!! SAFETY NOTICE" and text[1].startswith("  Standard safety notice (not from the guidance)")


def test_only_ask_is_a_public_endpoint(app_url):
    from gradio_client import Client

    endpoints = Client(app_url, verbose=False).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(endpoints) == ["/ask"]


def test_server_address_honours_gradio_env(monkeypatch):
    import app
    from settings import Settings

    assert app.server_address(Settings()) == ("127.0.0.1", 7860)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "9999")
    assert app.server_address(Settings()) == ("0.0.0.0", 9999)


def test_new_conversation_cancels_answers_still_in_flight(assistant, settings):
    """A queued answer to the old conversation must not bring it back after "New conversation" or the chat's bin."""
    import app

    demo, _ = app.create_app(settings, assistant=assistant)
    answer_steps = {fn_id for fn_id, fn in demo.fns.items() if fn.name == "answer"}
    dependencies = demo.get_config_file()["dependencies"]
    clearing = {tuple(map(tuple, d["targets"])) for d in dependencies if demo.fns[d["id"]].name == "new_conversation"}
    cancelling = {tuple(map(tuple, d["targets"])): set(d["cancels"]) for d in dependencies if d["cancels"]}
    assert answer_steps and len(clearing) == 2
    assert all(cancelling.get(targets) == answer_steps for targets in clearing)
