"""`python -m eval.finetune --out DIR`: the encoder fine-tuning experiment of issue 12 (tried, not adopted).

Fine-tunes the embedding model on pairs from the repository's own data, never dev or test:
- each answerable train question (a follow-up joined with its previous turn, vocabulary-expanded: what the
  product embeds) -> every answer unit holding one of its gold evidence spans, and the passage holding it;
- each section title -> its own guidance sentences (not its title, context lines or shared topic text);
- each glossary term -> its definition.
MultipleNegativesRankingLoss (the batch's other positives are the negatives), AdamW with linear warm-up and
decay, fixed seed and thread count, deterministic algorithms, no anchor or positive twice in a batch: the same
inputs give the same weights. DIR/model is the base model's folder with the new weights.

Then the product's own procedure with that model, without touching the repository: build an index in DIR/index,
fit the answer weights on train (eval.fit) in memory, score dev and train. `--base` runs the same procedure on
the base model for comparison. Build-time only (needs torch and sentence-transformers); README "Evaluation" has
the figures, which is why the product does not use it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from eval.questions import QUESTIONS_DIR
from index.build import passage_text_for_search
from index.encoders.onnx_export import WEIGHT_FILES
from ingest import load_corpus, split_passages
from ingest.units import SCORED_UNIT_KINDS, answer_units

log = logging.getLogger("lac.eval")

FIGURES = ("evidence@1", "evidence@3", "answer_evidence", "hit@1", "hit@3", "mrr@5", "near_refusal",
           "far_refusal", "false_refusal", "title_only_answers")


@dataclass(frozen=True)
class Recipe:
    """Everything besides the data and the base weights that decides the fine-tuned weights."""

    epochs: int = 1
    learning_rate: float = 2e-5
    batch_size: int = 32
    warmup_share: float = 0.1
    scale: float = 20.0  # MultipleNegativesRankingLoss: cosine similarities times this are the logits
    seed: int = 12
    threads: int = 2
    questions: bool = True  # train question -> evidence pairs
    titles: bool = True  # section title -> sentence pairs
    glossary: bool = True  # glossary term -> definition pairs


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    source: str  # "question", "title" or "glossary"
    passage: bool = False  # the positive is a whole passage (long) rather than one sentence or definition


def training_pairs(corpus_dir: Path, questions_dir: Path, recipe: Recipe, max_passage_chars: int) -> list[Pair]:
    """The pairs in a fixed order (corpus order, then the train questions in file order)."""
    from eval.fit import holds_evidence, load_split, resolved_question
    from qa.vocabulary import expand

    corpus = load_corpus(corpus_dir)
    labels = {s.section_id: s.label for s in corpus.sections}
    passages = split_passages(list(corpus.sections), max_passage_chars)
    units = [u for u in answer_units(passages, labels) if u.kind in SCORED_UNIT_KINDS]
    pairs: list[Pair] = []
    if recipe.titles:
        pairs += [Pair(labels[u.section_id], u.text, "title") for u in units if u.kind == "text" and not u.shared
                  and u.section_id not in {s.section_id for s in corpus.sections if s.kind in ("glossary", "pointer")}]
    if recipe.glossary:
        for section in corpus.sections:
            term, _, definition = section.text.partition(":")
            if section.kind == "glossary" and definition.strip():
                pairs.append(Pair(term.strip(), definition.strip(), "glossary"))
    if recipe.questions:
        for item in load_split("train", questions_dir):
            if item["scope"] != "in" or not item["evidence"]:
                continue
            anchor = expand(resolved_question(item))
            held = [u for u in units if holds_evidence(u.text, item["evidence"])]
            pairs += [Pair(anchor, u.text, "question") for u in held]
            for n in sorted({u.passage for u in held}):
                text = passage_text_for_search(labels[passages[n].section_id], passages[n].text)
                pairs.append(Pair(anchor, text, "question", passage=True))
    return pairs


def batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches in which no anchor and no positive appears twice (a repeat would be its own negative).
    Passages and sentences go in separate batches: a batch is padded to its longest text, so a batch of
    sentences costs about a quarter of a batch of passages."""
    out = [batch for long in (False, True)
           for batch in _distinct_batches([p for p in pairs if p.passage == long], batch_size, rng)]
    rng.shuffle(out)
    return out


def _distinct_batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    pending = list(pairs)
    rng.shuffle(pending)
    out: list[list[Pair]] = []
    while pending:
        batch: list[Pair] = []
        seen: set[str] = set()
        rest = []
        for pair in pending:
            if len(batch) < batch_size and pair.anchor not in seen and pair.positive not in seen:
                batch.append(pair)
                seen.update((pair.anchor, pair.positive))
            else:
                rest.append(pair)
        out.append(batch)
        pending = rest
    return out


