"""Synthetic corpora for scale tests: real sentences from the guidance, recombined into passages of realistic length.

`sentences(corpus_dir)` pools the distinct sentences of every section; `passages(n, pool, seed)` draws n passages
whose character lengths follow the real passages' length distribution (each passage is consecutive-looking
sentences drawn at random, so vocabulary and style are the guidance's own, but every passage is new text);
`write_corpus(folder, n)` writes them as markdown documents (one "## heading" per section, 50 sections per file)
that the normal ingest pipeline reads. Deterministic for a given seed.

    python -m bench.synth --passages 10000 --out /tmp/synth-10k
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from ingest.text import SENTENCE_END
from settings import PROJECT_ROOT

SECTIONS_PER_FILE = 50


def sentences(corpus_dir: Path | None = None) -> tuple[list[str], list[int]]:
    """Distinct sentences (20-400 characters) of the real corpus, and the real passage lengths in characters."""
    from ingest import load_corpus, split_passages

    corpus = load_corpus(Path(corpus_dir or PROJECT_ROOT / "corpus"))
    pool: dict[str, None] = {}
    for section in corpus.sections:
        for block in section.text.split("\n"):
            for s in SENTENCE_END.split(" ".join(block.split())):
                s = s.strip(" -•*")
                if 20 <= len(s) <= 400:
                    pool.setdefault(s, None)
    lengths = [len(c.text) for c in split_passages(list(corpus.sections), 600)]
    return list(pool), lengths


def passage_parts(n: int, pool: list[str], lengths: list[int], seed: int = 0) -> list[list[int]]:
    """For each of n passages, the pool indexes of its sentences; lengths sampled from the real distribution."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target = rng.choice(lengths)
        parts: list[int] = []
        size = 0
        while size < target or not parts:
            i = rng.randrange(len(pool))
            parts.append(i)
            size += len(pool[i]) + 1
        out.append(parts)
    return out


def passages(n: int, pool: list[str], lengths: list[int], seed: int = 0) -> list[str]:
    """n passages of recombined real sentences."""
    return [" ".join(pool[i] for i in parts) for parts in passage_parts(n, pool, lengths, seed)]


def titles(n: int, pool: list[str], seed: int = 0) -> list[str]:
    rng = random.Random(seed + 1)
    return [" ".join(rng.choice(pool).split()[:6]).rstrip(".,;:") for _ in range(n)]


def write_corpus(folder: Path, n: int, seed: int = 0, corpus_dir: Path | None = None) -> list[Path]:
    """Write n synthetic sections as markdown files; returns the files written."""
    pool, lengths = sentences(corpus_dir)
    texts = passages(n, pool, lengths, seed)
    heads = titles(n, pool, seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f, start in enumerate(range(0, n, SECTIONS_PER_FILE)):
        body = [f"# Synthetic guidance document {f + 1}", ""]
        for i in range(start, min(n, start + SECTIONS_PER_FILE)):
            body += [f"## {i + 1}. {heads[i]}", "", texts[i], ""]
        path = folder / f"synthetic-{f + 1:05d}.md"
        path.write_text("\n".join(body), encoding="utf-8")
        files.append(path)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    files = write_corpus(args.out, args.passages, args.seed)
    print(f"wrote {args.passages} sections in {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
