"""The app's named endpoint `/ask`, called with gradio_client, returns the same object as `python -m qa ask --json`;
the app under load and hostile calls (a small app over a fake assistant: no model, quick)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.hostile_questions import QUESTIONS


@pytest.mark.slow
def test_ask_endpoint_matches_the_cli_json(app_url, assistant):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    question = "Will the child I look after be placed with their brothers and sisters?"
    got = client.predict(question, api_name="/ask")
    assert got == assistant.ask(question).to_json()
    assert set(got) == {"question", "answer", "refused", "citations", "nearest_topics", "notices", "lines"}
    assert any("sibling" in c["section"].lower() for c in got["citations"])


@pytest.mark.slow
def test_ask_endpoint_refuses_out_of_scope_and_reports_bad_input(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    got = client.predict("What is the capital of France?", api_name="/ask")
    assert got["refused"] is True and got["citations"] == []
    assert got["nearest_topics"] == []  # nothing in the guidance is near the capital of France
    assert [line["kind"] for line in got["lines"]] == ["refusal", "next-step"]
    with pytest.raises(Exception, match="Type a question"):
        client.predict("   ", api_name="/ask")


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# --- the app under load and hostile calls (issue 22), over a fake assistant --------------------------------------

class _Result:
    def __init__(self, question: str):
        self.question = question

    def to_json(self) -> dict:
        return {"question": self.question, "answer": "fake"}


class FakeAssistant:
    """What the app reads from qa.service.Assistant, with no index and no model; ask() waits for `gate`."""

    def __init__(self):
        self.gate = threading.Event()
        self.gate.set()
        self.warmed_for_answering = False

    def warm_up(self, progress: bool = False, answering: bool = False) -> None:
        self.warmed_for_answering = answering

    def outline(self):
        return []

    def documents(self):
        return {}

    def section(self, section_id):
        return None

    def ask(self, question, history=()):
        self.gate.wait(30)
        return _Result(question)


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    """The real app (create_app: queue, middleware, protocol) over FakeAssistant: queue of 3, one answer at a time,
    requests must arrive within 1 s."""
    import app
    from settings import Settings

    settings = Settings().replace(index_dir=tmp_path_factory.mktemp("app") / "idx", queue_size=3, ask_concurrency=1,
                                  request_timeout=1.0)
    assistant = FakeAssistant()
    demo, options = app.create_app(settings, assistant=assistant)
    port = app.free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **options)
    yield demo, port, assistant
    assistant.gate.set()
    demo.close()


def test_the_app_loads_what_answering_needs_before_it_serves(small_app):
    """A trainer's first question is as quick as the rest: the dictionary and safety patterns load at start."""
    _, _, assistant = small_app
    assert assistant.warmed_for_answering


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _post_ask(port: int, data) -> tuple[int, bytes]:
    return _request(port, "POST", "/gradio_api/call/ask", json.dumps({"data": data}).encode())


def _drained(demo, timeout: float = 20) -> None:
    """Until no call is queued, running or still being wound up (Gradio drops a finished call's event a moment
    after its job slot is freed; a sweep in that moment rightly keeps the session)."""
    queue = demo._queue
    deadline = time.monotonic() + timeout
    while (len(queue) or any(queue.active_jobs) or queue.event_ids_to_events) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_full_queue_refuses_more_calls_with_a_busy_try_again_message(small_app):
    from ui.http_limits import BUSY_MESSAGE

    demo, port, assistant = small_app
    assistant.gate.clear()  # the first call blocks the only worker; the rest wait in the queue
    try:
        statuses = [_post_ask(port, [f"question {n}", []]) for n in range(40)]
    finally:
        assistant.gate.set()
    accepted = [s for s, _ in statuses if s == 200]
    busy = [body for s, body in statuses if s == 503]
    assert 3 <= len(accepted) <= 5 and len(accepted) + len(busy) == 40  # the queue (3) and the one being answered
    assert all(json.loads(body)["detail"] == BUSY_MESSAGE for body in busy)
    _drained(demo)
    assert _post_ask(port, ["after the rush", []])[0] == 200  # free again


