"""The Gradio Blocks app: chat with source cards, example questions by persona, browse view, feedback.

Built by `build_demo(assistant, store, settings)`; `app.py` only reads settings, warms up and launches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from errors import LacGuideError
from settings import Settings
from ui.browse import Outline, section_html
from ui.feedback import REASONS, FeedbackNotSaved, FeedbackStore, new_answer_id, record_vote
from ui.format import EXAMPLES, PRIVACY_NOTE, answer_html, esc, topic_options, user_html

log = logging.getLogger(__name__)

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
# The app's stylesheet goes in the page head, unscoped: Gradio scopes its css option inside its container, and
# rules here read the body's state (.dark, the presenter view) and what the chat holds (body:has(...)).
STYLESHEET = (Path(__file__).with_name("app.css")).read_text(encoding="utf-8")
CSS = ""  # everything is in PAGE_HEAD
# On a phone, the reading width; everywhere, no clipping box around the app (it would stop the question box from
# staying pinned to the bottom of the screen).
PAGE_HEAD = ("<style>@media (max-width: 640px) { .gradio-container .main.app "
             "{ padding-left: 8px !important; padding-right: 8px !important; } } "
             ".gradio-container { overflow: visible !important; overflow-x: clip !important; }</style>"
             f"<style>{STYLESHEET}</style>")
# Page behaviour Gradio has no option for: skip links, plain-text copy and labels for chat messages.
PAGE_JS = (Path(__file__).with_name("app.js")).read_text(encoding="utf-8")

# After an answer: bring the latest question to the top of the screen, so the short answer is read first.
SHOW_LATEST_JS = "() => { setTimeout(() => window.lacShowLatest && window.lacShowLatest(), 50); }"
# After the section panel opens: its top (the section's heading) at the top of the screen, focus on it.
SHOW_PANEL_JS = "() => { setTimeout(() => window.lacShowPanel && window.lacShowPanel(), 50); }"
CLOSE_PANEL_JS = "() => { setTimeout(() => window.lacPanelClosed && window.lacPanelClosed(), 50); }"
# After a feedback click is stored (or not): the confirmation is shown on the control itself, never as a toast.
FEEDBACK_DONE_JS = "(status) => { window.lacFeedbackDone && window.lacFeedbackDone(status); }"
# A ?section= link opens the browse view scrolled to the section.
SHOW_BROWSE_JS = "() => { setTimeout(() => window.lacShowBrowse && window.lacShowBrowse(), 100); }"
PENDING_HTML = '<div class="lac-pending" role="status">Finding the guidance...</div>'
SKIP_HTML = (
    '<nav aria-label="Skip links">'
    '<a class="lac-skip" href="#question" data-lac-skip="#question textarea">Skip to the question box</a>'
    '<a class="lac-skip" href="#chat" data-lac-skip="latest-answer">Skip to the latest answer</a></nav>'
)
# One line on a phone: the title and "Larger text" (a page-script toggle: also the presenter view, with no example
# sidebar and the answer full width); the sentence about sources shows from tablet width up.
HEADER_HTML = (
    '<div class="lac-header"><div class="lac-title-row"><h1>Looked-after children guidance</h1>'
    '<button type="button" id="large-text" class="lac-toggle" aria-pressed="false">Larger text</button></div>'
    '<p class="lac-intro">Ask a question: answers come only from NICE/SCIE guidance (PH28, 2010, and NG205, 2021), '
    "each with its source. Check the status badge: older advice may be superseded.</p></div>"
)
# Right after the question box: one Tab from "Ask" reaches the answer, a few more its links and thumbs.
READ_ANSWER_HTML = ('<a class="lac-skip" href="#chat" data-lac-skip="latest-answer" id="read-answer">'
                    "Read the latest answer, then Tab to its sources and rating buttons</a>")
# Shown inside the empty chat, so a first-time user sees some questions on the first screen of a phone.
CHAT_EXAMPLES = [questions[0] for questions in EXAMPLES.values()]


def theme() -> gr.themes.Base:
    """System fonts only: nothing is fetched from a font service, so the app works offline."""
    base = gr.themes.Base(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)
    # Darker blue than the default 500 shade, so white text on buttons and blue text on white reach 4.5:1 (axe).
    return base.set(color_accent="*primary_700", button_primary_background_fill="*primary_700",
                    button_primary_background_fill_hover="*primary_800", button_primary_text_color="white")


def _history(turns: list[dict]) -> list[str]:
    """Earlier questions (oldest first) that the guidance answered: they inform a follow-up's retrieval."""
    return [t["question"] for t in turns if not t.get("refused")]


