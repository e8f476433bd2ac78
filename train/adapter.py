"""`python -m train.adapter [--corpus DIR] [--out DIR]`: adapt the encoder to how people ask (LoRA on the bank).

Pairs every answerable question of the question bank (corpus/questions, ingest/bank.py) with the passage that
answers it (as the index embeds it: label and text) and fits low-rank changes to MiniLM's attention and
feed-forward layers so each question lands nearest its own passage, the other passages of a batch being the
negatives (a batch's other questions on the same passage are not counted as negatives). Deterministic: seeded,
deterministic torch kernels, a fixed thread count; the same corpus gives the same adapter bytes. Writes only
the LoRA matrices and their config (about 2.7 MB), which the product merges into the model at load
(index/encoders/adapter.py). Needs torch and peft (the dev extra); a fresh machine never runs this.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.build import passage_text_for_search
from index.encoders import resolve_model
from index.encoders.adapter import CONFIG, SHIPPED_ADAPTER, WEIGHTS
from ingest import load_corpus, split_passages
from ingest.bank import SpanLocator, load_bank
from ingest.units import answer_units
from settings import Settings

log = logging.getLogger("lac.train")


@dataclass(frozen=True)
class Recipe:
    """What the adapter is fitted with (the figures the issue's experiment used: r=16 on every linear layer of
    the encoder, lr 5e-4, one epoch, in-batch negatives at scale 20)."""

    rank: int = 16
    alpha: int = 32
    targets: tuple[str, ...] = ("query", "key", "value", "dense")
    learning_rate: float = 5e-4
    epochs: int = 1
    batch_size: int = 32
    scale: float = 20.0  # cosine -> logit, as sentence-transformers' MultipleNegativesRankingLoss
    max_passage_tokens: int = 256
    seed: int = 0
    threads: int = 2  # fixed, so the sums run in the same order on any machine


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str  # the passage's label and text, or the answering sentence, as the index embeds them
    group: int  # the passage's position: pairs of one passage are not each other's negatives


def training_pairs(corpus_dir: Path, max_passage_chars: int) -> list[Pair]:
    """(bank question, what answers it), in bank order: every other question is paired with its passage as the
    index embeds it (label and text: retrieval), the rest with the sentence that answers it, as the answer units
    are embedded (sentence choice), so the adapter serves both."""
    corpus = load_corpus(corpus_dir)
    passages = split_passages(list(corpus.sections), max_passage_chars)
    labels = {s.section_id: s.label for s in corpus.sections}
    units = answer_units(passages, labels)
    placed, _ = SpanLocator(passages, units).place(load_bank(corpus_dir, labels))
    pairs = []
    for n, q in enumerate(p for p in placed if p.question.answerable):
        passage = passages[q.passages[0]]
        target = (passage_text_for_search(labels[passage.section_id], passage.text) if n % 2 == 0 or not q.units
                  else units[q.units[0]].text)
        pairs.append(Pair(q.question.question, target, q.passages[0]))
    return pairs


def train(pairs: list[Pair], model_folder: Path, out: Path, recipe: Recipe = Recipe(),
          steps: int | None = None, model_name: str = "") -> dict:
    """Fit the adapter on `pairs` and write it to `out`; `steps` stops early (tests). Returns what was done."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    torch.use_deterministic_algorithms(True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_folder))
    base = AutoModel.from_pretrained(str(model_folder), attn_implementation="eager")
    config = LoraConfig(r=recipe.rank, lora_alpha=recipe.alpha, target_modules=list(recipe.targets),
                        lora_dropout=0.0, bias="none", init_lora_weights=True)
    model = get_peft_model(base, config)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=recipe.learning_rate)
    order = np.random.default_rng(recipe.seed).permutation(len(pairs))
    batches = [order[i:i + recipe.batch_size] for i in range(0, len(order), recipe.batch_size)] * recipe.epochs
    batches = batches[:steps] if steps is not None else batches
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0 - step / max(len(batches), 1))

    def embed(texts: list[str], max_length: int):
        tokens = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        hidden = model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    start = time.perf_counter()
    losses = []
    for step, batch in enumerate(batches):
        chosen = [pairs[int(i)] for i in batch]
        questions = embed([p.question for p in chosen], 128)
        passages = embed([p.passage for p in chosen], recipe.max_passage_tokens)
        logits = recipe.scale * questions @ passages.T
        groups = torch.tensor([p.group for p in chosen])
        same = (groups[:, None] == groups[None, :]) & ~torch.eye(len(chosen), dtype=torch.bool)
        loss = torch.nn.functional.cross_entropy(logits.masked_fill(same, -1e4), torch.arange(len(chosen)))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if step % 10 == 0:
            log.info("step %d/%d loss %.3f (%.0fs)", step + 1, len(batches), float(loss), time.perf_counter() - start)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in sorted(get_peft_model_state_dict(model).items())}
    save_file(state, str(out / WEIGHTS))
    os.chmod(out / WEIGHTS, 0o644)
    (out / CONFIG).write_text(json.dumps({"base_model": model_name or model_folder.name, "r": recipe.rank,
                                          "lora_alpha": recipe.alpha, "target_modules": list(recipe.targets)},
                                         indent=1) + "\n", "utf-8")
    return {"pairs": len(pairs), "steps": len(batches), "seconds": round(time.perf_counter() - start, 1),
            "first_loss": round(losses[0], 3) if losses else None,
            "last_loss": round(float(np.mean(losses[-10:])), 3) if losses else None,
            "bytes": (out / WEIGHTS).stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.adapter", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="corpus folder with questions/ (default: settings)")
    parser.add_argument("--out", type=Path, default=SHIPPED_ADAPTER, help="adapter folder to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env()
    pairs = training_pairs(args.corpus or settings.corpus_dir, settings.max_passage_chars)
    report = train(pairs, Path(resolve_model(settings.embedding_model)), args.out,
                   model_name=settings.embedding_model)
    print(f"wrote {args.out}: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
