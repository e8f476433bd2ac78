"""Text table, Markdown report and PNG chart from the scored runs.

The locked test split is reported only in aggregate: its misses are counted by question kind, never quoted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from eval.harness import Result, misses
from eval.metrics import holds_span
from eval.questions import KINDS

# (key in the figures, column title, format); the evidence figures lead.
COLUMNS = [
    ("evidence@1", "ev@1", "{:.2f}"), ("evidence@3", "ev@3", "{:.2f}"), ("answer_evidence", "ans-ev", "{:.2f}"),
    ("answer_evidence_quotes", "ans-ev quotes", "{:.2f}"),
    ("hit@1", "hit@1", "{:.2f}"), ("hit@3", "hit@3", "{:.2f}"), ("mrr@5", "MRR@5", "{:.2f}"),
    ("precision", "prec", "{:.2f}"), ("recall", "recall", "{:.2f}"), ("near_refusal", "near ref", "{:.2f}"),
    ("far_refusal", "far ref", "{:.2f}"), ("false_refusal", "false ref", "{:.2f}"),
    ("title_only_answers", "title-only", "{:.2f}"), ("support", "support", "{:.2f}"),
    ("latency_p50_ms", "p50 ms", "{:.1f}"), ("latency_p95_ms", "p95 ms", "{:.1f}"), ("questions", "n", "{}"),
]
HEADER = ["system", "split", "group"] + [title for _, title, _ in COLUMNS]
MISS_KINDS = ("refused", "evidence@1", "evidence@3", "answer_evidence", "hit@1", "title-only",
              "answered out of scope")


def _cell(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def rows(figures: dict, grouping: str | None = None, systems: Sequence[str] | None = None) -> list[list[str]]:
    """figures: {system: {split: breakdown}} -> rows (system, split, group, metrics...).
    grouping None: the overall row per split; "persona" or "kind": one row per group."""
    out = []
    for system in systems or list(figures):
        for split, by_group in figures[system].items():
            groups = {"all": by_group["all"]} if grouping is None else by_group[grouping]
            for group, agg in groups.items():
                out.append([system, split, group] + [_cell(agg[key], fmt) for key, _, fmt in COLUMNS])
    return out


def text_table(table_rows: list[list[str]]) -> str:
    table = [HEADER] + table_rows
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(table_rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in table_rows])


def miss_counts(results: Sequence[Result]) -> dict[str, Counter]:
    """{question kind: Counter(miss kind -> questions)} plus the number of questions of each kind under "n"."""
    out: dict[str, Counter] = {}
    for r in results:
        counter = out.setdefault(r.question.kind, Counter())
        counter["n"] += 1
        counter.update(misses(r))
    return out


def miss_count_table(results: Sequence[Result]) -> str:
    counts = miss_counts(results)
    lines = ["| kind | n | " + " | ".join(MISS_KINDS) + " |", "|" + "---|" * (len(MISS_KINDS) + 2)]
    for kind, c in sorted(counts.items(), key=lambda item: KINDS.index(item[0])):
        lines.append(f"| {kind} | {c['n']} | " + " | ".join(str(c[m]) for m in MISS_KINDS) + " |")
    return "\n".join(lines)


def describe_miss(r: Result) -> list[str]:
    """A dev miss in full: the question, the expected evidence, what was cited and answered."""
    q = r.question
    out = [f"- `{q.id}` ({q.persona}, {q.kind}) **{', '.join(misses(r))}**", f"  - question: “{q.question}”"]
    out += [f"  - earlier turn: “{turn}”" for turn in q.history]
    if q.answerable:
        out.append(f"  - gold sections: {', '.join(q.gold_sections)}")
        out += [f"  - expected evidence: “{span}”" for span in q.evidence]
    if r.error:
        out.append(f"  - error: {r.error}")
    for c in sorted(r.answer.get("citations") or [], key=lambda c: c.get("rank", 0)):
        where = c.get("section_id") or "+".join(c.get("covers") or []) or "(no section)"
        holds = " (holds evidence)" if q.answerable and holds_span(c.get("text") or "", q.evidence) else ""
        out.append(f"  - cited [{c.get('rank')}] {where}{holds}")
    for line in r.answer.get("lines") or []:
        out.append(f"  - answered ({line.get('kind')}): “{line.get('text')}”")
    return out


def markdown_report(figures: dict, results: dict[str, list[Result]], check: dict | None, command: str,
                    seconds: float) -> str:
    product = results["product"]
    n = Counter(r.question.split for r in product)
    parts = [
        "# Evaluation report",
        "",
        f"Command: `{command}` ({seconds:.0f} s)  ",
        "Questions: " + ", ".join(f"{split} {count}" for split, count in n.items()) + " (eval/questions/*.jsonl). "
        "Product = `qa.service.Assistant`; baselines = LangChain RecursiveCharacterTextSplitter(1000/200) + same "
        "embedding model + LangChain FAISS, top 4; and bm25s over the same chunks, top 4. Baselines never refuse "
        "and have no answer lines (answer evidence, title-only, support: —).",
        "",
        "## Overall",
        "",
        markdown_table(rows(figures)),
        "",
    ]
    if check is not None:
        parts += [f"## Threshold check ({check['split']} split)", ""]
        for name, (value, bound, ok) in check["results"].items():
            parts.append(f"- {name}: {_cell(value, '{:.3f}')} ({bound}) — {'ok' if ok else 'FAILED'}")
        parts.append("")
    test = [r for r in product if r.question.split == "test"]
    if test:
        parts += ["## Product misses on the test split, by kind (counts only: the test split is locked)", "",
                  "Questions of each kind that missed each figure (a refused answerable question misses all of "
                  "them).", "",
                  miss_count_table(test), ""]
    dev_misses = [r for r in product if r.question.split == "dev" and misses(r)]
    if dev_misses:
        parts += [f"## Product misses on the dev split ({len(dev_misses)})", ""]
        for r in dev_misses:
            parts += describe_miss(r)
        parts.append("")
    parts += ["## Per persona", "", markdown_table(rows(figures, "persona")), "",
              "## Per question kind", "", markdown_table(rows(figures, "kind")), "", DEFINITIONS]
    return "\n".join(parts)


DEFINITIONS = """## Definitions