def _turn_at(turns: list[dict], message_index: int) -> dict | None:
    """The turn whose answer is chat message `message_index` (what a thumb under that message rates)."""
    return next((t for t in turns if t.get("message") == message_index), None)


def _status(message: str = "") -> str:
    """The line under the question box: why a question was not sent (never a toast over the chat)."""
    return f'<p class="lac-error" role="alert">{esc(message)}</p>' if message else ""


def build_demo(assistant, store: FeedbackStore, settings: Settings) -> gr.Blocks:
    from qa.service import clean_question

    max_chars = settings.max_question_chars
    outline = Outline.from_library(assistant)
    titles = dict(outline.doc_titles)
    first_doc = next(iter(outline.doc_titles), None)
    first_section = outline.first_section(first_doc) if first_doc else None

    def show_question(question: str, chat: list, standalone: bool = False):
        """At once, before any work: the question in the chat and a visible "finding the guidance" state.
        `standalone`: an example question or a nearest topic, written to stand on its own, so it is answered
        without the conversation's history (a typed question may be a follow-up)."""
        try:
            text = clean_question(question or "", max_chars)
        except LacGuideError as exc:  # said under the box; the answer step then does nothing
            return gr.skip(), gr.skip(), {"question": None}, _status(str(exc))
        chat = list(chat or []) + [
            {"role": "user", "content": user_html(text)},
            {"role": "assistant", "content": PENDING_HTML},
        ]
        return "", chat, {"question": text, "standalone": standalone}, _status()

    def answer(pending_question: dict, chat: list, turns: list):
        """Replaces the "finding the guidance" message with the answer."""
        if not (pending_question or {}).get("question"):
            return gr.skip(), gr.skip()
        chat = list(chat or [])[:-1]
        history = [] if pending_question["standalone"] else _history(turns)
        try:
            result = assistant.ask(pending_question["question"], history=history)
        except LacGuideError as exc:
            chat.append({"role": "assistant", "content": f'<p class="lac-error">{esc(exc)}</p>'})
            return chat, turns
        chat.append({"role": "assistant", "content": answer_html(result, titles), "options": topic_options(result)})
        turns = list(turns or []) + [{
            "message": len(chat) - 1,
            "question": result.question,
            "refused": result.refused,
            "sections": [c.section_id for c in result.citations],
            "answer_id": new_answer_id(),  # one vote per answer shown
        }]
        return chat, turns

    def show_section(section_id: str | None):
        sid = section_id if section_id and assistant.section(section_id) else first_section
        doc_id = outline.doc_of(sid) if sid else first_doc
        return (
            gr.Dropdown(value=doc_id),
            gr.Dropdown(choices=outline.section_choices(doc_id) if doc_id else [], value=sid),
            section_html(assistant, sid) if sid else "<p>No sections indexed.</p>",
        )

    def on_like(turns: list, data: gr.LikeData, request: gr.Request) -> str:
        """Store the click; the page script shows the outcome on the control that was clicked."""
        idx = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = _turn_at(turns, idx) if isinstance(idx, int) else None
        try:
            client = getattr(request, "client", None)
            done = record_vote(store, turn, data.liked, client=getattr(request, "session_hash", "") or "",
                               address=str(getattr(client, "host", "") or ""))
        except FeedbackNotSaved as exc:
            return json.dumps({"index": idx, "ok": False, "message": str(exc)})
        messages = {"up": "Thanks: saved on this computer.", "down": "Thanks: saved on this computer.",
                    "retracted": "Rating removed."}
        return json.dumps({"index": idx, "ok": done is not None, "done": done,
                           "message": messages.get(done or "", "")})

    def open_panel(request_value: str):
        """The section panel beside the chat (below it on a phone) with one whole section; the examples make way."""
        sid = (request_value or "").split("#", 1)[0]
        if not assistant.section(sid):
            return gr.skip(), gr.skip(), gr.skip()
        return gr.Column(visible=True), section_html(assistant, sid), gr.Column(visible=False)

    def from_url(request: gr.Request):
        """?q=... asks that question on load (a trainer's link on a slide); the answer step follows."""
        wanted = (request.query_params.get("q") or "").strip() if request else ""
        if not wanted:
            return gr.skip(), gr.skip(), {"question": None}, gr.skip()
        return show_question(wanted, [], standalone=True)

    def on_load(request: gr.Request):
        wanted = request.query_params.get("section") if request else None
        doc, sec, body = show_section(wanted)
        if wanted and assistant.section(wanted) is None:  # a mistyped or old link: say so, then show the first section
            shown = wanted if len(wanted) <= 80 else wanted[:77] + "..."
            body = (f'<p class="lac-note" role="status">Section “{esc(shown)}” was not found in the guidance; '
                    f"showing the first section instead.</p>{body}")
        return (gr.Tabs(selected="browse") if wanted else gr.Tabs()), doc, sec, body

    with gr.Blocks(title="Looked-after children guidance helper", analytics_enabled=False) as demo:
        gr.HTML(SKIP_HTML, elem_classes=["lac-skip-row"], padding=False)
        gr.HTML(HEADER_HTML, elem_id="title", padding=False)
        gr.HTML(f'<div class="lac-privacy" role="note" aria-label="Privacy note"><p><strong>Privacy:</strong> '
                f"{esc(PRIVACY_NOTE)}</p></div>", elem_id="privacy-note", padding=False)
        turns = gr.State([])
        pending = gr.State({})  # the question being answered, between showing it and answering it
        with gr.Tabs() as tabs:
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False, elem_id="main-row"):
                    with gr.Column(scale=3, min_width=300, elem_id="chat-column"):
                        chat = gr.Chatbot(
                            label="Conversation with the guidance helper",
                            show_label=False,  # a floating label would cover the latest question
                            elem_id="chat",
                            height="auto",  # grows with the conversation: the page scrolls, not a box inside it
                            min_height=0,
                            layout="panel",
                            autoscroll=False,
                            buttons=["copy"],
                            latex_delimiters=[],
                            sanitize_html=True,
                            placeholder="Ask a question below, or tap an example question.",
                            examples=[{"text": q} for q in CHAT_EXAMPLES],
                            feedback_options=("Like", "Dislike", *REASONS),
                        )
                        # Pinned to the bottom of the screen at every size: the box, Ask and New conversation.
                        with gr.Row(equal_height=True, elem_id="composer"):
                            box = gr.Textbox(
                                label="Your question",
                                placeholder="e.g. Can I get a break from caring?",
                                lines=1,
                                max_lines=4,
                                scale=5,
                                min_width=180,
                                elem_id="question",
                            )
                            send = gr.Button("Ask", variant="primary", scale=0, min_width=80, elem_id="ask-btn")
                            clear = gr.Button("New conversation", variant="secondary", scale=0, min_width=120,
                                              elem_id="clear")
                        status = gr.HTML("", elem_id="ask-status", padding=False)
                        gr.HTML(READ_ANSWER_HTML, elem_classes=["lac-skip-row"], padding=False)
                    with gr.Column(scale=2, min_width=260, elem_id="side"):
                        with gr.Column(visible=False, elem_id="section-panel") as panel:
                            close = gr.Button("Close the section and go back to the answer", size="sm",
                                              elem_id="close-section")
                            panel_body = gr.HTML("", elem_id="section-body", padding=False)
                        with gr.Column(elem_classes=["lac-examples"]) as examples_col:
                            gr.HTML("<h2>Example questions</h2>", elem_classes=["lac-examples-title"])
                            example_buttons: list[tuple[gr.Button, str]] = []
                            for group, questions in EXAMPLES.items():
                                gr.HTML(f"<h3>{esc(group)}</h3>", elem_classes=["lac-group-title"])
                                for q in questions:
                                    # The one also in the empty chat is not shown twice (CSS: .lac-in-chat).
                                    cls = ["lac-in-chat"] if q in CHAT_EXAMPLES else []
                                    example_buttons.append(
                                        (gr.Button(q, size="sm", variant="secondary", elem_classes=cls), q))
            with gr.Tab("Browse the guidance", id="browse"):
                gr.HTML("<p>Read every document section by section, in order.</p>")
                doc_dd = gr.Dropdown(label="Document", choices=outline.doc_choices(), value=first_doc,
                                     elem_id="browse-doc")
                sec_dd = gr.Dropdown(label="Section", choices=outline.section_choices(first_doc) if first_doc else [],
                                     value=first_section, elem_id="browse-section")
                with gr.Row():
                    prev_btn = gr.Button("← Previous section", min_width=120)
                    next_btn = gr.Button("Next section →", min_width=120)
                body = gr.HTML(section_html(assistant, first_section) if first_section else "", elem_id="browse-body")
        # Channels between the page script and the server, kept in the page but never shown.
        section_request = gr.Textbox(label="Section to open", elem_id="section-request",
                                     elem_classes=["lac-channel"])
        feedback_status = gr.Textbox(label="Feedback status", elem_id="feedback-status",
                                     elem_classes=["lac-channel"])

        answering = []  # answer steps still running or queued are cancelled by "New conversation"

        def ask_from(event) -> None:
            """Step 1 (shown at once) succeeded: answer, then bring the answer into view."""
            step = event.success(answer, [pending, chat, turns], [chat, turns], api_visibility="private",
                                 concurrency_id="ask", concurrency_limit=settings.ask_concurrency,
                                 show_progress="hidden")
            answering.append(step)
            step.then(None, None, None, js=SHOW_LATEST_JS, api_visibility="private")

        shown = [box, chat, pending, status]
        quick: dict[str, Any] = dict(api_visibility="private", queue=False, show_progress="hidden")
        ask_from(box.submit(show_question, [box, chat], shown, **quick))
        ask_from(send.click(show_question, [box, chat], shown, **quick))
        for button, q in example_buttons:
            ask_from(button.click(_fixed(show_question, q), [chat], shown, **quick))

        def on_option(chat_value, evt: gr.SelectData):
            value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value)
            return show_question(value, chat_value, standalone=True)

        ask_from(chat.option_select(on_option, [chat], shown, **quick))
        ask_from(chat.example_select(on_option, [chat], shown, **quick))
        # ?q=... on load (a trainer's link on a slide): asked like an example question.
        ask_from(demo.load(from_url, None, shown, **quick))
        chat.like(on_like, [turns], [feedback_status], api_visibility="private", show_progress="hidden").then(
            None, [feedback_status], None, js=FEEDBACK_DONE_JS, api_visibility="private")

        def new_conversation():
            """Every way of clearing (the chat's bin, "New conversation") forgets history, sources and turns."""
            return "", [], [], {}, _status(), gr.Column(visible=False), gr.Column(visible=True)

        cleared = [box, chat, turns, pending, status, panel, examples_col]
        # A late answer to the old conversation must not bring it back: clearing cancels answers in flight.
        clear.click(new_conversation, None, cleared, api_visibility="private", cancels=answering)
        chat.clear(new_conversation, None, cleared, api_visibility="private", cancels=answering)

        section_request.change(open_panel, [section_request], [panel, panel_body, examples_col],
                              api_visibility="private", queue=False, show_progress="hidden").then(
            None, None, None, js=SHOW_PANEL_JS, api_visibility="private")
        close.click(lambda: (gr.Column(visible=False), gr.Column(visible=True)), None, [panel, examples_col],
                    api_visibility="private", queue=False, show_progress="hidden").then(
            None, None, None, js=CLOSE_PANEL_JS, api_visibility="private")
        doc_dd.input(lambda d: show_section(outline.first_section(d)), [doc_dd],
                     [doc_dd, sec_dd, body], api_visibility="private")
        sec_dd.input(show_section, [sec_dd], [doc_dd, sec_dd, body], api_visibility="private")
        prev_btn.click(lambda s: show_section(outline.neighbour(s, -1)), [sec_dd], [doc_dd, sec_dd, body],
                       api_visibility="private")
        next_btn.click(lambda s: show_section(outline.neighbour(s, +1)), [sec_dd], [doc_dd, sec_dd, body],
                       api_visibility="private")
        demo.load(on_load, None, [tabs, doc_dd, sec_dd, body], api_visibility="private").then(
            None, None, None, js=SHOW_BROWSE_JS, api_visibility="private")

        def ask(question: str, history: list[str] | None = None) -> dict:
            """Answer one question from the guidance; the same JSON object as `python -m qa ask --json`."""
            if history is not None and not isinstance(history, list):  # a string would become its characters
                raise gr.Error("history must be a list of earlier questions (text).", print_exception=False)
            try:
                return assistant.ask(question, history=list(history or [])).to_json()
            except LacGuideError as exc:
                raise gr.Error(str(exc), print_exception=False) from None  # a message, not a fault

        gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=settings.ask_concurrency)
    return demo


def _fixed(fn: Callable, question: str) -> Callable:
    def run(chat):
        return fn(question, chat, standalone=True)

    return run


__all__ = ["CSS", "PAGE_HEAD", "PAGE_JS", "build_demo", "theme"]
