"""Text columns drift by a domain classifier on TF-IDF; the overlay names the terms that moved."""

import numpy as np
import pytest

import nbops.drift as drift
from nbops.errors import InvalidValueError

RNG = np.random.default_rng(8)
COMMON = ["the", "app", "works", "well", "fast", "delivery", "good", "price", "support", "team", "order", "item"]
NEW = ["refund", "broken", "crash", "login", "error"]


def reviews(n, new_share=0.0):
    docs = []
    for _ in range(n):
        words = list(RNG.choice(COMMON, 8))
        if RNG.random() < new_share:
            words[:2] = RNG.choice(NEW, 2)
        docs.append(" ".join(words))
    return docs


def test_a_text_column_with_changed_vocabulary_is_flagged_with_its_new_terms_on_top():
    result = drift.text_drift(reviews(3000), reviews(2000, new_share=0.4))
    assert result["drifted"] and result["domain_auc"] > 0.65 > result["auc_threshold"]
    top = [t["term"] for t in result["top_terms"][:5]]
    assert set(top) & set(NEW), top
    refund = next(t for t in result["top_terms"] if t["term"] in NEW)
    assert refund["current_share"] > refund["reference_share"] and refund["weight"] > 0


def test_the_same_vocabulary_is_not_flagged():
    result = drift.text_drift(reviews(3000), reviews(2000))
    assert not result["drifted"], result
    assert result["domain_auc"] < result["auc_threshold"]


def test_embeddings_are_checked_the_same_way():
    ref = RNG.normal(0, 1, (2000, 16))
    moved = RNG.normal(0, 1, (1500, 16)) + np.r_[0.4, np.zeros(15)]
    assert drift.text_drift(ref, moved, embeddings=True)["drifted"]
    assert not drift.text_drift(ref, RNG.normal(0, 1, (1500, 16)), embeddings=True)["drifted"]


def test_too_few_documents_is_a_clear_error():
    with pytest.raises(InvalidValueError, match="at least 10 non-empty documents"):
        drift.text_drift(["a b c"] * 5, reviews(100))
