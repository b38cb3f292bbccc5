import pytest

from nbops.errors import FilterSyntaxError, InvalidValueError
from nbops.store.query import compile_filter, parse_sort


def make_runs(store):
    import time

    ids = {}
    for name, model, auc in [("a", "rf", 0.71), ("b", "rf", 0.93), ("c", "gb", 0.85), ("d", "gb", None)]:
        run_id = store.runs.create(
            "churn",
            name=name,
            params={"model": model, "depth": len(name) * 3},
            tags={"team": "x" if name < "c" else "y"},
        )
        if auc is not None:
            store.metrics.write([(run_id, "auc", 0, auc, time.time())])
        ids[name] = run_id
    store.runs.end(ids["a"])
    return ids


def names(page):
    return [r["name"] for r in page.runs]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("metrics.auc > 0.8", {"b", "c"}),
        ("metrics.auc > 0.8 and params.model = 'rf'", {"b"}),
        ("params.model = 'gb' or metrics.auc < 0.75", {"a", "c", "d"}),
        ('(params.model = "rf") and not_a_keyword_free = 1', None),
        ("tags.team = 'y'", {"c", "d"}),
        ("status = 'finished'", {"a"}),
        ("params.model in ('rf', 'gb') and metrics.auc >= 0.85", {"b", "c"}),
        ("name like 'b%'", {"b"}),
        ("params.depth > 2", {"a", "b", "c", "d"}),
        ("metrics.`auc` != 0.71", {"b", "c"}),
    ],
)
def test_filters_select_the_runs_a_user_means(store, query, expected):
    make_runs(store)
    if expected is None:
        with pytest.raises(FilterSyntaxError, match="not_a_keyword_free"):
            store.runs.search(filter=query)
        return
    assert set(names(store.runs.search(filter=query))) == expected


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("metrics.auc >", "ends too early"),
        ("metrics.auc ~ 3", "cannot read '~ 3'"),
        ("bogus = 1", "unknown field 'bogus'"),
        ("(metrics.auc > 1", "not closed"),
        ("metrics.auc > 1 extra", "unexpected 'extra'"),
        ("params. = 1", "cannot read"),
    ],
)
def test_bad_filters_name_the_bad_part(query, fragment):
    with pytest.raises(FilterSyntaxError) as caught:
        compile_filter(query)
    assert fragment in str(caught.value)


def test_sort_by_metric_puts_missing_values_last_and_paginates(store):
    make_runs(store)
    first = store.runs.search(order_by="-metrics.auc", limit=2)
    assert names(first) == ["b", "c"]
    second = store.runs.search(order_by="-metrics.auc", limit=2, cursor=first.next_cursor)
    assert names(second) == ["a", "d"]
    assert second.next_cursor is None
    ascending = store.runs.search(order_by="metrics.auc asc")
    assert names(ascending) == ["a", "c", "b", "d"]