def data_digest(pairs: Sequence[Pair]) -> str:
    return hashlib.sha256(json.dumps([asdict(p) for p in pairs]).encode()).hexdigest()


def finetune(base: Path, pairs: Sequence[Pair], recipe: Recipe, out: Path) -> Path:
    """Train from the base folder on the pairs; write the base folder with the new weights to `out`."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    torch.use_deterministic_algorithms(True)
    rng = random.Random(recipe.seed)
    model = SentenceTransformer(str(base), device="cpu")
    loss = MultipleNegativesRankingLoss(model, scale=recipe.scale)
    plan = [batches(pairs, recipe.batch_size, rng) for _ in range(recipe.epochs)]
    steps = sum(len(p) for p in plan)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(recipe.warmup_share * steps), steps)
    model.train()
    for epoch, epoch_batches in enumerate(plan):
        total = 0.0
        for batch in epoch_batches:
            features = [model.preprocess([p.anchor for p in batch]), model.preprocess([p.positive for p in batch])]
            value = loss(features, None)
            value.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(value.detach())
        log.info("epoch %d: mean loss %.4f over %d batches", epoch + 1, total / len(epoch_batches), len(epoch_batches))
    model.eval()
    save_like_base(model[0].auto_model, base, out)
    return out


def save_like_base(network, base: Path, out: Path) -> None:
    """The base folder with the new transformer weights: the same layout files (max_seq_length, pooling,
    tokenizer), so every encoder that reads the base model (index/encoders/base.py: read_layout) reads this one."""
    shutil.copytree(base, out, ignore=shutil.ignore_patterns(*WEIGHT_FILES, "README.md"), dirs_exist_ok=True)
    network.save_pretrained(str(out), safe_serialization=True)


def dev_and_train_figures(settings, questions_dir: Path) -> dict[str, dict[str, float]]:
    """Build the index, fit the answer weights on train, score dev and train: the product's procedure, in memory."""
    from eval.__main__ import evaluate
    from eval.fit import fit, load_split
    from index.build import build_index
    from qa.service import Assistant

    build_index(settings)
    fitter = Assistant(settings, evidence_weights=None)
    fitter.warm_up()
    weights = fit(fitter, load_split("train", questions_dir))
    assistant = Assistant(settings, embedder=fitter.embedder, evidence_weights=weights)
    assistant.warm_up()
    out = evaluate(lambda q, h: assistant.ask(q, h).to_json(), settings, splits=("dev", "train"), baselines=False,
                   questions_dir=questions_dir)
    figures = out["figures"]["product"]
    return {split: {name: figures[split]["all"][name] for name in FIGURES} for split in ("dev", "train")}


def main(argv: list[str] | None = None) -> int:
    from index.encoders import resolve_model
    from index.hashing import sha256_file
    from settings import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.finetune", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the model, its index and figures")
    parser.add_argument("--base", action="store_true", help="no fine-tuning: the same procedure on the base model")
    parser.add_argument("--epochs", type=int, default=Recipe.epochs)
    parser.add_argument("--lr", type=float, default=Recipe.learning_rate)
    parser.add_argument("--batch-size", type=int, default=Recipe.batch_size)
    parser.add_argument("--no-questions", action="store_true", help="no train question pairs")
    parser.add_argument("--no-titles", action="store_true", help="no section title pairs")
    parser.add_argument("--no-glossary", action="store_true", help="no glossary pairs")
    parser.add_argument("--questions", type=Path, default=QUESTIONS_DIR, metavar="DIR")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env()
    model = Path(resolve_model(settings.embedding_model))
    if not args.base:
        recipe = Recipe(epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
                        questions=not args.no_questions, titles=not args.no_titles, glossary=not args.no_glossary)
        pairs = training_pairs(settings.corpus_dir, args.questions, recipe, settings.max_passage_chars)
        counts = {s: sum(p.source == s for p in pairs) for s in ("question", "title", "glossary")}
        log.info("%d pairs %s, data sha256 %s", len(pairs), counts, data_digest(pairs)[:16])
        start = time.perf_counter()
        model = finetune(model, pairs, recipe, args.out / "model")
        log.info("fine-tuned in %.0f s: weights sha256 %s", time.perf_counter() - start,
                 sha256_file(model / "model.safetensors"))
    # numpy: the same vectors as ONNX fp32 (to ~1e-6) without exporting every variant
    settings = settings.replace(embedding_model=str(model), index_dir=args.out / "index", embedder_backend="numpy")
    figures = dev_and_train_figures(settings, args.questions)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    for split, values in figures.items():
        print(split, " ".join(f"{name} {value:.3f}" for name, value in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