def test_answers_nobody_collects_are_released(small_app):
    from ui.http_limits import UnreadResults

    demo, port, _ = small_app
    _drained(demo)
    queue = demo._queue
    before = len(queue.pending_messages_per_session)
    ids = [json.loads(_post_ask(port, [f"never read {n}", []])[1])["event_id"] for n in range(3)]
    _drained(demo)
    assert len(queue.pending_messages_per_session) >= before + 3  # Gradio keeps each result for a reader
    unread = UnreadResults(unread_seconds=0.0)
    unread.sweep(queue)  # seen waiting once...
    assert unread.sweep(queue, now=time.monotonic() + 1) >= 3  # ...and still waiting at the next sweep: released
    assert not any(event_id in ids for pending in queue.pending_event_ids_session.values() for event_id in pending)
    status, body = _request(port, "GET", f"/gradio_api/call/ask/{ids[0]}")
    assert status == 404 or b"never read 0" not in body


def test_a_result_that_is_read_is_not_released_while_its_call_runs(small_app):
    from ui.http_limits import UnreadResults

    demo, port, assistant = small_app
    _drained(demo)
    assistant.gate.clear()
    try:
        event_id = json.loads(_post_ask(port, ["slow one", []])[1])["event_id"]
        unread = UnreadResults(unread_seconds=0.0)
        unread.sweep(demo._queue)
        unread.sweep(demo._queue, now=time.monotonic() + 1)
    finally:
        assistant.gate.set()
    status, body = _request(port, "GET", f"/gradio_api/call/ask/{event_id}")
    assert status == 200 and b"slow one" in body


def test_upload_route_is_closed_because_the_app_has_no_file_input(small_app):
    _, port, _ = small_app
    body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.bin\"\r\n\r\n" + b"x" * 100_000 + \
        b"\r\n--b--\r\n"
    status, reply = _request(port, "POST", "/gradio_api/upload", body,
                             headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 404 and b"no file uploads" in reply


def test_half_sent_requests_are_closed_after_the_request_timeout(small_app):
    _, port, _ = small_app
    half_sent = []
    for n in range(60):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        # half the headers, or the headers and half a body
        sock.sendall(b"GET / HTTP/1.1\r\nHost: local" if n % 2 else
                     b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"data\": [")
        half_sent.append(sock)
    time.sleep(2.5)  # request_timeout is 1 s here
    closed = 0
    for sock in half_sent:
        try:
            sock.recv(1024)  # EOF (or a reply before it) once cut off; an open connection times out here
            closed += 1
        except ConnectionResetError:
            closed += 1
        except TimeoutError:
            pass
        finally:
            sock.close()
    assert closed == len(half_sent)
    assert _request(port, "GET", "/")[0] == 200  # whole requests are unaffected


def test_host_header_must_be_this_apps_name_or_an_address(small_app):
    _, port, _ = small_app
    assert _request(port, "GET", "/", headers={"Host": "evil.example"})[0] == 421  # DNS rebinding
    assert _request(port, "GET", "/", headers={"Host": f"rebind.evil.example:{port}"})[0] == 421
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}", f"10.0.0.5:{port}"):
        assert _request(port, "GET", "/", headers={"Host": host})[0] == 200, host


def test_malformed_calls_are_client_errors_without_a_traceback_in_the_log(small_app, capfd):
    demo, port, _ = small_app
    _drained(demo)
    capfd.readouterr()
    for data in ([], [123], [None], [["a"]], [{"a": 1}]):
        status, body = _post_ask(port, data)
        assert status == 422 and b"takes 2 values" in body, (data, body)
    status, _ = _request(port, "POST", "/gradio_api/call/nosuch", b'{"data": []}')
    assert status == 404
    event_id = json.loads(_post_ask(port, ["q", "not a list"])[1])["event_id"]
    status, body = _request(port, "GET", f"/gradio_api/call/ask/{event_id}")
    assert b"event: error" in body and b"history must be a list" in body
    time.sleep(0.3)
    assert "Traceback" not in capfd.readouterr().err


# --- red-team cases 5 and 13: request size and app edges (the real app on a loopback port) ----------------------------

ROOT = Path(__file__).resolve().parents[1]


def _http(url: str, method: str, path: str, body=None, headers=None):
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_case_05_declared_oversized_body_is_refused_before_it_is_read(app_url):
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(app_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"POST /gradio_api/call/ask HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000000\r\n\r\n")  # 100 MB announced, none of it sent
        reply = b""
        while chunk := sock.recv(4096):  # the server answers and closes without reading the body
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413") and b"LAC_MAX_REQUEST_BYTES" in reply


