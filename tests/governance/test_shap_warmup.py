"""After the SHAP warm-up, explaining a served pipeline compiles no numba code.

Run in a fresh interpreter: numba's compiled code lives in the process, and another test of
this session may have compiled it already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("shap", reason="pip install shap")

TESTS = Path(__file__).resolve().parents[1]

SCRIPT = """
import gc, json, warnings
warnings.simplefilter("ignore")
from numba.core.registry import CPUDispatcher
from nbops.governance import shap_warmup
from nbops.governance.explain import _mean_abs_shap
from serving.registry import FEATURES, LABEL, SPEND, pipeline, regression_pipeline, spending, table

def compiled():
    return {f"{d.py_func.__module__}.{d.py_func.__qualname__}": len(d.signatures)
            for d in gc.get_objects() if isinstance(d, CPUDispatcher) and d.signatures}

assert shap_warmup.state() == "idle"
shap_warmup.warm_in_background().join()
warmed = compiled()
train = table(300, 1)
classifier = pipeline().fit(train[FEATURES], train[LABEL])  # one-hot + logistic regression
spend = spending(300, 3)
regressor = regression_pipeline().fit(spend[FEATURES], spend[SPEND])
notes = [_mean_abs_shap(model, table(25, 5)[FEATURES], 0)[1] for model in (classifier, regressor)]
print(json.dumps({"state": shap_warmup.state(), "warmed": warmed, "after": compiled(), "notes": notes}))
"""


def test_explaining_a_served_pipeline_after_the_warm_up_compiles_nothing():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["state"] == "done" and result["notes"] == [None, None]  # both explained with SHAP
    assert result["warmed"], "the warm-up compiled nothing"
    assert result["after"] == result["warmed"], "the real explanations compiled more"
