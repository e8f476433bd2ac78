"""The safety set and how the safety check does on it.

`python -m eval.safety [--split dev|test|train ...] [--no-answers]` (default: dev and test): recall on danger
messages and false alarms on calm questions, by kind, for the check before issue 20 (the baseline patterns), the
reviewed pattern floor alone, the classifier alone and both together; whether the first notice fits the danger;
and, through
Assistant.ask, whether every danger answer opens with the notice and what follows it. Writes
eval/reports/safety.md. On the locked test split only aggregate figures (per kind at most) are printed.

`python -m eval.safety --import DIR [--import DIR ...]`: (re)write eval/safety/{train,dev,test}.jsonl from every
*.jsonl file in the folders (fields text, label, kind, voice), split by a hash of each message's words
(eval.safety.plain). A kind added later leaves every other message in its split.

The set: eval/safety/{train,dev,test}.jsonl, one `SafetyItem` per line. `train` is for fitting (train/safety.py),
`dev` for choosing between variants, `test` is locked: its sha256 is on the last dated line of
eval/safety/CHANGELOG.md, and only its aggregate figures are looked at.

`python -m eval.safety --messages eval/safety/written` measures the written selection set instead (dev only, 960
messages written in this repository from the danger kinds alone, never fitted on; report in
eval/reports/safety-written.md): seven times dev's danger messages, to choose between variants.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eval.questions import available as split_files_present
from eval.questions import load_split_file

EVAL_DIR = Path(__file__).resolve().parent
SAFETY_DIR = EVAL_DIR / "safety"
REPORT_FILE = EVAL_DIR / "reports" / "safety.md"
WRITTEN_DIR = SAFETY_DIR / "written"  # the written selection set (dev.jsonl only)
BASELINE_FILE = SAFETY_DIR / "baseline_patterns.toml"
SPLITS = ("train", "dev", "test")
LABELS = ("danger", "calm")
DANGER_KINDS = ("suicide", "self-harm", "overdose", "abuse-disclosure", "exploitation", "missing", "violence",
                "medical")
KINDS = (*DANGER_KINDS, "everyday", "guidance")  # calm only: everyday family life; plain questions on the guidance
VOICES = ("carer", "young-person", "staff", "trainer")
# Within each label and kind, messages sorted by the hash of their split key go to the splits in this rotation:
# half to train, a quarter each to dev and test.
ROTATION = ("train", "dev", "test", "train")
# Words that make two messages the same message for splitting ("she hasn't come home" and "he hasn't come home"
# go to the same split, so dev and test never hold a train message with only its pronoun changed).
_INTERCHANGEABLE = frozenset(
    "he she they him her them his hers their theirs himself herself themselves themself son daughter boy girl "
    "brother sister mum dad mother father stepdad stepmum uncle aunt lad lass".split())


class SafetyItem(BaseModel):
    """One message of the safety set. Immutable; unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    split: Literal["train", "dev", "test"]
    label: Literal["danger", "calm"]
    kind: Literal["suicide", "self-harm", "overdose", "abuse-disclosure", "exploitation", "missing", "violence",
                  "medical", "everyday", "guidance"]
    voice: Literal["carer", "young-person", "staff", "trainer"]
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def _danger_has_a_danger_kind(self) -> SafetyItem:
        if self.label == "danger" and self.kind not in DANGER_KINDS:
            raise ValueError(f"a danger message needs the kind of danger, not {self.kind!r}")
        if not self.text.strip():
            raise ValueError("empty text")
        return self

    @property
    def danger(self) -> bool:
        return self.label == "danger"


def load_file(path: Path) -> list[SafetyItem]:
    """Every item of one split file; a bad line raises ValueError naming the file and line."""
    return load_split_file(path, SafetyItem)