@pytest.mark.slow
def test_case_05_streamed_oversized_bodies_are_cut_off_and_memory_stays_bounded(app_url):
    from concurrent.futures import ThreadPoolExecutor

    def chunks():
        block = b"x" * (1 << 20)
        for _ in range(30):  # 30 MB each, no Content-Length
            yield block

    def post(_):
        try:
            return _http(app_url, "POST", "/gradio_api/call/ask", body=chunks(),
                         headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})[0]
        except OSError:  # the server closed the connection while the client was still sending: also refused
            return 413

    before = _rss_bytes()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(post, range(4)))
    assert statuses == [413] * 4
    assert _rss_bytes() - before < 60_000_000  # four 30 MB bodies were not buffered (120 MB)
    status, body = _http(app_url, "POST", "/gradio_api/call/ask",
                         body=b'{"data": ["Can I get a break from caring?", []]}',
                         headers={"Content-Type": "application/json"})
    assert status == 200 and b"event_id" in body  # normal calls are unaffected


@pytest.mark.slow
def test_case_13_overlong_url_and_unknown_event_are_client_errors_not_500(app_url):
    status, _ = _http(app_url, "GET", "/?section=" + "a" * 65_537)
    assert status == 414
    payload = b'{"fn_index": 9999, "data": [], "session_hash": "abc", "event_data": null, "trigger_id": null}'
    for path in ("/gradio_api/queue/join", "/gradio_api/run/predict"):
        status, body = _http(app_url, "POST", path, body=payload, headers={"Content-Type": "application/json"})
        assert status == 404 and b"no event 9999" in body
    status, _ = _http(app_url, "GET", "/?section=nice-pathway-2021/box-2")
    assert status == 200


@pytest.mark.slow
def test_case_13_unknown_section_link_says_it_was_not_found(assistant):
    import gradio as gr

    from ui.feedback import FeedbackStore
    from ui.views import build_demo

    demo = build_demo(assistant, FeedbackStore(Path("/nonexistent/feedback.sqlite3")), assistant.settings)
    (on_load,) = [f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_load"]
    *_, body = on_load(gr.Request(query_params={"section": "passwd/<b>root</b>"}))
    assert "was not found" in body and "&lt;b&gt;root" in body
    *_, body = on_load(gr.Request(query_params={"section": next(iter(assistant.index.sections))}))
    assert "was not found" not in body


def test_case_13_second_app_on_a_busy_port_stops_with_one_line_before_loading():
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, LAC_PORT=str(port), LAC_HOST="127.0.0.1", PYTHONPATH=str(ROOT))
        env.pop("GRADIO_SERVER_PORT", None)
        run = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert run.returncode == 2 and "Ready" not in run.stdout
    assert run.stderr.strip().count("\n") == 0 and f"port {port}" in run.stderr and "LAC_PORT" in run.stderr


# --- hostile questions through the app's endpoint (reliability) -------------------------------------------------------

@pytest.mark.slow
def test_app_endpoint_survives_every_bad_question(app_url, assistant, monkeypatch):
    import huggingface_hub.constants
    from gradio_client import Client

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)  # keep the client offline
    client = Client(app_url, verbose=False)
    for name, (question, outcome) in QUESTIONS.items():
        question = question.replace("\ud800", "\ufffd")  # an HTTP client cannot encode a lone surrogate
        if outcome == "refused-input":
            with pytest.raises(Exception) as info:
                client.predict(question, api_name="/ask")
            assert ("limit is 2,000" if len(question) > 2000 else "Type a question") in str(info.value), name
        else:
            got = client.predict(question, api_name="/ask")
            assert got["answer"], name
            for c in got["citations"]:
                for line in c["text"].split("\n"):
                    assert line in assistant.index.sections[c["section_id"]].text
    # and the app still answers afterwards
    assert client.predict("Can I get a break from caring?", api_name="/ask")["citations"]


def test_a_busy_reader_whose_queue_is_never_empty_is_not_released():
    """Under load a client's queue can hold a message at every sweep, but never the same one: it is being read."""
    import asyncio

    from ui.http_limits import UnreadResults

    class Queue:
        def __init__(self):
            self.pending_messages_per_session = {"busy": asyncio.Queue()}
            self.pending_event_ids_session = {"busy": {"e1"}}
            self.event_ids_to_events = {}

    queue = Queue()
    session = queue.pending_messages_per_session["busy"]
    unread = UnreadResults(unread_seconds=0.0)
    session.put_nowait({"msg": 1})
    unread.sweep(queue, now=time.monotonic() + 1)
    session.get_nowait()  # read
    session.put_nowait({"msg": 2})  # the next answer arrives before the next sweep
    assert unread.sweep(queue, now=time.monotonic() + 2) == 0
    assert "busy" in queue.pending_messages_per_session
    assert unread.sweep(queue, now=time.monotonic() + 3) == 1  # {"msg": 2} left unread since the last sweep
