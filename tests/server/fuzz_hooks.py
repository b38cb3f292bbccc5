"""Schemathesis hooks for the fuzz test: teach it the run filter language.

The OpenAPI document gives ``filter`` the format ``nbops-filter`` (a grammar no JSON Schema
pattern can hold: parentheses nest). Without a strategy, every generated filter would be
random text, which the server rightly refuses; with this one, positive cases are filters the
grammar allows, and the fuzzer checks the server accepts them.
"""

import schemathesis
from hypothesis import strategies as st

ATTRIBUTES = [
    "id",
    "name",
    "status",
    "experiment",
    "start_time",
    "end_time",
    "duration",
    "user",
    "notebook_path",
    "host",
]
KEYS = st.from_regex(r"[A-Za-z0-9_\-./]{1,12}", fullmatch=True) | st.from_regex(r"`[^`\x00]{1,12}`", fullmatch=True)
FIELDS = st.sampled_from(ATTRIBUTES) | st.builds("{}.{}".format, st.sampled_from(["metrics", "params", "tags"]), KEYS)
VALUES = (
    st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{0,3})?([eE][-+]?[0-9]{1,2})?", fullmatch=True)
    | st.from_regex(r"'[^'\\\x00]{0,12}'", fullmatch=True)
    | st.from_regex(r'"[^"\\\x00]{0,12}"', fullmatch=True)
)
OPERATORS = st.sampled_from(["=", "==", "!=", "<>", "<", "<=", ">", ">=", "like", "LIKE"])
COMPARISONS = st.builds("{} {} {}".format, FIELDS, OPERATORS, VALUES) | st.builds(
    lambda f, vs: f"{f} in ({', '.join(vs)})", FIELDS, st.lists(VALUES, min_size=1, max_size=4)
)
FILTERS = st.recursive(
    COMPARISONS,
    lambda inner: st.builds("({} {} {})".format, inner, st.sampled_from(["and", "or", "AND", "Or"]), inner),
    max_leaves=8,
)

schemathesis.openapi.format("nbops-filter", FILTERS)


def _cursor(value, run_id) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps([value, run_id]).encode()).decode()


# A cursor is opaque: base64 of the last run's sort value and id. Any such pair is a valid place
# to resume (a run that does not exist simply sorts where its id would).
SORT_VALUES = st.none() | st.floats(allow_nan=False) | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20)
schemathesis.openapi.format("nbops-cursor", st.builds(_cursor, SORT_VALUES, st.text(max_size=24)))

# A rule's retrain action names a package folder on the server and parameters of that package:
# the fuzz server's root holds one ("pkg", parameters data_path and C, see test_fuzz_openapi).
schemathesis.openapi.format("nbops-package", st.sampled_from(["pkg", "./pkg"]))
schemathesis.openapi.format("nbops-package-param", st.sampled_from(["data_path", "C"]))
