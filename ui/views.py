"""The Gradio Blocks app: chat with source cards, example questions by persona, browse view, feedback.

Built by `build_demo(assistant, store)`; `app.py` only reads settings, warms up and launches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import gradio as gr

from errors import LacGuideError
from ui.browse import Outline, section_html
from ui.feedback import FeedbackStore
from ui.format import EXAMPLES, PRIVACY_NOTE, answer_html, esc, topic_options, user_html

log = logging.getLogger(__name__)

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

CSS = """
.lac-privacy { border-left: 4px solid #b45309; background: #fffbeb; color: #3b2a05; padding: .5rem .75rem;
  border-radius: 6px; margin: 0; }
.lac-privacy p { margin: 0; }
.lac-answer p { margin: .2rem 0; }
.lac-cite { font-weight: 700; color: #1d4ed8; white-space: nowrap; }
.lac-note { font-style: italic; }
.lac-sources-title { font-weight: 700; margin-top: .8rem !important; }
.lac-card { border: 1px solid #cbd5e1; border-radius: 8px; padding: .6rem .75rem; margin: .5rem 0;
  background: #f8fafc; color: #0f172a; overflow-wrap: anywhere; }
.lac-num { font-weight: 700; color: #1d4ed8; }
.lac-doc { font-size: .9em; color: #334155; margin: .15rem 0; }
.lac-meta { margin: .25rem 0; display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.lac-badge { display: inline-block; border-radius: 999px; padding: .05rem .55rem; font-size: .85em;
  font-weight: 700; border: 1px solid currentColor; }
.lac-current { color: #065f46; background: #d1fae5; }
.lac-superseded { color: #92400e; background: #fef3c7; }
.lac-background { color: #3730a3; background: #e0e7ff; }
.lac-unknown { color: #374151; background: #e5e7eb; }
.lac-date { font-size: .85em; color: #334155; }
.lac-who { margin: .25rem 0; }
.lac-passage { margin: .4rem 0; padding: .3rem .6rem; border-left: 3px solid #94a3b8; color: #1e293b;
  background: #fff; font-size: .95em; }
mark.lac-hl { background: #fde68a; color: inherit; padding: 0 .1em; }
.lac-open { font-weight: 600; }
.lac-refused .lac-notcovered { font-size: 1.05em; }
.lac-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.lac-browse h2 { margin-top: .3rem; }
.lac-sid { font-size: .8em; color: #475569; }
.lac-examples button { text-align: left !important; justify-content: flex-start !important; white-space: normal !important; }
.lac-group-title h3 { margin: .6rem 0 .2rem 0; font-size: 1rem; }
body.lac-large { --text-xxs: 14px; --text-xs: 16px; --text-sm: 18px; --text-md: 21px; --text-lg: 24px;
  --text-xl: 28px; --text-xxl: 32px; --chatbot-text-size: 21px; --block-label-text-size: 18px;
  --block-title-text-size: 18px; --button-large-text-size: 20px; --button-small-text-size: 18px;
  --input-text-size: 20px; --body-text-size: 21px; --prose-text-size: 21px; }
body.lac-large .lac-answer, body.lac-large .lac-browse, body.lac-large .lac-question { font-size: 21px; }
@media (max-width: 640px) {
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  .lac-card { padding: .5rem; }
}
"""

LARGE_TEXT_JS = "(on) => { document.body.classList.toggle('lac-large', !!on); }"
# After an answer: bring the latest question to the top of the chat, so the short answer is read first.
SHOW_LATEST_JS = """() => { setTimeout(() => {
  const qs = document.querySelectorAll('#chat .lac-question');
  if (qs.length) { const q = qs[qs.length - 1]; (q.closest('.message-row') || q).scrollIntoView({block: 'start', behavior: 'instant'}); }
}, 150); }"""


def theme() -> gr.themes.Base:
    """System fonts only: nothing is fetched from a font service, so the app works offline."""
    return gr.themes.Base(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def _history(turns: list[dict]) -> list[str]:
    """Earlier questions (oldest first) that the guidance answered: they inform a follow-up's retrieval."""
    return [t["question"] for t in turns if not t.get("refused")]


def build_demo(assistant, store: FeedbackStore) -> gr.Blocks:
    index = assistant.index
    outline = Outline.from_index(index)
    titles = {doc_id: doc.title for doc_id, doc in index.documents.items()}
    first_doc = next(iter(outline.doc_titles), None)
    first_section = (outline.sections.get(first_doc) or [None])[0] if first_doc else None

    def answer(question: str, chat: list, turns: list):
        try:
            result = assistant.ask(question or "", history=_history(turns))
        except LacGuideError as exc:
            raise gr.Error(str(exc)) from None
        chat = list(chat or []) + [
            {"role": "user", "content": user_html(result.question)},
            {"role": "assistant", "content": answer_html(result, titles), "options": topic_options(result)},
        ]
        turns = list(turns or []) + [{
            "question": result.question,
            "refused": result.refused,
            "sections": [c.section_id for c in result.citations],
        }]
        cited = [(f"[{c.rank}] {c.section}", c.section_id) for c in result.citations]
        picker = gr.Dropdown(choices=cited, value=cited[0][1] if cited else None, interactive=bool(cited))
        return "", chat, turns, picker

    def show_section(section_id: str | None):
        sid = section_id if section_id in index.sections else first_section
        doc_id = outline.doc_of(sid) if sid else first_doc
        return (
            gr.Dropdown(value=doc_id),
            gr.Dropdown(choices=outline.section_choices(doc_id) if doc_id else [], value=sid),
            section_html(index, sid) if sid else "<p>No sections indexed.</p>",
        )

    def on_like(turns: list, data: gr.LikeData):
        idx = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = int(idx) // 2
        if not (0 <= turn < len(turns)):
            return
        liked = data.liked
        if liked in (True, "Like"):
            up = True
        elif liked in (False, "Dislike"):
            up = False
        else:
            return
        t = turns[turn]
        store.record(up, t["question"], t["refused"], t["sections"])
        gr.Info("Thanks, your feedback was saved on this computer.")

    def on_load(request: gr.Request):
        wanted = request.query_params.get("section") if request else None
        doc, sec, body = show_section(wanted)
        return (gr.Tabs(selected="browse") if wanted else gr.Tabs()), doc, sec, body

    with gr.Blocks(title="Looked-after children guidance helper", analytics_enabled=False) as demo:
        gr.HTML(
            "<h1 style='margin:.2rem 0;font-size:1.5rem'>Looked-after children: ask the guidance</h1>"
            "<p style='margin:.2rem 0'>Answers come only from NICE/SCIE guidance (PH28, 2010, and NG205, 2021), "
            "each with its source. Check the status badge: older advice may be superseded.</p>"
        )
        gr.HTML(f'<div class="lac-privacy" role="note" aria-label="Privacy note"><p><strong>Privacy:</strong> '
                f"{esc(PRIVACY_NOTE)}</p></div>", elem_id="privacy-note")
        large = gr.Checkbox(label="Larger text (for projectors and easier reading)", value=False, elem_id="large-text")
        turns = gr.State([])
        with gr.Tabs() as tabs:
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chat = gr.Chatbot(
                            label="Conversation with the guidance helper",
                            elem_id="chat",
                            height="62vh",
                            min_height=320,
                            layout="panel",
                            autoscroll=False,
                            buttons=["copy"],
                            latex_delimiters=[],
                            sanitize_html=True,
                            placeholder="Ask a question below, or tap an example question.",
                            feedback_options=("Like", "Dislike"),
                        )
                        with gr.Row(equal_height=True):
                            box = gr.Textbox(
                                label="Your question",
                                placeholder="e.g. Can I get a break from caring?",
                                lines=1,
                                max_lines=4,
                                scale=5,
                                min_width=180,
                                elem_id="question",
                                autofocus=True,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask-btn")
                        with gr.Row(equal_height=True):
                            cited = gr.Dropdown(label="Read a cited section in full", choices=[], interactive=False,
                                                scale=4, min_width=180, elem_id="cited-section")
                            open_btn = gr.Button("Open in Browse", scale=1, min_width=80, elem_id="open-section")
                            clear = gr.Button("New conversation", scale=1, min_width=80, elem_id="clear")
                    with gr.Column(scale=2, min_width=260, elem_classes=["lac-examples"]):
                        gr.HTML("<h2 style='font-size:1.1rem;margin:.2rem 0'>Example questions</h2>")
                        example_buttons: list[tuple[gr.Button, str]] = []
                        for group, questions in EXAMPLES.items():
                            gr.HTML(f"<h3>{esc(group)}</h3>", elem_classes=["lac-group-title"])
                            for q in questions:
                                example_buttons.append((gr.Button(q, size="sm", variant="secondary"), q))
            with gr.Tab("Browse the guidance", id="browse"):
                gr.HTML("<p>Read every document section by section, in order. Cards in the chat link here.</p>")
                doc_dd = gr.Dropdown(label="Document", choices=outline.doc_choices(), value=first_doc,
                                     elem_id="browse-doc")
                sec_dd = gr.Dropdown(label="Section", choices=outline.section_choices(first_doc) if first_doc else [],
                                     value=first_section, elem_id="browse-section")
                with gr.Row():
                    prev_btn = gr.Button("← Previous section", min_width=120)
                    next_btn = gr.Button("Next section →", min_width=120)
                body = gr.HTML(section_html(index, first_section) if first_section else "", elem_id="browse-body")

        outputs = [box, chat, turns, cited]
        common = dict(api_visibility="private", concurrency_id="ask", concurrency_limit=2)
        def then_show(event):
            event.then(None, None, None, js=SHOW_LATEST_JS, api_visibility="private")

        then_show(box.submit(answer, [box, chat, turns], outputs, **common))
        then_show(send.click(answer, [box, chat, turns], outputs, **common))
        for button, q in example_buttons:
            then_show(button.click(_fixed(answer, q), [chat, turns], outputs, **common))

        def on_option(chat_value, turns_value, evt: gr.SelectData):
            return answer(str(evt.value), chat_value, turns_value)

        then_show(chat.option_select(on_option, [chat, turns], outputs, **common))
        chat.like(on_like, [turns], None, api_visibility="private")
        clear.click(lambda: ("", [], [], gr.Dropdown(choices=[], value=None, interactive=False)), None, outputs,
                    api_visibility="private")
        large.change(None, [large], None, js=LARGE_TEXT_JS, api_visibility="private")

        def open_cited(section_id):
            return (gr.Tabs(selected="browse"), *show_section(section_id))

        open_btn.click(open_cited, [cited], [tabs, doc_dd, sec_dd, body], api_visibility="private")
        doc_dd.input(lambda d: show_section((outline.sections.get(d) or [None])[0]), [doc_dd],
                     [doc_dd, sec_dd, body], api_visibility="private")
        sec_dd.input(show_section, [sec_dd], [doc_dd, sec_dd, body], api_visibility="private")
        prev_btn.click(lambda s: show_section(outline.neighbour(s, -1)), [sec_dd], [doc_dd, sec_dd, body],
                       api_visibility="private")
        next_btn.click(lambda s: show_section(outline.neighbour(s, +1)), [sec_dd], [doc_dd, sec_dd, body],
                       api_visibility="private")
        demo.load(on_load, None, [tabs, doc_dd, sec_dd, body], api_visibility="private")

        def ask(question: str, history: list[str] | None = None) -> dict:
            """Answer one question from the guidance; the same JSON object as `python -m qa ask --json`."""
            try:
                return assistant.ask(question, history=list(history or [])).to_json()
            except LacGuideError as exc:
                raise gr.Error(str(exc)) from None

        gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=2)
    return demo


def _fixed(fn: Callable, question: str) -> Callable:
    def run(chat, turns):
        return fn(question, chat, turns)

    return run


__all__ = ["CSS", "build_demo", "theme"]
