"""Guards in front of the Gradio app, as a plain ASGI middleware (added through launch(app_kwargs=...)):

- a request body over the limit is refused with 413 before it is read (Content-Length), or as soon as the
  streamed bytes pass the limit (chunked uploads): a flood of large POSTs cannot fill the server's memory;
- a URL over MAX_URL_BYTES is refused with 414 (Gradio fails on one over 65,536 characters with a 500);
- a call naming an event that does not exist (`fn_index` 9999) gets 404 instead of Gradio's KeyError (a 500);
- a Host header that is not one of the configured names (settings.host, localhost) or an IP address is refused
  with 421 (DNS rebinding: a web page on evil.example whose name now points at 127.0.0.1 cannot use the app);
- Gradio's upload route is closed (404): the app has no file input (40 x 1.9 MB uploads were kept in temp);
- a full queue answers 503 with a plain "busy, try again" message (Gradio's own is "Queue is full. Max size...");
- answers never collected (an API caller that posts /call/ask and never reads the result) are released after
  UNREAD_SECONDS, so memory does not grow with abandoned calls.
Half-sent requests are closed by `SlowClientProtocol` (the uvicorn protocol installed by `guard_slow_clients`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

MAX_URL_BYTES = 8_192
EVENT_PATHS = ("/queue/join", "/run/predict", "/api/predict")
UPLOAD_PATHS = ("/upload", "/upload_progress")
UNREAD_SECONDS = 60.0  # an answer nobody has collected for this long is released
BUSY_MESSAGE = ("The guidance helper is busy answering other questions right now; please try again in a minute.")
log = logging.getLogger("lac.app")


class BodyTooLarge(HTTPException):
    """Raised while the app reads the body; FastAPI passes HTTPExceptions through, Starlette answers 413."""


class RequestGuard:
    def __init__(self, app, max_bytes: int, inputs_of: Callable[[object], int | None] | None = None,
                 hosts: Iterable[str] = (), queue_of: Callable[[], Any] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.inputs_of = inputs_of  # fn_index or api name -> how many values the event takes (None: no such event)
        self.hosts = {h.lower().strip("[]") for h in hosts} | {"localhost", "127.0.0.1", "::1"}
        self.queue_of = queue_of
        self.unread = UnreadResults()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if not self.host_allowed(dict(scope.get("headers") or ()).get(b"host")):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _reply(send, 421, "This app answers only at its own address (Host header not accepted).")
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.queue_of is not None:
            self.unread.sweep(self.queue_of())
        if scope["path"].endswith(UPLOAD_PATHS):
            return await _reply(send, 404, "This app takes no file uploads.")
        if scope["method"] == "GET" and self.queue_of is not None and not self._stream_known(scope):
            # Gradio raises its 404 inside the already-started stream: a traceback in the log and a broken reply
            return await _reply(send, 404, "There is no such call waiting for its result (unknown or expired id).")
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_URL_BYTES:
            return await _reply(send, 414, f"The address is over {MAX_URL_BYTES:,} bytes long.")
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await _reply(send, 413, self._too_large())
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(413, self._too_large())
            return message

        busy = False

        async def tracking_send(message):
            nonlocal started, busy
            if message["type"] == "http.response.start" and message["status"] == 503 and not busy:
                busy = True  # the queue is full: say so plainly (Gradio's body is dropped)
            if busy:
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    started = True
                    await _reply(send, 503, BUSY_MESSAGE)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        app_receive = limited_receive
        try:
            call = _api_call(scope["path"])
            if self.inputs_of and scope["method"] == "POST" and (call or scope["path"].endswith(EVENT_PATHS)):
                body = await _read_all(limited_receive)
                problem = self._call_problem(body, call)
                if problem:
                    return await _reply(send, *problem)
                app_receive = _replay(body, receive)
            await self.app(scope, app_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, self._too_large())

    def _call_problem(self, body: bytes, api_name: str | None) -> tuple[int, str] | None:
        """An event that does not exist (404) or values that do not fit it (422), answered here: Gradio printed a
        traceback in the server log for every call with too few values."""
        assert self.inputs_of is not None  # noqa: S101
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return None  # Gradio answers malformed JSON itself (422)
        if not isinstance(payload, dict):
            return None
        key = api_name if api_name is not None else payload.get("fn_index")
        if key is None:
            return None
        needed = self.inputs_of(key)
        if needed is None:
            return 404, f"There is no event {key!r} in this app."
        data = payload.get("data")
        if isinstance(data, list) and len(data) < needed:
            return 422, f"This call takes {needed} values in \"data\" ({len(data)} given)."
        return None

    def _stream_known(self, scope) -> bool:
        """For the result streams (GET .../call/<api>/<event id>, .../queue/data?session_hash=...): is there
        anything Gradio holds for that id? Other requests: True."""
        path = scope["path"].rstrip("/")
        head, sep, tail = path.rpartition("/call/")
        if sep and tail.count("/") == 1:
            key = tail.split("/")[1]
        elif path.endswith("/queue/data"):
            from urllib.parse import parse_qs

            key = (parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("session_hash") or [""])[0]
        else:
            return True
        queue = self.queue_of() if self.queue_of else None
        if queue is None:
            return True
        try:
            return (key in queue.pending_messages_per_session or key in queue.event_ids_to_events
                    or any(key in ids for ids in queue.pending_event_ids_session.values()))
        except AttributeError:
            return True

    def host_allowed(self, header: bytes | None) -> bool:
        """The configured names, localhost, or an IP address (a literal address cannot be rebound by DNS)."""
        if header is None:
            return True  # HTTP/1.0 without Host: no name a page could have rebound
        try:
            text = header.decode("ascii").strip().lower()
        except UnicodeDecodeError:
            return False
        name = text[1:text.find("]")] if text.startswith("[") else text.rsplit(":", 1)[0] if text.count(":") == 1 \
            else text
        if name in self.hosts:
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def _too_large(self) -> str:
        return f"The request body is over the limit of {self.max_bytes:,} bytes (LAC_MAX_REQUEST_BYTES)."


async def _read_all(receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(parts)


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _api_call(path: str) -> str | None:
    """The api name of a POST to .../call/<name> (the named endpoints' route), else None."""
    head, sep, name = path.rstrip("/").rpartition("/call/")
    return name if sep and name and "/" not in name else None


def _event_inputs(demo, key: object) -> int | None:
    fns = getattr(demo, "fns", {})
    if isinstance(key, str):
        fn = next((f for f in fns.values() if getattr(f, "api_name", None) == key), None)
    else:
        fn = fns.get(key) if isinstance(key, int) and not isinstance(key, bool) else None
    return None if fn is None else len(getattr(fn, "inputs", None) or ())


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "detail": message}).encode()  # "detail": as FastAPI's own errors
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class UnreadResults:
    """Releases answers nobody collects. Gradio keeps each finished call's result in its session's message queue
    until a reader takes it, and keeps up to 2,000 such sessions (plus their event ids, without limit): 2,000
    posted /call/ask never read held 1.2 GB. A reader takes its messages within seconds, so a session whose OLDEST
    waiting message is the same one at two sweeps UNREAD_SECONDS apart has no reader: its messages and ids are
    dropped. (A busy reader's queue is often non-empty at both sweeps, with other messages: judging by emptiness
    alone released active clients under load, measured with `python -m bench.load --phases 2`.) Sessions with an
    event still queued or running are left alone."""

    def __init__(self, unread_seconds: float = UNREAD_SECONDS):
        self.unread_seconds = unread_seconds
        self.last_sweep = time.monotonic()
        self.waiting: dict[str, object] = {}  # session -> its oldest waiting message at the last sweep

    def sweep(self, queue, now: float | None = None) -> int:
        """Call often (every request); works at most once every `unread_seconds`. Returns sessions released."""
        now = time.monotonic() if now is None else now
        if queue is None or now - self.last_sweep < self.unread_seconds:
            return 0
        self.last_sweep = now
        try:
            messages = queue.pending_messages_per_session
            ids = queue.pending_event_ids_session
            live = queue.event_ids_to_events
            released = 0
            waiting = {session: _oldest(q) for session, q in list(messages.items()) if not q.empty()}
            unread = {s for s, oldest in waiting.items() if oldest is not None and self.waiting.get(s) is oldest}
            for session in unread:
                if any(event_id in live for event_id in ids.get(session, ())):
                    continue
                messages.pop(session, None)
                ids.pop(session, None)
                released += 1
            for session in [s for s, pending in list(ids.items()) if s not in messages and
                            not any(event_id in live for event_id in pending)]:
                ids.pop(session, None)  # ids of sessions whose messages Gradio's own cache already dropped
            self.waiting = {s: oldest for s, oldest in waiting.items() if s not in unread}
        except AttributeError:  # another Gradio: nothing to release this way
            log.debug("the queue has no pending message table; unread answers are not released")
            return 0
        return released