Spans and passages are compared after normalisation: whitespace folded, curly quotes straightened, a "- " bullet
at a line start dropped, a span's trailing punctuation dropped (eval/metrics.py).

- ev@1 / ev@3 (evidence@k): share of answerable questions where the first (one of the first three) cited passage
  holds a gold evidence span whole. A passage from the right section that lacks the evidence is a miss.
- ans-ev (answer evidence): share of answerable questions whose quote, definition, title and "Who should act"
  lines (the lines carrying the guidance's own words; our framing such as "Note:", "Terms:", "Not covered:" left out)
  contain a gold span or at least its main clause: the span up to its first '; ', ': ', ' - ', ', which ', ', who ',
  ', where ', ', including ', ', such as ', ', for example', ' (' that leaves at least 40 characters (the whole span
  when there is none). ans-ev quotes: the same, reading quote and definition lines only (the definition before
  2026-11-24, which scored every correct "which recommendation / who should act?" answer as a miss).
- hit@k: an answerable question whose top-k citations include a gold section; MRR@5: 1/rank of the first gold
  citation within 5, else 0. A refused answerable question scores 0 on every figure above.
- prec / recall: share of citations naming a gold section (answered questions) / share of the gold sections cited.
  A baseline chunk cites a section when it contains 12 consecutive normalised words unique to that section in its
  document, all of a shorter section, or the recommendation's printed heading (eval/baselines.py).
- near ref / far ref: share of near-domain (fostering questions the guidance does not answer) / far out-of-scope
  questions refused. false ref: share of answerable questions refused.
- title-only: share of answered questions whose quote lines are all titles or shared boilerplate: a section label,
  the label without its "Recommendation N:" style prefix, or text found in two or more sections of one document
  (the PH28 quick reference guide's topic paragraph). Derived from the ingested sections (eval/titles.py).
- support: share of quote lines found verbatim in the passage they cite.
- Latency: wall time per question (ms), nearest-rank p50/p95, warm model.
"""


def chart(figures: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [("evidence@1", "ev@1"), ("evidence@3", "ev@3"), ("answer_evidence", "answer ev"), ("hit@1", "hit@1"),
             ("hit@3", "hit@3"), ("near_refusal", "near ref"), ("title_only_answers", "title-only")]
    systems = list(figures)
    splits = list(next(iter(figures.values())))
    fig, axes = plt.subplots(1, len(splits), figsize=(6 * len(splits), 4), squeeze=False)
    width = 0.8 / max(len(systems), 1)
    for ax, split in zip(axes[0], splits):
        for n, system in enumerate(systems):
            agg = figures[system][split]["all"]
            values = [agg[key] or 0.0 for key, _ in shown]
            ax.bar([i + n * width for i in range(len(shown))], values, width, label=system)
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(shown))])
        ax.set_xticklabels([title for _, title in shown], fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{split} split")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


__all__ = ["DEFINITIONS", "chart", "describe_miss", "markdown_report", "markdown_table", "miss_count_table",
           "miss_counts", "rows", "text_table"]