def test_pagination_visits_every_run_once(store):
    for i in range(23):
        store.runs.create("many", name=str(i), params={"i": i})
    seen, cursor = [], None
    while True:
        page = store.runs.search(order_by="params.i", limit=5, cursor=cursor)
        seen += names(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [str(i) for i in range(23)]


def test_sort_and_limit_and_cursor_errors_are_clear(store):
    with pytest.raises(InvalidValueError, match="sort 'colour'"):
        parse_sort("colour")
    with pytest.raises(InvalidValueError, match="limit 0"):
        store.runs.search(limit=0)
    with pytest.raises(InvalidValueError, match="cursor"):
        store.runs.search(cursor="garbage!")


@pytest.mark.parametrize(
    "order_by", ["-metrics.auc", "metrics.auc", "params.depth", "-params.depth", "tags.team", "-name"]
)
def test_pages_walk_ties_and_missing_values_in_one_total_order(store, order_by):
    # auc ties, is NaN (stored as NULL) or absent; depth and team are absent on some runs
    for i in range(17):
        run_id = store.runs.create(
            "order",
            name=f"r{i:02d}",
            params={"depth": i % 4} if i % 5 else {},
            tags={"team": "abc"[i % 3]} if i % 4 else {},
        )
        auc = [0.5, 0.7, float("nan"), None][i % 4]
        if auc is not None:
            store.metrics.write([(run_id, "auc", 0, auc, 1.0)])
    everything = store.runs.search("order", order_by=order_by, limit=100)
    assert everything.next_cursor is None and len(everything.runs) == 17
    family, _, key = order_by.lstrip("-").partition(".")
    descending = order_by.startswith("-")

    def value(run):
        if not key:
            return run[family]
        found = run[family].get(key)
        return None if found is None or found != found else found

    valued = [r for r in everything.runs if value(r) is not None]
    missing = [r for r in everything.runs if value(r) is None]
    assert everything.runs == valued + missing  # runs without a value come last
    assert [value(r) for r in valued] == sorted((value(r) for r in valued), reverse=descending)
    assert [r["id"] for r in missing] == sorted((r["id"] for r in missing), reverse=descending)
    for size in (1, 3, 4):
        seen, cursor = [], None
        while True:
            page = store.runs.search("order", order_by=order_by, limit=size, cursor=cursor)
            seen += [r["id"] for r in page.runs]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [r["id"] for r in everything.runs]


def _cursor(value) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "shape",
    [[{"a": 1}, "x"], [10**30, "x"], [[1], "x"], [0.5, 7], ["x"], [1, "x", 2], {"a": 1}, "x", None, [True, "\ud800"]],
)
def test_a_cursor_of_the_wrong_shape_is_an_invalid_value_not_an_sql_error(store, shape):
    # valid base64 of valid JSON, but not a (sort value, run id) pair SQLite can compare
    store.runs.create("exp")
    with pytest.raises(InvalidValueError, match="cursor .* is not valid: pass back the next_cursor"):
        store.runs.search(order_by="-metrics.auc", cursor=_cursor(shape))


def test_a_cursor_of_each_valid_value_type_is_accepted(store):
    store.runs.create("exp", params={"n": 1})
    for value in [None, "text", 0.5, 2**63 - 1, -(2**63)]:
        assert store.runs.search(order_by="params.n", cursor=_cursor([value, "0"])).runs is not None


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("(" * 5000 + "status = 'finished'" + ")" * 5000, "longer than 4,000 characters"),
        ("(" * 1900 + "status = 'finished'" + ")" * 1900, "parentheses nest deeper than 20 levels"),
        (" or ".join(["metrics.auc > 0.5"] * 2000), "longer than 4,000 characters"),
        (" or ".join([f"metrics.m{i} > {i}" for i in range(101)]), "more than 100 comparisons"),
        ("params.x in (" + ",".join(["1"] * 1001) + ")", "more than 1,000 values"),
        ("name = '\ud800'", "lone surrogate"),
    ],
)
def test_filters_beyond_the_documented_limits_are_refused_clearly(store, query, fragment):
    # each once ended in RecursionError, SQLite's "Expression tree is too large" or an encoding error
    with pytest.raises(FilterSyntaxError) as caught:
        store.runs.search(filter=query)
    assert fragment in str(caught.value)
    assert len(str(caught.value)) < 500  # the message quotes only the start of a huge filter


def test_filters_at_the_limits_still_run(store):
    run_id = store.runs.create("exp", params={"x": 1})
    deep = "(" * 20 + "params.x = 1" + ")" * 20
    many = " or ".join([f"params.x = {i}" for i in range(100)])
    listed = "params.x in (" + ",".join(str(i) for i in range(1000)) + ")"
    for query in (deep, many, listed):
        assert [r["id"] for r in store.runs.search(filter=query).runs] == [run_id]
    with pytest.raises(InvalidValueError, match="too long"):
        store.runs.search(order_by="x" * 301)


def test_a_cursor_after_a_long_sort_value_stays_short_and_pages_on(store):
    # the cursor once carried the last run's sort value whole: 10 MB for a 10 MB param
    ids = [store.runs.create("exp", name=f"r{i}", params={"blob": chr(ord("a") + i) * 2_000_000}) for i in range(5)]
    seen, cursor = [], None
    while True:
        page = store.runs.search("exp", order_by="params.blob", limit=2, cursor=cursor)
        seen += [r["id"] for r in page.runs]
        cursor = page.next_cursor
        if cursor is None:
            break
        assert len(cursor) < 200
    assert seen == ids
