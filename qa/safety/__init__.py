"""The safety check: does a message say a child may be in danger now, and which notice fits that danger.

A message is normalised (qa/safety/normalise.py: "hes", "him self", "killll", "sucide"), then judged twice:
- the floor: reviewed patterns per kind of danger (qa/data/safety.toml [floor]), which can only add a notice;
- a classifier fitted on a written set of danger messages and calm near-misses (qa/safety/classify.py, weights in
  qa/data/safety_weights.npz by `python -m train.safety`), over the normalised text's character n-grams and the
  question's vector the product already computes for retrieval.
The notices are fixed, reviewed texts (qa/data/safety.toml [notices]), ours and labelled "not from the guidance";
the first line of every answer to a danger message, answered or refused. What may follow a notice is decided in
qa/safety/after.py. Measured by `python -m eval.safety` (eval/reports/safety.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.patterns import load_rules
from qa.safety.classify import WEIGHTS_FILE, SafetyWeights, question_text, ranked_kinds
from qa.safety.normalise import SAFETY_FILE, normalise

# At most this many notices open an answer (a message can be about two dangers: "she ran off and said she'd
# kill herself"); the likeliest first.
MAX_NOTICES = 2


@dataclass(frozen=True)
class Assessment:
    """What the safety check found in one message."""

    normalised: str
    floor: tuple[str, ...] = ()  # notice kinds whose reviewed patterns match
    probability: float | None = None  # P(danger) by the classifier; None when it was not run (no vector)
    threshold: float = 1.0
    kind_probabilities: dict[str, float] = field(default_factory=dict)  # P(kind of danger) by the kind model
    kinds: tuple[str, ...] = ()  # the notices shown, in order
    notices: tuple[str, ...] = ()
    # the kinds of danger the guidance after the notices must speak to (qa/safety/after.py): for each notice shown,
    # the likeliest of its kinds ("abuse" -> a disclosure or exploitation), or all of them without the kind model
    dangers: tuple[str, ...] = ()

    @property
    def by_classifier(self) -> bool:
        return self.probability is not None and self.probability >= self.threshold

    @property
    def danger(self) -> bool:
        return bool(self.kinds)


def notice_kinds(path: Path = SAFETY_FILE) -> tuple[str, ...]:
    """The kinds of notice, in the data file's order."""
    return tuple(load_rules(path)["notices"])


def notice_text(kind: str, path: Path = SAFETY_FILE) -> str:
    return load_rules(path)["notices"][kind]


def notice_for(danger_kind: str, path: Path = SAFETY_FILE) -> str:
    """The notice kind for a kind of danger in the safety set ("overdose" -> "suicide-self-harm")."""
    return load_rules(path)["kinds"][danger_kind]


def dangers_for(notice: str, path: Path = SAFETY_FILE) -> tuple[str, ...]:
    """The kinds of danger that get this notice ("abuse" -> "abuse-disclosure", "exploitation")."""
    return tuple(kind for kind, shown in load_rules(path)["kinds"].items() if shown == notice)


@lru_cache(maxsize=4)
def _floor(path: Path) -> tuple[tuple[tuple[str, tuple[re.Pattern, ...]], ...], tuple[re.Pattern, ...]]:
    rules = load_rules(path)["floor"]
    kinds = tuple((kind, tuple(re.compile(p, re.IGNORECASE) for p in patterns))
                  for kind, patterns in rules.items() if kind != "unless")
    return kinds, tuple(re.compile(p, re.IGNORECASE) for p in rules.get("unless", ()))


def warm_up(path: Path = SAFETY_FILE) -> None:
    """Compile the floor's and the normaliser's patterns now (a long-running app), not on the first message."""
    _floor(path)
    normalise("", path)


@lru_cache(maxsize=64)  # asked twice per message: by the floor and for the classifier's threshold
def hedged(text: str, path: Path = SAFETY_FILE) -> bool:
    """The (normalised) message puts what it says in the past, makes it hypothetical, asks about any child or for
    teaching material (the floor's `unless` list): the floor leaves it to the classifier, which then needs to be
    surer (SafetyWeights.hedged_threshold)."""
    return any(p.search(text) for p in _floor(path)[1])


def floor_kinds(*texts: str, path: Path = SAFETY_FILE) -> tuple[str, ...]:
    """The notice kinds whose reviewed patterns match any of the (normalised) texts that is not hedged."""
    kinds, _ = _floor(path)
    texts = tuple(t for t in texts if not hedged(t, path))
    return tuple(kind for kind, patterns in kinds if any(p.search(t) for p in patterns for t in texts))


def assess(question: str, vector: np.ndarray | None = None, spelt: str | None = None,
           weights: SafetyWeights | Path | None = WEIGHTS_FILE, path: Path = SAFETY_FILE) -> Assessment:
    """Judge one message. `vector`: the question's vector (classify.question_text embedded by the product's
    Embedder; without it only the floor runs); `spelt`: the message with misspelt words corrected (qa/spelling.py),
    which the floor reads too."""
    normalised = normalise(question, path)
    texts = (normalised,) if spelt is None or spelt == question else (normalised, normalise(spelt, path))
    floor = floor_kinds(*texts, path=path)
    if weights is None or vector is None:
        return _assessment(normalised, floor, list(floor), path)
    if isinstance(weights, Path):
        weights = SafetyWeights.load(weights)
    probability, kind_probabilities = weights.judge(normalised, vector)
    by_notice: dict[str, float] = {}
    for kind, p in kind_probabilities.items():
        notice = notice_for(kind, path)
        by_notice[notice] = by_notice.get(notice, 0.0) + p
    ranked = ranked_kinds(by_notice)
    threshold = weights.hedged_threshold if hedged(normalised, path) else weights.threshold
    chosen = [ranked[0]] if probability >= threshold else []
    chosen += [k for k in ranked if k in floor and k not in chosen]  # the floor only adds
    return _assessment(normalised, floor, chosen, path, probability, threshold, kind_probabilities)


def _assessment(normalised: str, floor: tuple[str, ...], chosen: list[str], path: Path,
                probability: float | None = None, threshold: float = 1.0,
                kind_probabilities: dict[str, float] | None = None) -> Assessment:
    kinds = tuple(chosen[:MAX_NOTICES])
    return Assessment(normalised=normalised, floor=floor, probability=probability, threshold=threshold,
                      kind_probabilities=kind_probabilities or {}, kinds=kinds,
                      notices=tuple(notice_text(k, path) for k in kinds),
                      dangers=_dangers(kinds, kind_probabilities or {}, path))


def _dangers(notices: tuple[str, ...], kind_probabilities: dict[str, float], path: Path) -> tuple[str, ...]:
    """For each notice shown, the likeliest kind of danger it stands for; all its kinds without the kind model."""
    likeliest = ranked_kinds(kind_probabilities)
    found: list[str] = []
    for notice in notices:
        kinds = [kind for kind in likeliest if notice_for(kind, path) == notice] or list(dangers_for(notice, path))
        found.extend(kinds[:1] if likeliest else kinds)
    return tuple(found)


def safety_notices(question: str, vector: np.ndarray | None = None, spelt: str | None = None) -> tuple[str, ...]:
    """The notices for a message, first one first (without a vector, the floor's only)."""
    return assess(question, vector, spelt).notices


__all__ = ["MAX_NOTICES", "SAFETY_FILE", "WEIGHTS_FILE", "Assessment", "assess", "dangers_for", "floor_kinds", "hedged",
           "normalise", "notice_for", "notice_kinds", "notice_text", "question_text", "safety_notices", "warm_up"]
