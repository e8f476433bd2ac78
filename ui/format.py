"""Answers as HTML for the chat: the short answer first, then numbered source cards.

Every string from the corpus or the user passes through `esc` before it lands in markup. The whole
message is one HTML block with no blank lines, so the chat's Markdown renderer leaves its inside alone
(asterisks or leading numbers in the guidance stay literal text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from urllib.parse import quote

from qa.cli import format_text
from qa.model import GUIDANCE_KINDS, Answer, AnswerLine, Citation, LineKind

NOT_COVERED_TITLE = "Not covered by this guidance"
PRIVACY_NOTE = (
    "Please don't type names or personal details about children, carers or families. "
    "Questions are answered from the guidance only, on this computer."
)

# Example questions, grouped by who is asking (clickable in the app). Each one is answered with substantive text
# from the section a trainer would expect (tests/test_app_examples.py), so it demos well.
EXAMPLES: dict[str, list[str]] = {
    "Foster and kinship carers": [
        "Can I get a break from caring?",
        "Will the child I look after be placed with their brothers and sisters?",
        "What support should connected carers get?",
    ],
    "New social-care staff": [
        "What mandatory training should foster carers have?",
        "What support is there for young people moving to independent living?",
        "How should services respond to safeguarding risks outside the home?",
    ],
    "Trainers": [
        "What is a virtual school head?",
        "How should carers support a child's education?",
        "What is life story work?",
    ],
}


def esc(text: object) -> str:
    """Text -> HTML text: markup characters escaped, newlines kept as line breaks, no blank lines left."""
    return html.escape(str(text), quote=True).replace("\r", "").replace("\n", "<br>")


def section_href(section_id: str) -> str:
    """A link to one section: the page script opens it in the section panel beside the chat (the same page);
    without the script, or opened on its own, it shows the section in the browse view."""
    return "?section=" + quote(section_id, safe="")


def answering_sentences(answer: Answer) -> dict[int, list[str]]:
    """For each citation number, the answer sentences taken from it (to highlight in its card)."""
    found: dict[int, list[str]] = {}
    for line in answer.lines:
        if line.kind in GUIDANCE_KINDS:
            for rank in line.citations:
                found.setdefault(rank, []).append(line.text)
    return found


def _spans(passage: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Character spans of `passage` that hold the answering sentences (a bullet's lead-in may be split off)."""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        candidates = [sentence]
        if ": " in sentence:  # "Lead-in: item" built from a list — look for the item on its own too
            candidates.append(sentence.split(": ", 1)[1])
        for cand in candidates:
            cand = cand.strip()
            if len(cand) < 3:
                continue
            start = passage.find(cand)
            if start >= 0:
                spans.append((start, start + len(cand)))
                break
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(passage: str, sentences: list[str]) -> str:
    """The passage as escaped HTML with the answering sentences wrapped in <mark>."""
    out: list[str] = []
    pos = 0
    for s, e in _spans(passage, sentences):
        out.append(esc(passage[pos:s]))
        out.append(f'<mark class="lac-hl">{esc(passage[s:e])}</mark>')
        pos = e
    out.append(esc(passage[pos:]))
    return "".join(out)


