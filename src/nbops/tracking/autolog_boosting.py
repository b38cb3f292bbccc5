"""XGBoost and LightGBM autologging, with MLflow's keys.

Both ``train`` functions (which their scikit-learn wrappers call too) log the ``params`` dict
and the boosting rounds as params, each evaluation result per iteration as a metric named
``<dataset>-<metric>`` (``validation_0-logloss``, ``valid_0-binary_logloss``) with the
iteration as step, and, when early stopping ran, ``stopped_iteration`` and ``best_iteration``
plus the metrics at the best iteration one step after the last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import autolog
from .autolog import Logging


class _Train(Logging):
    """One ``train``: its run, and each iteration's evaluation results (for the best one's)."""

    history: list[dict[str, Any]]


def patch_module(module: Any) -> None:
    """``xgboost.train``/``lightgbm.train`` are bound in the package and in its sklearn module."""
    name = module.__name__
    if name in ("xgboost", "xgboost.sklearn"):
        _patch_train(module, _xgboost_before, _xgboost_after)
    elif name in ("lightgbm", "lightgbm.sklearn"):
        _patch_train(module, _lightgbm_before, _lightgbm_after)


def _patch_train(module: Any, before: Callable[..., _Train], after: Callable[[_Train, Any], None]) -> None:
    if callable(getattr(module, "train", None)):
        autolog.patch(module, "train", lambda original: autolog.logged_call(original, before, after))


# -- XGBoost: train(params, dtrain, num_boost_round=10, *, evals=None, early_stopping_rounds=None, callbacks=None, ...)
def _xgboost_before(params: Mapping[str, Any] | None, dtrain: Any, *args: Any, **kwargs: Any) -> _Train:
    import xgboost

    rounds = args[0] if args else kwargs.get("num_boost_round", 10)
    state = _Train(
        "xgboost",
        (params, dtrain, *args),
        dict(kwargs),
        params={
            **(params or {}),
            "num_boost_round": rounds,
            **_given(kwargs, "early_stopping_rounds", "maximize", "verbose_eval"),
        },
    )
    state.history = []

    class _Record(xgboost.callback.TrainingCallback):
        def after_iteration(
            self, model: Any, epoch: int, evals_log: xgboost.callback.TrainingCallback.EvalsLog
        ) -> bool:
            autolog.guarded(
                "log iteration metrics with",
                _log_iteration,
                state,
                epoch,
                {
                    f"{data}-{metric}": values[-1]
                    for data, metrics in evals_log.items()
                    for metric, values in metrics.items()
                },
            )
            return False

    state.kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), _Record()]
    return state


def _xgboost_after(state: _Train, booster: Any) -> None:
    best = getattr(booster, "best_iteration", None)
    if state.kwargs.get("early_stopping_rounds") and best is not None:
        _log_best(state, int(best), stopped=len(state.history) - 1, index=int(best))


# -- LightGBM: train(params, train_set, num_boost_round=100, valid_sets=None, ..., callbacks=None)
def _lightgbm_before(params: Mapping[str, Any] | None, train_set: Any, *args: Any, **kwargs: Any) -> _Train:
    rounds = args[0] if args else kwargs.get("num_boost_round", 100)
    state = _Train(
        "lightgbm", (params, train_set, *args), dict(kwargs), params={**(params or {}), "num_boost_round": rounds}
    )
    state.history = []
    state.kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), _LightGBMRecord(state)]
    if len(state.args) > 8:  # callbacks passed positionally: keep one of the two
        state.kwargs.pop("callbacks")
    return state


class _LightGBMRecord:
    """A LightGBM callback: a callable with an ``order`` among the others."""

    def __init__(self, state: _Train):
        self.state = state
        # after record_evaluation (20), before early stopping (30) ends the loop; an instance
        # attribute, as LightGBM's own callbacks have: it gives one to callbacks without
        self.order = 25

    def __call__(self, env: Any) -> None:
        autolog.guarded(
            "log iteration metrics with",
            _log_iteration,
            self.state,
            env.iteration - env.begin_iteration,
            {f"{data}-{metric}": value for data, metric, value, *_ in env.evaluation_result_list or []},
        )


def _lightgbm_after(state: _Train, booster: Any) -> None:
    best = getattr(booster, "best_iteration", 0) or 0
    stopping = any(type(cb).__name__ == "_EarlyStoppingCallback" for cb in state.kwargs.get("callbacks") or [])
    params = state.args[0] or {}
    early = ("early_stopping_round", "early_stopping_rounds", "early_stopping", "n_iter_no_change")
    # LightGBM counts iterations from 1; MLflow logs them as LightGBM does
    if best > 0 and (stopping or any(k in params for k in early)):
        _log_best(state, best, stopped=len(state.history), index=best - 1)


# -- shared ---------------------------------------------------------------------------------
def _log_iteration(state: _Train, step: int, metrics: dict[str, Any]) -> None:
    state.history.append(metrics)
    state.run.log_metrics(metrics, step=step)


def _log_best(state: _Train, best: int, stopped: int, index: int) -> None:
    """MLflow's summary of early stopping; the best iteration's metrics one step after the last."""
    state.run.log_metrics({"stopped_iteration": stopped, "best_iteration": best})
    if 0 <= index < len(state.history):
        state.run.log_metrics(state.history[index], step=len(state.history))


def _given(kwargs: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: kwargs[name] for name in names if kwargs.get(name) is not None}
