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


def create_app(settings: Settings, assistant=None, progress: bool = False):
    """The Blocks app and the launch() options it needs (theme and CSS live on launch in Gradio 6)."""
    from qa.service import Assistant
    from ui.feedback import FeedbackStore, feedback_path
    from ui.views import CSS, PAGE_HEAD, PAGE_JS, build_demo, theme

    assistant = assistant or Assistant(settings)
    assistant.warm_up(progress=progress)  # index and embedding model, so the first question is quick
    store = FeedbackStore(feedback_path(settings.index_dir), settings.max_feedback_chars)
    demo = build_demo(assistant, store, settings)
    demo.queue(default_concurrency_limit=settings.ask_concurrency)
    return demo, {"theme": theme(), "css": CSS, "js": PAGE_JS, "head": PAGE_HEAD}


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    started = time.perf_counter()
    try:
        settings = Settings.from_env()
        host, port = server_address(settings)
        print("Loading the guidance index (built on first start; this can take a little while)...", flush=True)
        demo, options = create_app(settings, progress=True)
    except LacGuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Ready in {time.perf_counter() - started:.1f} s. Open http://{host}:{port} in a browser.", flush=True)
    demo.launch(server_name=host, server_port=port, show_error=True, inbrowser=False, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
