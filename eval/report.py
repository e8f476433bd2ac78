"""Text table, Markdown report and PNG chart from the scored runs."""

from __future__ import annotations

from pathlib import Path

from eval.harness import PERSONAS, describe_miss

COLUMNS = [
    ("hit@1", "hit@1", "{:.2f}"), ("hit@3", "hit@3", "{:.2f}"), ("mrr@5", "MRR@5", "{:.2f}"),
    ("precision", "prec", "{:.2f}"), ("recall", "recall", "{:.2f}"), ("refusal", "refusal", "{:.2f}"),
    ("false_refusal", "false ref", "{:.2f}"), ("support", "support", "{:.2f}"),
    ("latency_p50_ms", "p50 ms", "{:.1f}"), ("latency_p95_ms", "p95 ms", "{:.1f}"), ("questions", "n", "{}"),
]


def _cell(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def rows(figures: dict) -> list[list[str]]:
    """figures: {system: {split: {group: aggregate}}} -> table rows (system, split, group, metrics...)."""
    out = []
    for system, by_split in figures.items():
        for split, by_group in by_split.items():
            for group in ("all", *PERSONAS):
                agg = by_group[group]
                out.append([system, split, group] + [_cell(agg[key], fmt) for key, _, fmt in COLUMNS])
    return out


HEADER = ["system", "split", "persona"] + [title for _, title, _ in COLUMNS]


def text_table(figures: dict) -> str:
    table = [HEADER] + rows(figures)
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(figures: dict, groups=("all",)) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(figures):
        if row[2] in groups:
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def markdown_report(figures: dict, worst: list, check: dict | None, command: str, n_questions: int) -> str:
    parts = [
        "# Evaluation report",
        "",
        f"Command: `{command}`  ",
        f"Questions: {n_questions} (eval/questions.jsonl). Product = `qa.service.Assistant`; baselines = LangChain "
        "RecursiveCharacterTextSplitter(1000/200) + same embedding model + LangChain FAISS, top 4; and bm25s over the "
        "same chunks, top 4. Baselines never refuse and have no answer text (support: —).",
        "",
        "## Overall",
        "",
        markdown_table(figures, groups=("all",)),
        "",
        "## Per persona",
        "",
        markdown_table(figures, groups=PERSONAS),
        "",
    ]
    if check is not None:
        parts += ["## Threshold check", ""]
        for name, (value, threshold, ok) in check["results"].items():
            parts.append(f"- {name}: {value:.3f} (threshold {threshold:.3f}) — {'ok' if ok else 'BELOW'}")
        parts.append("")
    if worst:
        parts += ["## Worst product misses (dev split)", ""]
        for r in worst:
            parts.append(f"- `{r.item['id']}` ({r.item['persona']}) “{r.item['question']}” — gold "
                         f"{', '.join(r.item['gold']) or 'out of scope'}: {describe_miss(r)}")
        parts.append("")
    parts += [
        "## Definitions",
        "",
        "- hit@k: an answerable question whose top-k citations include a gold section. MRR@5: 1/rank of the first gold "
        "citation within 5, else 0. A refused answerable question scores 0 on both.",
        "- Citation precision: share of citations naming a gold section (answered questions only); recall: share of "
        "the question's gold sections cited (all answerable questions).",
        "- A baseline chunk counts as citing a section when it contains a contiguous run of 12 normalised words unique "
        "to that section within its document, or all of a shorter section, or the recommendation's own printed "
        "heading (see eval/baselines.py `SectionMatcher`).",
        "- Refusal: share of out-of-scope questions refused; false refusal: share of answerable questions refused.",
        "- Support: share of answer sentences (trailing [n] markers stripped; 'Who should act', 'Note:', 'Not covered:' "
        "and 'Terms:' framing lines skipped) found verbatim, whitespace- and bullet-normalised, in the passage they cite.",
        "- Latency: wall time per question (ms), nearest-rank p50/p95, warm model.",
        "",
    ]
    return "\n".join(parts)


def chart(figures: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("mrr@5", "MRR@5"), ("precision", "precision"),
               ("recall", "recall")]
    systems = list(figures)
    splits = list(next(iter(figures.values())))
    fig, axes = plt.subplots(1, len(splits), figsize=(6 * len(splits), 4), squeeze=False)
    width = 0.8 / max(len(systems), 1)
    for ax, split in zip(axes[0], splits):
        for n, system in enumerate(systems):
            agg = figures[system][split]["all"]
            values = [agg[key] or 0.0 for key, _ in metrics]
            ax.bar([i + n * width for i in range(len(metrics))], values, width, label=system)
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(metrics))])
        ax.set_xticklabels([title for _, title in metrics])
        ax.set_ylim(0, 1)
        ax.set_title(f"{split} split")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


__all__ = ["chart", "markdown_report", "markdown_table", "text_table"]
