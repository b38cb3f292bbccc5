"""Compile SHAP's numba code before the first explanation needs it.

shap's model-agnostic explainer (what ``nbops.explain`` uses for pipelines and linear models)
runs numba functions, which numba compiles on their first call in each process and does not
cache on disk (shap does not ask it to): 20 s on a quiet host, 40-90 s on a loaded one,
paid by the first "Explain live inputs" of a Jupyter server. The compiled code depends on
the value types and the output's shape, not on the model, so explaining two toy models (one
output per row, and one per class, with a text column coded as SHAP's maskers need) compiles
all of it; explaining a served pipeline afterwards compiles nothing (tested).

``warm_in_background()`` does this once per process, in a daemon thread, when ``shap`` is
installed. The Jupyter server calls it when it starts an endpoint that keeps its raw inputs
(``--log-inputs``), the only kind that can be explained on live inputs.
"""

from __future__ import annotations

import importlib.util
import logging
import threading

__all__ = ["state", "warm", "warm_in_background"]

log = logging.getLogger("nbops.governance")
_started = threading.Event()
_done = threading.Event()


def warm() -> bool:
    """Explain two toy models with SHAP, in this thread; False when shap is not installed."""
    if importlib.util.find_spec("shap") is None:
        return False
    import numpy as np
    import pandas as pd

    from .explain import _mean_abs_shap

    frame = pd.DataFrame({"a": np.arange(12.0), "b": np.arange(12.0)[::-1], "c": ["u", "v", "w"] * 4})

    class _Regressor:  # one output per row: predict
        def predict(self, X):
            return np.asarray(X[["a", "b"]], dtype=float).sum(axis=1)

    class _Classifier(_Regressor):  # one output per class: predict_proba
        def predict_proba(self, X):
            p = 1 / (1 + np.exp(-self.predict(X) / 10))
            return np.column_stack([1 - p, p])

    for model in (_Classifier(), _Regressor()):  # served classifiers are the usual case: first
        _, note = _mean_abs_shap(model, frame, 0)
        if note:  # SHAP failed on a toy model: the real explanation will say why
            log.warning("nbops: warming SHAP up failed: %s", note)
            return False
    return True


def warm_in_background() -> threading.Thread | None:
    """Start ``warm()`` in a daemon thread, once per process (None when already started or
    when shap is not installed). A failure is logged; the first explanation then compiles."""
    if _started.is_set() or importlib.util.find_spec("shap") is None:
        return None
    _started.set()

    def run() -> None:
        try:
            warm()
        except Exception:  # never let a warm-up take the server down
            log.exception("nbops: warming SHAP up failed")
        finally:
            _done.set()

    thread = threading.Thread(target=run, name="nbops-shap-warmup", daemon=True)
    thread.start()
    return thread


def state() -> str:
    """``idle`` (never started in this process), ``running`` or ``done`` (successfully or not)."""
    return "done" if _done.is_set() else "running" if _started.is_set() else "idle"
