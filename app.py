"""`python app.py`: the chat app for carers, new staff and trainers (Gradio), on 127.0.0.1:7860 by default.

Host and port come from settings (LAC_HOST / LAC_PORT) or GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
The index is built on first start, with progress in the terminal. Works offline: system fonts, no analytics.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import logging
import socket
import sys
import time

from errors import LacGuideError
from settings import Settings


def server_address(settings: Settings) -> tuple[str, int]:
    """Gradio's own variables win over LAC_HOST / LAC_PORT (validated the same way)."""
    gradio = {"host": os.environ.get("GRADIO_SERVER_NAME"), "port": os.environ.get("GRADIO_SERVER_PORT")}
    settings = settings.replace(**{name: value for name, value in gradio.items() if value})
    return settings.host, settings.port


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (for tests, the load test and benchmarks)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    """Is something already listening there? (Checked before loading, so a second copy stops with one line.)"""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def create_app(settings: Settings, assistant=None, progress: bool = False):
    """The Blocks app and the launch() options it needs (theme and CSS live on launch in Gradio 6)."""
    from qa.service import Assistant
    from ui.feedback import FeedbackStore, feedback_path
    from ui.http_limits import guard_slow_clients, request_guard
    from ui.views import CSS, PAGE_HEAD, PAGE_JS, build_demo, theme

    assistant = assistant or Assistant(settings)
    assistant.warm_up(progress=progress, answering=True)  # index, model, dictionary: the first answer is quick
    store = FeedbackStore.from_settings(feedback_path(settings.index_dir), settings)
    demo = build_demo(assistant, store, settings)
    # A bounded queue: beyond queue_size waiting questions a caller is told to try again (503), not kept waiting.
    demo.queue(default_concurrency_limit=settings.ask_concurrency, max_size=settings.queue_size)
    guard_slow_clients(settings.request_timeout)  # half-sent requests are closed
    guard = request_guard(settings.max_request_bytes, demo, hosts=[settings.host])
    # No footer: the app is for carers and staff (the /ask API is documented in the README).
    return demo, {"theme": theme(), "css": CSS, "js": PAGE_JS, "head": PAGE_HEAD, "footer_links": [],
                  "app_kwargs": {"middleware": [guard]}}


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    started = time.perf_counter()
    try:
        settings = Settings.from_env()
        host, port = server_address(settings)
        if port_in_use(host, port):
            print(f"error: port {port} on {host} is already in use (is the app already running?); stop the other "
                  "program or choose another port with LAC_PORT.", file=sys.stderr)
            return 2
        print("Loading the guidance index (built on first start; this can take a little while)...", flush=True)
        demo, options = create_app(settings, progress=True)
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if port_in_use(host, port):  # taken while the index was loading
        print(f"error: port {port} on {host} was taken while loading; choose another port with LAC_PORT.",
              file=sys.stderr)
        return 2
    print(f"Ready in {time.perf_counter() - started:.1f} s. Open http://{host}:{port} in a browser.", flush=True)
    try:
        demo.launch(server_name=host, server_port=port, show_error=True, inbrowser=False, **options)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port} ({exc}); choose another port with LAC_PORT.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