def status_badge(status: str, superseded_by: str | None,
                 titles: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(css class, label) for a document's status badge: current / superseded by … / background news."""
    if status == "current":
        return "lac-current", "Current guidance"
    if status == "superseded":
        by = _short_name(superseded_by or "", titles)
        return "lac-superseded", f"Superseded by {by}" if by else "Superseded"
    if status == "background":
        return "lac-background", "Background news, not guidance"
    return "lac-unknown", "Status unknown"


def _short_name(ref: str, titles: Mapping[str, str] | None) -> str:
    """'nice-pathway-2021' -> its title's lead ('NICE Pathway … (2021, from NG205)' -> 'NG205 (2021)')."""
    title = (titles or {}).get(ref, ref)
    m = re.search(r"\bNG\s?205\b", title)
    if m and ref in (titles or {}):
        return "NG205 (2021)"
    return title


def who_acts(citation: Citation) -> str | None:
    if citation.roles:
        return "; ".join(citation.roles)
    return citation.roles_note or None


def card_html(citation: Citation, sentences: list[str], titles: Mapping[str, str] | None = None) -> str:
    badge_class, badge = status_badge(citation.status, citation.superseded_by, titles)
    who = who_acts(citation)
    rows = [
        # The chat's sanitiser keeps classes, role and tabindex (not aria-label or data-*): lac-src-n names the card.
        f'<div class="lac-card lac-src-{citation.rank}" role="group" tabindex="-1">',
        '<div class="lac-card-head">',
        f'<span class="lac-num" aria-hidden="true">[{citation.rank}]</span> ',
        f'<strong class="lac-section">{esc(citation.section)}</strong>',
        "</div>",
        f'<div class="lac-doc">{esc(citation.title)}</div>',
        '<div class="lac-meta">',
        f'<span class="lac-badge {badge_class}">{esc(badge)}</span> ',
        f'<span class="lac-date">Date: {esc(citation.date or "not stated")}</span>',
        "</div>",
    ]
    if who:
        rows.append(f'<div class="lac-who"><strong>Who should act:</strong> {esc(who)}</div>')
    rows += [
        f'<blockquote class="lac-passage">{highlight(citation.text, sentences)}</blockquote>',
        f'<a class="lac-open" href="{esc(section_href(citation.section_id))}">Read the whole section'
        f'<span class="lac-sr">: {esc(citation.section)}</span></a>',
        "</div>",
    ]
    return "".join(rows)


def safety_html(line: AnswerLine) -> str:
    """The safety notice as a labelled callout: ours, not the guidance's, and above everything else."""
    return ('<div class="lac-safety" role="note">'
            f'<strong class="lac-safety-label">Safety notice</strong>{esc(line.text)}</div>')


def line_html(line: AnswerLine) -> str:
    """One answer line: framing lines are set apart from quoted guidance, our next step is labelled as ours."""
    if line.kind is LineKind.SAFETY_NOTICE:
        return safety_html(line)
    if line.kind is LineKind.NEXT_STEP:
        return f'<p class="lac-next-step">{esc(line.text)}</p>'
    markers = "".join(cite_link(rank) for rank in line.markers)
    cls = "lac-line" if line.markers else "lac-line lac-note"  # framing without a source is set apart
    return f'<p class="{cls}">{esc(line.text)}{markers}</p>'


def cite_link(rank: int) -> str:
    """An [n] marker: a link (and keyboard stop) to source card n of the same message (the page script moves
    focus there; without it, the link does nothing harmful)."""
    return f' <a class="lac-cite" href="#source-{rank}"><span class="lac-sr">source </span>[{rank}]</a>'


def shown_order(lines: list[AnswerLine]) -> list[AnswerLine]:
    """The order the chat shows the lines in: a line about a cited document itself (its date and status: the
    answer to "is PH28 still current?") comes first, so the first screen holds the most direct line; the others
    keep their order. The copy text keeps the answer's own order."""
    return ([line for line in lines if line.kind is LineKind.DOCUMENT]
            + [line for line in lines if line.kind is not LineKind.DOCUMENT])


def plain_html(answer: Answer) -> str:
    """The answer with its numbered sources as plain text, hidden: what the copy button copies."""
    return f'<div class="lac-plain">{esc(format_text(answer))}</div>'


def _split_notices(answer: Answer) -> tuple[str, list[AnswerLine]]:
    """(the safety callouts, the other lines): the callouts always open the message."""
    notices = "".join(safety_html(line) for line in answer.lines if line.kind is LineKind.SAFETY_NOTICE)
    return notices, [line for line in answer.lines if line.kind is not LineKind.SAFETY_NOTICE]


def answer_html(answer: Answer, titles: Mapping[str, str] | None = None) -> str:
    """One chat message: the safety notice if any, the short answer with [n] markers, then numbered source cards."""
    if answer.refused:
        return not_covered_html(answer)
    notices, rest = _split_notices(answer)
    lines = "".join(line_html(line) for line in shown_order(rest))
    sentences = answering_sentences(answer)
    cards = "".join(card_html(c, sentences.get(c.rank, []), titles) for c in answer.citations)
    return (
        f'<div class="lac-answer">{notices}'
        f'<div class="lac-short">{lines}</div>'
        f'<div class="lac-sources"><p class="lac-sources-title">Sources</p>{cards}</div>'
        f"{plain_html(answer)}</div>"
    )


def not_covered_html(answer: Answer) -> str:
    """Not covered: the safety notice if any, why, our next step; the nearest topics follow as buttons (chat
    options) under it. No source cards: nothing is cited."""
    notices, rest = _split_notices(answer)
    statement = " ".join(esc(line.text) for line in rest if line.kind is LineKind.REFUSAL)
    next_steps = "".join(line_html(line) for line in rest if line.kind is LineKind.NEXT_STEP)
    topics = "; ".join(answer.nearest_topics)
    nearest = (
        '<p class="lac-nearest">The nearest topics it does cover are below: tap one to ask about it.'
        f'<span class="lac-sr"> Topics: {esc(topics)}.</span></p>'
        if topics else ""
    )
    return (
        f'<div class="lac-answer lac-refused">{notices}'
        f'<p class="lac-notcovered"><strong>{NOT_COVERED_TITLE}.</strong> {statement}</p>'
        f"{nearest}{next_steps}{plain_html(answer)}</div>"
    )


def topic_options(answer: Answer) -> list[dict[str, str]]:
    """Nearest topics as chat options (clickable buttons under the message)."""
    return [{"value": f"What does the guidance say about {t}?", "label": t} for t in answer.nearest_topics]


def user_html(question: str) -> str:
    return f'<div class="lac-question">{esc(question)}</div>'


__all__ = [
    "EXAMPLES", "NOT_COVERED_TITLE", "PRIVACY_NOTE", "answer_html", "answering_sentences", "card_html", "esc",
    "cite_link", "highlight", "line_html", "shown_order", "not_covered_html", "plain_html", "safety_html", "section_href", "status_badge", "topic_options", "user_html",
]