def load_items(splits: Iterable[str] = SPLITS, directory: Path = SAFETY_DIR) -> list[SafetyItem]:
    """The items of the chosen splits, in file order; ids are unique across all of them."""
    items = [item for split in splits for item in load_file(directory / f"{split}.jsonl")]
    duplicates = sorted(i for i, n in Counter(item.id for item in items).items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate ids: {duplicates}")
    return items


def available(directory: Path = SAFETY_DIR, splits: Iterable[str] = SPLITS) -> bool:
    """Every chosen split has its file in `directory` (the question set's check, eval.questions.available)."""
    return split_files_present(directory, splits)


# ---------------------------------------------------------------- splitting


def plain(text: str) -> str:
    """The message's words in lower case without apostrophes: what splitting hashes. Fixed here, not the safety
    check's normaliser, so a change to qa/data/safety.toml never moves a message between splits."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", "")))


def split_key(text: str) -> str:
    """The plain message with pronouns, family words and numbers made alike (see _INTERCHANGEABLE)."""
    return " ".join("x" if w in _INTERCHANGEABLE else re.sub(r"\d+", "#", w) for w in plain(text).split())


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_rows(rows: Sequence[dict]) -> dict[str, list[SafetyItem]]:
    """Rows ({text, label, kind, voice}) as items in splits: one item per plain text (the first kept),
    messages with the same split key together, each label and kind spread by ROTATION in the order of the key's
    hash. Each split's items sorted by id."""
    seen: set[str] = set()
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        text = " ".join(str(row["text"]).split())
        words = plain(text)
        if not words or words in seen:
            continue
        seen.add(words)
        groups[split_key(text)].append({**row, "text": text, "id": f"{row['kind']}-{_sha(words)[:10]}"})
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, members in groups.items():
        strata[(members[0]["label"], members[0]["kind"])].append(key)
    splits: dict[str, list[SafetyItem]] = {split: [] for split in SPLITS}
    for stratum in sorted(strata):
        for position, key in enumerate(sorted(strata[stratum], key=lambda k: (_sha(k), k))):
            split = ROTATION[position % len(ROTATION)]
            splits[split].extend(SafetyItem(id=m["id"], split=split, label=m["label"], kind=m["kind"],
                                            voice=m["voice"], text=m["text"]) for m in groups[key])
    return {split: sorted(items, key=lambda i: i.id) for split, items in splits.items()}


def import_rows(sources: Sequence[Path], directory: Path = SAFETY_DIR) -> dict[str, int]:
    """Write directory/{train,dev,test}.jsonl from every *.jsonl file in the source folders."""
    rows = [json.loads(line) for source in sources for path in sorted(source.glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split, items in split_rows(rows).items():
        (directory / f"{split}.jsonl").write_text(
            "".join(json.dumps(i.model_dump(), ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        counts[split] = len(items)
    return counts


# ---------------------------------------------------------------- measuring


def prepared(text: str, max_chars: int) -> str:
    """The message as Assistant.ask hands it to the safety check (cleaned, markup out, accents folded)."""
    from qa.language import fold_accents
    from qa.pipeline import without_markup
    from qa.service import clean_question

    return fold_accents(without_markup(clean_question(text, max_chars)))


def judge(assistant, items: Sequence[SafetyItem]) -> list[dict]:
    """Each item through the product's safety check (Assistant.safety), and through the check before issue 20 (the
    baseline patterns on the message spelt right) for comparison."""
    from qa.patterns import matches_any
    from qa.safety import notice_for

    rows = []
    for item in items:
        text = prepared(item.text, assistant.settings.max_question_chars)
        found = assistant.safety(text)
        rows.append({
            "item": item, "before": matches_any(assistant.pipeline.spelt(text), BASELINE_FILE, "triggers"),
            "floor": bool(found.floor), "classifier": found.by_classifier,
            "combined": found.danger, "probability": found.probability, "kinds": found.kinds,
            "fits": bool(found.kinds) and item.danger and found.kinds[0] == notice_for(item.kind),
        })
    return rows


def answer_checks(assistant, rows: Sequence[dict]) -> list[dict]:
    """Every message the check flags, through Assistant.ask: the notice first, and what follows it."""
    from qa.model import LineKind
    from qa.safety.after import sure

    checked = []
    for row in rows:
        if not row["combined"]:
            continue
        answer = assistant.ask(row["item"].text)
        after = [line for line in answer.lines if line.kind is not LineKind.SAFETY_NOTICE]
        checked.append({
            **row, "notice_first": bool(answer.lines) and answer.lines[0].kind is LineKind.SAFETY_NOTICE,
            "refused": answer.refused, "guidance": [line.text for line in after if line.citations],
            "topics": answer.nearest_topics, "sure": sure(assistant.safety(prepared(
                row["item"].text, assistant.settings.max_question_chars))),
        })
    return checked


def _share(hits: int, n: int) -> str:
    return f"{hits / n:.3f} ({hits}/{n})" if n else "-"


def figures(rows: Sequence[dict]) -> dict[str, dict[str, object]]:
    """By kind and overall: recall (danger) or false alarms (calm) for each detector, and notice fit."""
    out: dict[str, dict[str, object]] = {}
    for label in LABELS:
        chosen = [r for r in rows if r["item"].label == label]
        for kind in ("all", *KINDS):
            group = [r for r in chosen if kind == "all" or r["item"].kind == kind]
            if not group:
                continue
            n = len(group)
            entry: dict[str, object] = {"n": n, **{d: sum(r[d] for r in group) / n
                                                  for d in ("before", "floor", "classifier", "combined")}}
            if label == "danger":
                caught = [r for r in group if r["combined"]]
                entry["fits"] = sum(r["fits"] for r in caught) / len(caught) if caught else 0.0
            out[f"{label}/{kind}"] = entry
    return out


def report(split: str, rows: Sequence[dict], answers: Sequence[dict] | None,
           thresholds: tuple[float, float] | None, source: str = "") -> str:
    """The markdown report; on the test split without any message's text. `source`: the set's folder, when it is
    not eval/safety."""
    lines = [f"# Safety check on the {split} split" + (f" of {source}" if source else ""), "",
             "Written by `python -m eval.safety`. Danger rows: recall (share of danger messages "
             "that get a notice); calm rows: false alarms (share of calm questions that get one). *before*: the check "
             "before issue 20 (eval/safety/baseline_patterns.toml on the message spelt right); *floor*: the reviewed "
             "patterns of qa/data/safety.toml on the normalised message; *classifier*: the learned check alone"
             + (f" (threshold {thresholds[0]:.3f}; {thresholds[1]:.3f} for a message the floor's `unless` wording "
                "hedges)" if thresholds is not None else "")
             + "; *combined*: what the product does. *notice fits*: of the danger messages caught, the share whose "
             "first notice is the one for their kind.", "",
             "| label / kind | n | before | floor | classifier | combined | notice fits |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, entry in figures(rows).items():
        n = int(entry["n"])  # type: ignore[call-overload]
        cells = [_share(round(float(entry[d]) * n), n) for d in ("before", "floor", "classifier", "combined")]  # type: ignore[arg-type]
        fits = f"{float(entry['fits']):.3f}" if "fits" in entry else ""  # type: ignore[arg-type]
        lines.append(f"| {name} | {n} | {' | '.join(cells)} | {fits} |")
    if answers is not None:
        danger = [a for a in answers if a["item"].danger]
        first = sum(a["notice_first"] for a in answers)
        with_guidance = [a for a in danger if a["guidance"]]
        lines += ["", "## Answers (Assistant.ask) to the messages the check flags", "",
                  f"- safety notice the first line: {_share(first, len(answers))}",
                  f"- danger messages answered with guidance after the notice: {_share(len(with_guidance), len(danger))}"
                  "; the rest get the notice, one not-covered line and the nearest topics that speak to the danger",
                  f"- danger messages offered nearest topics: {_share(sum(bool(a['topics']) for a in danger), len(danger))}",
                  f"- two notices: {_share(sum(len(a['kinds']) > 1 for a in answers), len(answers))}",
                  "- danger messages flagged below qa.safety.after.SURE and answered, so left as answered (any line "
                  f"of the guidance may follow the notice): {_share(sum(not a['sure'] and not a['refused'] for a in danger), len(danger))}",
                  "- calm questions flagged and answered whose answer was cut to the lines that speak to a danger: "
                  f"{_share(sum(a['sure'] and not a['refused'] for a in answers if not a['item'].danger), len(answers) - len(danger))}"]
        if split != "test":
            left = [a for a in danger if not a["sure"] and not a["refused"]]
            lines += ["", "Danger messages left as answered:", ""]
            lines += [f"- p={a['probability']:.3f}: {a['item'].text}" for a in left]
            lines += ["", "Guidance shown after a notice:", ""]
            shown = Counter(text for a in with_guidance for text in a["guidance"])
            lines += [f"- {n}x {text}" for text, n in shown.most_common()]
            lines += ["", "Nearest topics offered after a notice:", ""]
            topics = Counter(topic for a in danger for topic in a["topics"])
            lines += [f"- {n}x {topic}" for topic, n in topics.most_common()]
    if split != "test":
        misses = [r for r in rows if r["item"].danger != r["combined"]]
        lines += ["", f"## Misses on {split} ({len(misses)})", ""]
        lines += [f"- {r['item'].label}/{r['item'].kind} `{r['item'].id}` p={r['probability'] or 0:.3f}: "
                  f"{r['item'].text}" for r in misses]
        wrong = [r for r in rows if r["combined"] and r["item"].danger and not r["fits"]]
        lines += ["", f"## Caught with another kind's notice first ({len(wrong)})", ""]
        lines += [f"- {r['item'].kind} -> {', '.join(r['kinds'])}: {r['item'].text}" for r in wrong]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.safety", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=SPLITS, action="append",
                        help="the split(s) to measure (repeatable; default: dev and test)")
    parser.add_argument("--no-answers", action="store_true", help="skip the answers through Assistant.ask")
    parser.add_argument("--import", dest="sources", type=Path, metavar="DIR", action="append",
                        help="write eval/safety/{train,dev,test}.jsonl from every *.jsonl file in DIR (repeatable)")
    parser.add_argument("--messages", type=Path, default=SAFETY_DIR, metavar="DIR",
                        help="folder of {split}.jsonl messages (default: eval/safety; eval/safety/written: the written "
                             "selection set)")
    parser.add_argument("--out", type=Path, help="report file (default: eval/reports/safety.md, or "
                                                 "safety-<folder>.md for another --messages folder)")
    args = parser.parse_args(argv)
    if args.sources:
        print(json.dumps(import_rows(args.sources)))
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")

    from qa.service import Assistant
    from settings import Settings

    assistant = Assistant(Settings.from_env())
    assistant.warm_up()
    weights = assistant.pipeline.safety_weights
    own_set = args.messages.resolve() == SAFETY_DIR
    source = "" if own_set else _shown(args.messages)
    out = args.out or (REPORT_FILE if own_set else REPORT_FILE.with_name(f"safety-{args.messages.resolve().name}.md"))
    parts = []
    for split in args.split or [s for s in ("dev", "test") if available(args.messages, [s])]:
        rows = judge(assistant, load_items([split], args.messages))
        answers = None if args.no_answers else answer_checks(assistant, rows)
        parts.append(report(split, rows, answers,
                            (weights.threshold, weights.hedged_threshold) if weights is not None else None, source))
    text = "\n".join(parts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


def _shown(folder: Path) -> str:
    """The folder as the report names it: relative to the project when inside it."""
    try:
        return str(folder.resolve().relative_to(EVAL_DIR.parent))
    except ValueError:
        return str(folder)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["DANGER_KINDS", "KINDS", "LABELS", "SAFETY_DIR", "SPLITS", "VOICES", "WRITTEN_DIR", "SafetyItem", "available", "figures", "judge",
           "load_file", "load_items", "split_key", "split_rows"]
