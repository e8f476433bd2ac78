"""Small question files in the eval/questions schema, for tests that must not depend on the real set."""

from __future__ import annotations

import json
from pathlib import Path

from eval.questions import SPLITS
from index.hashing import sha256_file


def row(id, split="dev", scope="in", kind="practical", **extra):
    base = {"id": id, "split": split, "persona": "carer", "kind": kind, "scope": scope, "question": f"q {id}",
            "history": [], "target": "d/box-1" if scope == "in" else None,
            "gold_sections": ["d/box-1"] if scope == "in" else [],
            "evidence": ["a span"] if scope == "in" else []}
    return base | extra


def write_set(directory: Path, rows_by_split: dict[str, list[dict]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        text = "".join(json.dumps(r) + "\n" for r in rows_by_split.get(split, []))
        (directory / f"{split}.jsonl").write_text(text, encoding="utf-8")
    sha = sha256_file(directory / "test.jsonl")
    (directory / "CHANGELOG.md").write_text(f"# Changelog\n\n2026-11-24 locked test.jsonl sha256 {sha}\n")
    return directory
