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


# The monitored path: a logged reference keeps a sample of its text columns' documents.


def table(n, new_share=0.0, start=0):
    return {
        "review": reviews(n, new_share),
        "user_id": [f"u{i:07d}" for i in range(start, start + n)],  # unique, one token: an ID
        "plan": list(RNG.choice(["basic", "pro"], n)),
        "age": RNG.normal(40, 10, n),
    }


def test_a_reference_tells_free_text_from_ids_and_categories():
    ref = drift.fit_reference(table(3000))
    assert ref.kinds == {"review": "text", "user_id": "categorical", "plan": "categorical", "age": "continuous"}
    sample = ref.columns["review"]
    assert sample.n == 3000 and len(sample.items) == 3000
    big = drift.fit_reference({"review": reviews(12_000)})
    assert big.columns["review"].n == 12_000 and len(big.columns["review"].items) == 5_000
    docs = {"review": reviews(12_000)}
    assert drift.fit_reference(docs).columns["review"].items == drift.fit_reference(docs).columns["review"].items


def test_overrides_name_text_and_categorical_columns():
    data = table(500)
    forced = drift.fit_reference(data, text_columns=["user_id"], categorical=["review"])
    assert forced.kinds["user_id"] == "text" and forced.kinds["review"] == "categorical"
    with pytest.raises(InvalidValueError, match=r"text_columns=\['age'\] names no string column.*'review'"):
        drift.fit_reference(data, text_columns=["age"])
    with pytest.raises(InvalidValueError, match="pass a list of column names"):
        drift.fit_reference(data, text_columns="review")
    with pytest.raises(InvalidValueError, match="in both text_columns and categorical"):
        drift.fit_reference(data, text_columns=["review"], categorical=["review"])


def test_a_window_with_new_vocabulary_drifts_by_the_domain_classifier():
    ref = drift.fit_reference(table(3000))
    moved = drift.compare(ref, table(2000, new_share=0.4, start=3000))["review"]
    assert moved["tier"] == "drift" and moved["statistic"] == "domain_auc"
    assert moved["method"] == "tf-idf domain classifier" and moved["effect"] > moved["threshold"] >= 0.55
    calm = drift.compare(ref, table(2000, start=3000))
    assert calm["review"]["tier"] == "ok" and calm["review"]["effect"] < calm["review"]["threshold"]
    assert calm["user_id"]["kind"] == "categorical" and calm["user_id"]["statistic"] == "jensen_shannon"


def test_text_windows_merge_into_a_uniform_sample_and_survive_serialization():
    ref = drift.fit_reference({"review": reviews(3000)})
    a, b = ref.sketch({"review": reviews(4000)}), ref.sketch({"review": reviews(2000)})
    merged = a + b
    assert merged.columns["review"].n == 6000 and len(merged.columns["review"].items) == 5000
    back = drift.sketch_from_bytes(drift.sketch_to_bytes(merged))
    assert back.columns["review"].items == merged.columns["review"].items
    with pytest.raises(InvalidValueError, match="cannot be subtracted"):
        merged - b


def test_an_embedding_column_is_checked_by_its_vectors_with_no_terms():
    ref = drift.fit_reference({"vec": list(RNG.normal(0, 1, (1500, 8))), "age": RNG.normal(0, 1, 1500)})
    assert ref.kinds == {"vec": "embedding", "age": "continuous"}
    shift = np.r_[0.5, np.zeros(7)]
    moved = {"vec": list(RNG.normal(0, 1, (1200, 8)) + shift), "age": RNG.normal(0, 1, 1200)}
    report = drift.compare(ref, moved)
    assert report["vec"]["tier"] == "drift" and report["vec"]["method"] == "embedding domain classifier"
    calm = {"vec": list(RNG.normal(0, 1, (1200, 8))), "age": RNG.normal(0, 1, 1200)}
    assert drift.compare(ref, calm)["vec"]["tier"] == "ok"
    window = drift.sketch_from_bytes(drift.sketch_to_bytes(ref.sketch(moved)))
    assert drift.overlay(ref, window, "vec")["terms"] == []
    with pytest.raises(InvalidValueError, match="3 dimensions here but 8 in the reference"):
        ref.sketch({"vec": list(RNG.normal(0, 1, (50, 3))), "age": RNG.normal(0, 1, 50)})


def test_a_window_of_blank_documents_gets_a_note_not_an_error():
    ref = drift.fit_reference({"review": reviews(300)})
    row = drift.compare(ref, {"review": [" "] * 60})["review"]
    assert row["tier"] == "ok" and row["effect"] is None
    assert "fewer than 10 non-empty documents on one side (300 and 60)" in row["note"]


def test_log_dataset_takes_the_overrides_and_refuses_bad_ones_before_storing(store):
    import pandas as pd

    import nbops
    from nbops.drift.persistence import load_reference

    data = pd.DataFrame(table(300))
    dataset_id = nbops.log_dataset(data, "reviews", text_columns=["user_id"], categorical=["review"])
    kinds = load_reference(store, dataset_id).kinds
    assert kinds["user_id"] == "text" and kinds["review"] == "categorical"
    with pytest.raises(InvalidValueError, match=r"categorical=\['nope'\] names no string column"):
        nbops.log_dataset(data, "other", categorical=["nope"])
    assert [d["name"] for d in store.reader().execute("SELECT name FROM datasets")] == ["reviews"]
