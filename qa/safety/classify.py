"""The learned part of the safety check, fitted by `python -m train.safety` on eval/safety/train.jsonl and shipped
as numbers (qa/data/safety_weights.npz): no new model to load, no second embedding, well under a millisecond.

Features, the same at fit and at run time (this module computes both):
- the normalised message's (qa/safety/normalise.py) character n-grams, each word padded with a space either side
  ("kil" and "kill" share most of theirs), and its words and pairs of words ("w:used to", "w:<s> how"), present or
  not, times their idf, scaled to unit length together;
- the question's vector, the one the product already computes for retrieval (Embedder.embed_query of
  qa.vocabulary.expand(question)), times a fitted scale.
Two linear models read them: the detector, P(a child may be in danger now), compared with a fitted threshold (a
higher one, also fitted, when the message's own words hedge it: the floor's `unless` wording, "if i ever found...",
"last year", "for our policy"); and
the kind model, a multinomial over the kinds of danger ("suicide", "exploitation", "missing", ...), which says
which notice fits a danger message.

The weights file (`SafetyWeights.save`, read by `SafetyWeights.load` in about 3 ms where the JSON it replaced took
about 20 ms of every start): a numpy .npz written byte for byte the same from the same weights. The fit rounds
every number to DECIMALS places, so each array is stored exactly as whole millionths (int32) and read back as the
very float64 values the fit gave; the feature names are one UTF-8 text, a line each; the few scalars, the notice
kinds and the fit's record ("about") are one JSON text.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.npz import write_npz
from qa.patterns import DATA_DIR
from qa.safety.normalise import tokens
from qa.vocabulary import expand

WEIGHTS_FILE = DATA_DIR / "safety_weights.npz"
WORD_PREFIX = "w:"  # word features; a character n-gram never holds a colon (normalise.tokens)
DECIMALS = 6  # every fitted number is rounded to this many places (train/safety.py) and stored as whole millionths
SCALE = 10**DECIMALS
# The arrays of the weights file, as whole millionths (int32): per feature column, per vector dimension, per kind.
FIXED_POINT = ("idf", "vector_weights", "ngram_weights", "kind_intercept", "kind_vector_weights",
               "kind_ngram_weights")


def features(normalised: str, chars: tuple[int, int] = (2, 5), words: int = 2) -> set[str]:
    """The distinct features of a normalised message: character n-grams (chars[0] to chars[1] long) of each word
    padded with a space either side, and its word n-grams up to `words` long with <s> and </s> at the ends."""
    low, high = chars
    words_of = tokens(normalised)
    found: set[str] = set()
    for word in words_of:
        padded = f" {word} "
        for n in range(low, high + 1):
            found.update(padded[i:i + n] for i in range(len(padded) - n + 1))
    sequence = ["<s>", *words_of, "</s>"]
    for n in range(1, words + 1):
        found.update(WORD_PREFIX + " ".join(sequence[i:i + n]) for i in range(len(sequence) - n + 1))
    return found


def question_text(query: str) -> str:
    """What the question's vector embeds: the question with the guidance's words for its everyday phrases, exactly
    as retrieval embeds it (qa/retrieve.py, Assistant.candidate_retrieval), so the vector comes from the cache."""
    return expand(query)


@dataclass(frozen=True)
class SafetyWeights:
    threshold: float  # P(danger) at or above this is a danger message
    # ... or this, for a message the floor's `unless` wording hedges (past, hypothetical, any child, teaching)
    hedged_threshold: float
    vector_scale: float
    chars: tuple[int, int]
    words: int
    vocabulary: dict[str, int]  # feature -> column
    idf: np.ndarray  # per column
    intercept: float  # detector
    vector_weights: np.ndarray  # detector, per vector dimension
    ngram_weights: np.ndarray  # detector, per column
    kinds: tuple[str, ...]  # the kind model's classes (kinds of danger; qa/data/safety.toml [kinds] maps them to notices)
    kind_intercept: np.ndarray  # per kind
    kind_vector_weights: np.ndarray  # kinds x dimension
    kind_ngram_weights: np.ndarray  # kinds x columns
    about: dict

    @classmethod
    def from_json(cls, data: dict) -> SafetyWeights:
        features_ = data["features"]
        kinds = data["kinds"]
        return cls(
            threshold=float(data["threshold"]),
            hedged_threshold=float(data["hedged_threshold"]),
            vector_scale=float(data["vector_scale"]),
            chars=(int(features_["chars"][0]), int(features_["chars"][1])),
            words=int(features_["words"]),
            vocabulary={g: n for n, g in enumerate(features_["vocabulary"])},
            idf=np.asarray(features_["idf"], dtype=np.float64),
            intercept=float(data["detector"]["intercept"]),
            vector_weights=np.asarray(data["detector"]["vector_weights"], dtype=np.float64),
            ngram_weights=np.asarray(data["detector"]["ngram_weights"], dtype=np.float64),
            kinds=tuple(kinds["classes"]),
            kind_intercept=np.asarray(kinds["intercept"], dtype=np.float64),
            kind_vector_weights=np.asarray(kinds["vector_weights"], dtype=np.float64).reshape(len(kinds["classes"]), -1),
            kind_ngram_weights=np.asarray(kinds["ngram_weights"], dtype=np.float64).reshape(len(kinds["classes"]), -1),
            about=dict(data.get("about") or {}),
        )

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> SafetyWeights:
        return _load(path)

    @classmethod
    def from_file(cls, path: Path) -> SafetyWeights:
        """The weights a `save` wrote (use `load`: read once per path)."""
        with np.load(path, allow_pickle=False) as saved:
            meta = json.loads(saved["meta"].tobytes().decode("utf-8"))
            names = saved["vocabulary"].tobytes().decode("utf-8")
            real = {name: saved[name] / SCALE for name in FIXED_POINT}  # int / 1e6: the float the fit's JSON gave
        return cls(
            threshold=float(meta["threshold"]),
            hedged_threshold=float(meta["hedged_threshold"]),
            vector_scale=float(meta["vector_scale"]),
            chars=(int(meta["chars"][0]), int(meta["chars"][1])),
            words=int(meta["words"]),
            vocabulary={g: n for n, g in enumerate(names.split("\n") if names else ())},
            intercept=float(meta["intercept"]),
            kinds=tuple(meta["kinds"]),
            about=dict(meta.get("about") or {}),
            **real,
        )

    def save(self, path: Path) -> None:
        """Write the weights file (atomically). ValueError if a number is not a whole number of millionths within
        int32 (weights not rounded as the fit rounds them: the file could not give them back exactly)."""
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        if any("\n" in name for name in names) or [self.vocabulary[g] for g in names] != list(range(len(names))):
            raise ValueError("the feature names must be one column each, without line breaks")
        meta = {"threshold": self.threshold, "hedged_threshold": self.hedged_threshold,
                "vector_scale": self.vector_scale, "chars": list(self.chars),
                "words": self.words, "intercept": self.intercept, "kinds": list(self.kinds), "about": self.about}
        arrays = {"meta": _utf8(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
                  "vocabulary": _utf8("\n".join(names))}
        arrays.update({name: _fixed_point(name, getattr(self, name)) for name in FIXED_POINT})
        write_npz(Path(path), arrays)

    def to_json(self) -> dict:
        """The weights as `python -m train.safety` fits them (and from_json reads them)."""
        return {
            "about": self.about, "threshold": self.threshold, "hedged_threshold": self.hedged_threshold,
            "vector_scale": self.vector_scale,
            "features": {"chars": list(self.chars), "words": self.words,
                         "vocabulary": sorted(self.vocabulary, key=self.vocabulary.__getitem__),
                         "idf": self.idf.tolist()},
            "detector": {"intercept": self.intercept, "vector_weights": self.vector_weights.tolist(),
                         "ngram_weights": self.ngram_weights.tolist()},
            "kinds": {"classes": list(self.kinds), "intercept": self.kind_intercept.tolist(),
                      "vector_weights": self.kind_vector_weights.tolist(),
                      "ngram_weights": self.kind_ngram_weights.tolist()},
        }

    def ngram_features(self, normalised: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the message's known features: idf-weighted presence scaled to unit length."""
        columns = np.fromiter(sorted(self.vocabulary[g] for g in features(normalised, self.chars, self.words)
                                     if g in self.vocabulary), dtype=np.int64)
        values = self.idf[columns]
        norm = float(np.sqrt(values @ values))
        return columns, (values / norm if norm else values)

    def judge(self, normalised: str, vector: np.ndarray) -> tuple[float, dict[str, float]]:
        """(P(danger), P(notice kind) for each kind) from the normalised message and the question's vector."""
        columns, values = self.ngram_features(normalised)
        scaled = self.vector_scale * np.asarray(vector, dtype=np.float64)
        logit = self.intercept + float(self.vector_weights @ scaled) + float(self.ngram_weights[columns] @ values)
        scores = self.kind_intercept + self.kind_vector_weights @ scaled + self.kind_ngram_weights[:, columns] @ values
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return _sigmoid(logit), dict(zip(self.kinds, (float(p) for p in scores)))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@lru_cache(maxsize=4)
def _load(path: Path) -> SafetyWeights:
    return SafetyWeights.from_file(path)


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _fixed_point(name: str, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    whole = np.rint(values * SCALE)
    if not np.all(np.abs(whole) <= np.iinfo(np.int32).max) or not np.array_equal(whole / SCALE, values):
        raise ValueError(f"{name}: not every weight is a whole number of millionths within int32 (round them to "
                         f"{DECIMALS} places, as python -m train.safety does)")
    return whole.astype(np.int32)


def ranked_kinds(probabilities: dict[str, float]) -> list[str]:
    """The notice kinds, likeliest first."""
    return sorted(probabilities, key=lambda k: (-probabilities[k], k))


__all__ = ["DECIMALS", "WEIGHTS_FILE", "SafetyWeights", "features", "question_text", "ranked_kinds"]