def _oldest(queue) -> object | None:
    """The oldest message waiting in a session's asyncio queue (its internal deque), held until the next sweep so
    it cannot be mistaken for a new one; None for another kind of queue (never taken for unread)."""
    items = getattr(queue, "_queue", None)
    return items[0] if items else None


def request_guard(max_bytes: int, demo=None, hosts: Iterable[str] = ()) -> Middleware:
    """The middleware for `launch(app_kwargs={"middleware": [...]})`; with `demo`, unknown events get 404 and
    unread answers are released; `hosts`: the names the app is served at (besides localhost and IP addresses)."""
    inputs_of = None if demo is None else (lambda key: _event_inputs(demo, key))
    queue_of = None if demo is None else (lambda: getattr(demo, "_queue", None))
    return Middleware(RequestGuard, max_bytes=max_bytes, inputs_of=inputs_of, hosts=tuple(hosts), queue_of=queue_of)


class SlowClientProtocol:
    """Mixed into uvicorn's HTTP protocol (see guard_slow_clients): a request whose headers and body have not all
    arrived within `timeout` seconds of its first byte is cut off (400 half-sent connections stayed open for ever;
    uvicorn has no header timeout). Once a request is complete, answering it may take as long as it takes."""

    timeout = 30.0
    _deadline: asyncio.TimerHandle | None = None
    _armed_for: object = None  # the request under way when the deadline was set

    def data_received(self, data: bytes) -> None:
        if self._deadline is None:
            self._arm()
        super().data_received(data)  # type: ignore[misc]

    def _arm(self) -> None:
        self._armed_for = getattr(self, "cycle", None)
        self._deadline = self.loop.call_later(self.timeout, self._too_slow)  # type: ignore[attr-defined]

    def connection_lost(self, exc) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)  # type: ignore[misc]

    def _too_slow(self) -> None:
        self._deadline = None
        cycle = getattr(self, "cycle", None)
        if cycle is not None and cycle is not self._armed_for and not cycle.response_complete:
            self._arm()  # a later request on a kept-alive connection began since: it gets a whole timeout of its own
            return
        if cycle is None or cycle.response_complete or getattr(cycle, "more_body", False):
            # no request under way (its headers are still arriving), or its body is: close the connection
            transport = getattr(self, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.close()  # uvicorn's connection_lost tells the app the client went away


def guard_slow_clients(timeout: float) -> None:
    """Make uvicorn (as Gradio starts it, with http="auto") use SlowClientProtocol with this timeout; this process
    serves only the app, so the change is process-wide on purpose."""
    import uvicorn.config
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class GuardedHTTPProtocol(SlowClientProtocol, AutoHTTPProtocol):  # type: ignore[misc,valid-type]
        pass

    GuardedHTTPProtocol.timeout = timeout
    globals()["GuardedHTTPProtocol"] = GuardedHTTPProtocol
    uvicorn.config.HTTP_PROTOCOLS["auto"] = f"{__name__}:GuardedHTTPProtocol"


__all__ = ["BUSY_MESSAGE", "MAX_URL_BYTES", "RequestGuard", "SlowClientProtocol", "UnreadResults",
           "guard_slow_clients", "request_guard"]
