"""A notebook tracked the way a data scientist tracks one, then tagged for export."""

from __future__ import annotations

from pipeline_notebooks import _nb, code


def tracked_sklearn():
    """%%track on the training step, nbops.log_metric, a joined start_run keeping its run's id,
    register_model keeping the version, a test cell."""
    return _nb(
        code(
            """
%load_ext nbops
import nbops
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
""",
            "setup",
        ),
        code(
            """
C = 1.0
max_iter = 200
seed = 0
""",
            "parameters",
        ),
        code(
            """
X, y = make_classification(n_samples=300, n_features=8, random_state=seed)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=seed)
nbops.log_dataset(X_train, "train")
""",
            "step:load",
        ),
        code(
            """
%%track sweep --metrics accuracy
clf = LogisticRegression(C=C, max_iter=max_iter, random_state=seed).fit(X_train, y_train)
accuracy = float(accuracy_score(y_test, clf.predict(X_test)))
nbops.log_metric("train_accuracy", float(clf.score(X_train, y_train)))
""",
            "step:train",
        ),
        code(
            """
with nbops.start_run("sweep", params={"C": C}) as run:
    auc = float(roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1]))
    nbops.log_metric("auc", auc)
    registered = nbops.register_model("sweep-clf", clf)
    run_id = run.id
""",
            "step:evaluate",
            "metrics",
        ),
        code("""
%%track sweep
for c in [0.01, 0.1]:
    nbops.log_metric("explore_accuracy", LogisticRegression(C=c).fit(X_train, y_train).score(X_test, y_test))
"""),
        code(
            """
assert 0.5 < accuracy <= 1.0
assert 0.5 < auc <= 1.0
""",
            "test",
        ),
    )
