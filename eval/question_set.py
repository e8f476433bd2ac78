"""The evaluation question set (eval/questions/{train,dev,test}.jsonl): load it and check it against the corpus.

Checks are the shared contract of issue 11: the schema, unique ids, every gold section produced by the
ingest, every evidence span found verbatim in corpus/ after the metrics' normalisation, and the test
split locked by the sha256 on the newest line of eval/questions/CHANGELOG.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from eval.metrics import normalise

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_DIR = ROOT / "eval" / "questions"
CHANGELOG = QUESTIONS_DIR / "CHANGELOG.md"
SPLITS = ("train", "dev", "test")
PERSONAS = ("carer", "staff", "trainer")
KINDS = ("practical", "who-acts", "which-recommendation", "definition", "about-guidance", "news",
         "follow-up", "topic-switch", "near-out-of-scope", "far-out-of-scope")
SCOPES = ("in", "near", "far")
FIELDS = {"id", "split", "persona", "kind", "scope", "question", "history", "target", "gold_sections", "evidence"}
_LOCK_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+([0-9a-f]{64})\s+\S")


def load_split(split: str, directory: Path = QUESTIONS_DIR) -> list[dict]:
    path = directory / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_all(directory: Path = QUESTIONS_DIR) -> list[dict]:
    return [record for split in SPLITS for record in load_split(split, directory)]


def corpus_text(corpus_dir: Path) -> str:
    """All corpus files, normalised and joined, for the verbatim-span check."""
    files = sorted(p for p in corpus_dir.iterdir() if p.suffix in {".txt", ".md", ".toml"})
    return "\n".join(normalise(p.read_text(encoding="utf-8")) for p in files)


def problems(records: Iterable[dict], corpus: str, section_ids: set[str]) -> list[str]:
    """Everything wrong with these records, one message each (empty when the set is sound)."""
    found: list[str] = []
    seen: set[str] = set()
    for record in records:
        rid = record.get("id", "?")
        if set(record) != FIELDS:
            found.append(f"{rid}: fields {sorted(set(record) ^ FIELDS)} missing or unexpected")
            continue
        if rid in seen:
            found.append(f"{rid}: duplicate id")
        seen.add(rid)
        for field, allowed in (("split", SPLITS), ("persona", PERSONAS), ("kind", KINDS), ("scope", SCOPES)):
            if record[field] not in allowed:
                found.append(f"{rid}: {field} {record[field]!r} not one of {allowed}")
        if not isinstance(record["question"], str) or not record["question"].strip():
            found.append(f"{rid}: empty question")
        if not isinstance(record["history"], list) or not all(isinstance(h, str) and h for h in record["history"]):
            found.append(f"{rid}: history must be a list of earlier questions")
        if record["kind"] in ("follow-up", "topic-switch") and not record["history"]:
            found.append(f"{rid}: a {record['kind']} needs the earlier question in history")
        answerable = record["scope"] == "in"
        if answerable != bool(record["evidence"]) or answerable != bool(record["gold_sections"]):
            found.append(f"{rid}: evidence and gold sections are needed exactly when scope is 'in'")
        if not answerable and record["target"] != "none":
            found.append(f"{rid}: out-of-scope questions have target 'none'")
        if record["kind"].endswith("out-of-scope") and record["kind"] != f"{record['scope']}-out-of-scope":
            found.append(f"{rid}: kind {record['kind']} disagrees with scope {record['scope']}")
        for section in record["gold_sections"] + ([record["target"]] if answerable else []):
            if section not in section_ids:
                found.append(f"{rid}: section {section!r} is not produced by the ingest")
        for span in record["evidence"]:
            if normalise(span) not in corpus:
                found.append(f"{rid}: evidence not found verbatim in corpus/: {span[:70]!r}")
    return found


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_sha256(changelog: Path = CHANGELOG) -> str | None:
    """The sha256 on the newest (last) dated line of the changelog: what test.jsonl must hash to."""
    hashes = [m.group(2) for line in changelog.read_text(encoding="utf-8").splitlines() if (m := _LOCK_LINE.match(line))]
    return hashes[-1] if hashes else None
