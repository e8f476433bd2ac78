"""Guards in front of the Gradio app, as a plain ASGI middleware (added through launch(app_kwargs=...)):

- a request body over the limit is refused with 413 before it is read (Content-Length), or as soon as the
  streamed bytes pass the limit (chunked uploads): a flood of large POSTs cannot fill the server's memory;
- a URL over MAX_URL_BYTES is refused with 414 (Gradio fails on one over 65,536 characters with a 500);
- a call naming an event that does not exist (`fn_index` 9999) gets 404 instead of Gradio's KeyError (a 500).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

MAX_URL_BYTES = 8_192
EVENT_PATHS = ("/queue/join", "/run/predict", "/api/predict")


class BodyTooLarge(HTTPException):
    """Raised while the app reads the body; FastAPI passes HTTPExceptions through, Starlette answers 413."""


class RequestGuard:
    def __init__(self, app, max_bytes: int, known_event: Callable[[object], bool] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.known_event = known_event

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
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

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        app_receive = limited_receive
        try:
            if self.known_event and scope["method"] == "POST" and scope["path"].endswith(EVENT_PATHS):
                body = await _read_all(limited_receive)
                fn_index = _fn_index(body)
                if fn_index is not None and not self.known_event(fn_index):
                    return await _reply(send, 404, f"There is no event {fn_index!r} in this app.")
                app_receive = _replay(body, receive)
            await self.app(scope, app_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, self._too_large())

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


def _fn_index(body: bytes):
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None  # Gradio answers malformed JSON itself (422)
    return payload.get("fn_index") if isinstance(payload, dict) else None


async def _reply(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def request_guard(max_bytes: int, demo=None) -> Middleware:
    """The middleware for `launch(app_kwargs={"middleware": [...]})`; with `demo`, unknown events get 404."""
    known = None if demo is None else (lambda fn_index: isinstance(fn_index, int) and fn_index in demo.fns)
    return Middleware(RequestGuard, max_bytes=max_bytes, known_event=known)


__all__ = ["MAX_URL_BYTES", "RequestGuard", "request_guard"]
