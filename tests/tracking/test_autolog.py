"""Autologging with the real frameworks: the keys and values MLflow's autologging logs."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nbops
from nbops.tracking import autolog as autolog_module


@pytest.fixture
def autologging(project):
    nbops.autolog(experiment="auto")
    yield
    nbops.autolog(disable=True)


@pytest.fixture
def classification():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)


def _runs(experiment="auto"):
    return nbops.search_runs(experiment=experiment, limit=1000)


def test_plain_fit_becomes_a_run_with_nested_params_and_training_metrics(autologging, classification):
    from sklearn import metrics
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = classification
    model = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(C=0.5, max_iter=200))]).fit(X, y)
    [run] = _runs()
    assert run["name"] == "Pipeline" and run["status"] == "finished"
    assert run["params"]["clf__C"] == "0.5" and run["params"]["clf__max_iter"] == "200"
    assert run["params"]["scale__with_mean"] == "True"
    predicted = model.predict(X)
    expected = {
        "training_accuracy_score": metrics.accuracy_score(y, predicted),
        "training_f1_score": metrics.f1_score(y, predicted, average="weighted"),
        "training_precision_score": metrics.precision_score(y, predicted, average="weighted"),
        "training_recall_score": metrics.recall_score(y, predicted, average="weighted"),
        "training_log_loss": metrics.log_loss(y, model.predict_proba(X)),
        "training_roc_auc": metrics.roc_auc_score(y, model.predict_proba(X)[:, 1]),
        "training_score": model.score(X, y),
    }
    assert set(run["metrics"]) == set(expected)
    for key, value in expected.items():
        assert run["metrics"][key] == pytest.approx(value), key
    assert nbops.get_run(run["id"])["tags"]["estimator_class"] == "sklearn.pipeline.Pipeline"


def test_regressor_metrics_use_mlflow_names(autologging):
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.1, size=200)
    model = Ridge(alpha=2.0).fit(X, y)
    [run] = _runs()
    mse = float(np.mean((model.predict(X) - y) ** 2))
    assert run["params"]["alpha"] == "2.0"
    assert run["metrics"]["training_mean_squared_error"] == pytest.approx(mse)
    assert run["metrics"]["training_root_mean_squared_error"] == pytest.approx(math.sqrt(mse))
    assert run["metrics"]["training_r2_score"] == pytest.approx(model.score(X, y))
    assert set(run["metrics"]) == {
        "training_mean_squared_error",
        "training_root_mean_squared_error",
        "training_mean_absolute_error",
        "training_r2_score",
        "training_score",
    }


def test_fit_inside_a_run_logs_into_it(autologging, classification):
    from sklearn.tree import DecisionTreeClassifier

    X, y = classification
    with nbops.start_run("mine", name="by hand") as run:
        DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    info = nbops.get_run(run.id)
    assert info["params"]["max_depth"] == "3"
    assert "training_accuracy_score" in info["metrics"]
    assert _runs() == []  # no run of its own


def test_grid_search_logs_candidates_as_children_and_the_best_on_the_parent(autologging, classification):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = classification
    search = GridSearchCV(
        LogisticRegression(max_iter=300), {"C": [0.01, 0.1, 1.0], "fit_intercept": [True, False]}, cv=3
    )
    search.fit(X, y)
    runs = _runs()
    [parent] = [r for r in runs if r["parent_id"] is None]
    children = [r for r in runs if r["parent_id"] == parent["id"]]
    assert parent["name"] == "GridSearchCV"
    assert parent["metrics"]["best_cv_score"] == pytest.approx(search.best_score_)
    assert parent["params"]["best_C"] == str(search.best_params_["C"])
    assert parent["params"]["best_fit_intercept"] == str(search.best_params_["fit_intercept"])
    assert parent["params"]["cv"] == "3" and "estimator" in parent["params"]
    assert "training_accuracy_score" in parent["metrics"]
    assert len(children) == 5  # max_tuning_runs: the five best of six
    results = search.cv_results_
    for child in children:
        index = next(
            i
            for i, p in enumerate(results["params"])
            if str(p["C"]) == child["params"]["C"] and str(p["fit_intercept"]) == child["params"]["fit_intercept"]
        )
        assert child["metrics"]["mean_test_score"] == pytest.approx(results["mean_test_score"][index])
        assert child["metrics"]["rank_test_score"] == results["rank_test_score"][index]
        assert child["params"]["max_iter"] == "300"  # the seed estimator's params, completed
        assert not any(k.startswith(("split", "param")) for k in child["metrics"])
    assert min(c["metrics"]["rank_test_score"] for c in children) == 1
    # the candidates' own fits are not runs
    assert len(runs) == 6


def test_xgboost_logs_each_iteration_params_and_best_iteration(autologging, classification):
    import xgboost

    X, y = classification
    train, valid = xgboost.DMatrix(X[:200], label=y[:200]), xgboost.DMatrix(X[200:], label=y[200:])
    history: dict = {}
    params = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "eval_metric": "logloss"}
    booster = xgboost.train(
        params,
        train,
        num_boost_round=200,
        evals=[(train, "train"), (valid, "eval")],
        early_stopping_rounds=5,
        evals_result=history,
        verbose_eval=False,
    )
    [run] = _runs()
    info = nbops.get_run(run["id"])
    assert info["params"]["max_depth"] == "2" and info["params"]["eta"] == "0.3"
    assert info["params"]["num_boost_round"] == "200" and info["params"]["early_stopping_rounds"] == "5"
    steps = nbops.store().metrics.history(run["id"], "eval-logloss")
    stopped = len(history["eval"]["logloss"]) - 1
    assert [s for s, _, _ in steps[:-1]] == list(range(stopped + 1))
    assert [v for _, v, _ in steps[:-1]] == pytest.approx(history["eval"]["logloss"])
    assert info["metrics"]["best_iteration"] == booster.best_iteration
    assert info["metrics"]["stopped_iteration"] == stopped
    assert steps[-1][0] == stopped + 1  # the best iteration's metrics, one step after the last
    assert steps[-1][1] == pytest.approx(history["eval"]["logloss"][booster.best_iteration])


def test_xgboost_sklearn_api_is_one_run(autologging, classification):
    from xgboost import XGBClassifier

    X, y = classification
    XGBClassifier(n_estimators=7, max_depth=2).fit(X, y, eval_set=[(X, y)], verbose=False)
    [run] = _runs()
    assert run["name"] == "xgboost" and run["params"]["num_boost_round"] == "7"
    assert len(nbops.store().metrics.history(run["id"], "validation_0-logloss")) == 7


def test_lightgbm_logs_each_iteration_params_and_best_iteration(autologging, classification):
    import lightgbm

    X, y = classification
    train = lightgbm.Dataset(X[:200], label=y[:200])
    valid = lightgbm.Dataset(X[200:], label=y[200:], reference=train)
    record: dict = {}
    params = {"objective": "binary", "num_leaves": 7, "learning_rate": 0.2, "verbose": -1}
    booster = lightgbm.train(
        params,
        train,
        num_boost_round=300,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[lightgbm.early_stopping(5, verbose=False), lightgbm.record_evaluation(record)],
    )
    [run] = _runs()
    info = nbops.get_run(run["id"])
    assert info["params"]["num_leaves"] == "7" and info["params"]["num_boost_round"] == "300"
    curve = record["valid"]["binary_logloss"]
    steps = nbops.store().metrics.history(run["id"], "valid-binary_logloss")
    assert [v for _, v, _ in steps[:-1]] == pytest.approx(curve)
    assert info["metrics"]["best_iteration"] == booster.best_iteration  # LightGBM counts from 1
    assert info["metrics"]["stopped_iteration"] == len(curve)
    assert steps[-1][1] == pytest.approx(curve[booster.best_iteration - 1])


def test_an_error_inside_autologging_is_a_warning_and_fit_still_works(autologging, classification, monkeypatch):
    from sklearn.linear_model import LogisticRegression

    from nbops.tracking import autolog_sklearn

    def broken(*args, **kwargs):
        raise RuntimeError("metrics exploded")

    monkeypatch.setattr(autolog_sklearn, "training_metrics", broken)
    X, y = classification
    with pytest.warns(RuntimeWarning, match="metrics exploded"):
        model = LogisticRegression().fit(X, y)
    assert model.predict(X).shape == y.shape
    [run] = _runs()
    assert run["status"] == "finished" and run["params"]["C"] == "1.0"


def test_a_failing_fit_raises_as_usual_and_marks_the_run_failed(autologging):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError):
        LogisticRegression().fit([[1.0], [2.0]], [0, 0])  # one class only
    [run] = _runs()
    assert run["status"] == "failed"


def test_disable_restores_the_original_methods(project):
    from sklearn.linear_model import LogisticRegression

    original = LogisticRegression.__dict__["fit"]
    nbops.autolog(experiment="auto")
    assert LogisticRegression.__dict__["fit"] is not original
    nbops.autolog(disable=True)
    assert LogisticRegression.__dict__["fit"] is original
    LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    assert _runs() == []


def test_a_framework_is_patched_only_once_imported(project, python_env):
    code = (
        "import sys, nbops\n"
        "nbops.autolog(experiment='late')\n"
        "assert 'sklearn' not in sys.modules and 'xgboost' not in sys.modules\n"
        "assert not [m for m in sys.modules if m.startswith(('torch', 'keras', 'lightning', 'transformers'))]\n"
        "assert not [m for m in sys.modules if m.startswith('nbops.tracking.autolog_')]\n"
        "from sklearn.linear_model import LinearRegression\n"
        "assert getattr(LinearRegression.fit, '__nbops_autolog__', False)\n"
        "LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])\n"
        "[run] = nbops.search_runs('late')\n"
        "assert run['metrics']['training_r2_score'] == 1.0, run\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=python_env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_bad_experiment_name_is_refused(project):
    with pytest.raises(nbops.InvalidValueError, match="autolog experiment"):
        nbops.autolog(experiment="  ")
    assert not autolog_module.is_enabled()


def test_autolog_off_means_no_runs(project, classification):
    from sklearn.linear_model import LogisticRegression

    X, y = classification
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression().fit(X, y)
    assert _runs() == []


def test_an_inherited_method_is_patched_on_the_class_and_restored_by_deleting_it(project):
    class Trainer:
        def fit(self, x):
            return x + 1

    class Model(Trainer):  # keras.Model inherits fit from its backend's trainer, like this
        pass

    autolog_module.patch(Model, "fit", lambda original: lambda self, x: original(self, x) * 10)
    try:
        assert Model().fit(1) == 20 and Trainer().fit(1) == 2
        assert "fit" in Model.__dict__ and Trainer.__dict__["fit"] is not Model.__dict__["fit"]
    finally:
        autolog_module._restore_all()
    assert "fit" not in Model.__dict__ and Model().fit(1) == 2


def _sklearn_metrics(model, X, y, sample_weight=None):
    """MLflow's training metrics computed by sklearn.metrics from predict and predict_proba."""
    from sklearn import metrics

    predicted, proba = model.predict(X), model.predict_proba(X)
    weighted = {"average": "weighted", "sample_weight": sample_weight}
    expected = {
        "training_accuracy_score": metrics.accuracy_score(y, predicted, sample_weight=sample_weight),
        "training_precision_score": metrics.precision_score(y, predicted, zero_division=0, **weighted),
        "training_recall_score": metrics.recall_score(y, predicted, zero_division=0, **weighted),
        "training_f1_score": metrics.f1_score(y, predicted, zero_division=0, **weighted),
        "training_log_loss": metrics.log_loss(y, proba, sample_weight=sample_weight),
    }
    if len(model.classes_) == 2:
        expected["training_roc_auc"] = metrics.roc_auc_score(y, proba[:, 1], sample_weight=sample_weight)
    elif sample_weight is None:  # sklearn refuses a weighted one-vs-one AUC: the metric is left out
        expected["training_roc_auc"] = metrics.roc_auc_score(
            y, proba, average="weighted", multi_class="ovo", sample_weight=sample_weight
        )
    return expected


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_training_metrics_from_one_predict_proba_equal_sklearn_metrics(classes, weighted):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    from nbops.tracking.autolog_sklearn import predicts_argmax_of_proba, training_metrics

    X, y = make_classification(n_samples=400, n_features=8, n_informative=5, n_classes=classes, random_state=1)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    models = {
        LogisticRegression(max_iter=500): True,
        make_pipeline(StandardScaler(), LogisticRegression(C=0.1)): True,
        RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0): True,
        DecisionTreeClassifier(max_depth=3, random_state=0): True,
        HistGradientBoostingClassifier(max_iter=10, random_state=0): True,
        KNeighborsClassifier(): False,  # not known to be argmax of proba: predict and predict_proba both run
    }
    for model, argmax in models.items():
        model.fit(X, y)
        name = type(model).__name__
        assert predicts_argmax_of_proba(model) is argmax, name
        if argmax:  # the labels read off the probabilities are predict's
            assert (model.classes_.take(model.predict_proba(X).argmax(axis=1)) == model.predict(X)).all(), name
        found = training_metrics(model, X, y, weights)
        expected = _sklearn_metrics(model, X, y, weights)
        assert set(found) - {"training_score"} == set(expected), name
        for key, value in expected.items():
            assert found[key] == pytest.approx(value, rel=0, abs=1e-12), (name, key)


def test_params_read_once_per_class_equal_get_params():
    """The per-class shortcut gives what each estimator's own get_params gives, in its order,
    for plain, nested, meta and search estimators and for a kernel's own get_params."""
    from sklearn.ensemble import BaggingClassifier, StackingClassifier
    from sklearn.gaussian_process import GaussianProcessClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from nbops.tracking.autolog_sklearn import estimator_params

    estimators = [
        LogisticRegression(C=2.0),
        make_pipeline(StandardScaler(), LogisticRegression()),
        BaggingClassifier(LogisticRegression(C=3.0)),
        GaussianProcessClassifier(),
        StackingClassifier([("lr", LogisticRegression())]),
        GridSearchCV(LogisticRegression(), {"C": [1.0, 2.0]}),
    ]
    for estimator in estimators:
        for deep in (True, False):
            found, expected = estimator_params(estimator, deep), estimator.get_params(deep)
            assert list(found) == list(expected), (estimator, deep)
            assert all(found[key] is expected[key] for key in expected), (estimator, deep)
    estimator = LogisticRegression(C=0.5)
    estimator.set_params(C=7.0)  # values are read from the instance every time
    assert estimator_params(estimator)["C"] == 7.0
