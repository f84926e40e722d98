"""Paraphrase finder for the starter library: TF-IDF cosine over every pair.

Word overlap (Jaccard) let paraphrases through that a reader catches at once ("a movie title
for your day" / "if today were a film, its title"): TF-IDF weighs the rare, telling words
and discounts the words every starter shares. A pair at `THRESHOLD` or above fails the
content lint unless `ALLOWED_FILE` lists it with a reason.

Imports scikit-learn, a development dependency: never on the Lambda path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skill.core import compiled
from skill.core.starters import Starter

__all__ = [
    "ALLOWED_FILE",
    "THRESHOLD",
    "SimilarPair",
    "allowed_pairs",
    "nearest",
    "similar_pairs",
]

THRESHOLD = 0.6
ALLOWED_FILE = compiled.CONTENT_DIR / "similar-allowed.yaml"

# Words every starter leans on: who is addressed, question words, glue. They say nothing
# about what a starter asks.
_STOP_TEXT = """
    a an the and or but of to in on at for with from by about as into over after before
    you your yours yourself them they their theirs each other two both one is are was were
    be been being it its this that these those what which who whom whose when where why how
    do does did have has had would could should will can may might if than then so just
    most more some any all very really ever there here up out off not no partner friend
    person
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class SimilarPair:
    first: Starter
    second: Starter
    score: float

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.first.id, self.second.id))

    def describe(self) -> str:
        return (
            f"{self.score:.2f}  {self.first.id} ~ {self.second.id}\n"
            f"      {self.first.text}\n      {self.second.text}"
        )


def _words(text: str) -> list[str]:
    """Content words, with plurals and possessives folded so "dreams" meets "dream"."""
    result = []
    for word in re.findall(r"[a-z']+", text.lower()):
        word = word.removesuffix("'s")
        if len(word) > 3:
            word = word.rstrip("s")
        if word and word not in _STOP_WORDS:
            result.append(word)
    return result


def similar_pairs(starters: Sequence[Starter], minimum: float = THRESHOLD) -> list[SimilarPair]:
    """Every pair scoring `minimum` or more, most alike first."""
    import numpy as np

    if len(starters) < 2:
        return []
    vectors = _vectorise([s.text for s in starters])
    scores = (vectors @ vectors.T).toarray()  # rows are L2-normalised: this is the cosine
    rows, columns = np.nonzero(np.triu(scores >= minimum, k=1))
    pairs = [
        SimilarPair(starters[i], starters[j], round(float(scores[i, j]), 3))
        for i, j in zip(rows.tolist(), columns.tolist(), strict=True)
    ]
    return sorted(pairs, key=lambda pair: (-pair.score, pair.first.id, pair.second.id))


def nearest(texts: Sequence[str], starters: Sequence[Starter]) -> list[tuple[Starter, float]]:
    """For each of `texts` (new writing), the starter it is most alike and the cosine, weighed
    over the library and the new texts together."""
    if not texts or not starters:
        return []
    vectors = _vectorise([s.text for s in starters] + list(texts))
    scores = (vectors[len(starters) :] @ vectors[: len(starters)].T).toarray()
    return [(starters[int(row.argmax())], round(float(row.max()), 3)) for row in scores]


def _vectorise(texts: list[str]) -> Any:
    """TF-IDF rows, L2-normalised (a SciPy sparse matrix: its product is the cosine)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(tokenizer=_words, lowercase=False, token_pattern=None)
    return vectoriser.fit_transform(texts)


def allowed_pairs(path: Path = ALLOWED_FILE) -> dict[frozenset[str], str]:
    """Pairs a reviewer read and kept, each with the reason they differ."""
    if not path.exists():
        return {}
    document = compiled.read_yaml(path) or {}
    allowed = {}
    for entry in document.get("allowed") or ():
        ids = frozenset(entry["ids"])
        if len(ids) != 2 or not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path.name}: each entry needs two ids and a reason: {entry!r}")
        allowed[ids] = str(entry["reason"])
    return allowed
