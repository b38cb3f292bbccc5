"""Model governance: the promotion gate, the audit trail's readers and model cards.

No tornado, jupyter_server or IPython here: the CLI, the Python API and the server share it.
"""

from .evaluation import Evaluation, evaluate_models, latest_evaluation, promote_evaluation, read_evaluation
from .explain import explain, latest_explanation
from .gate import GateDecision, GatePolicy

__all__ = [
    "Evaluation",
    "GateDecision",
    "GatePolicy",
    "evaluate_models",
    "explain",
    "latest_evaluation",
    "latest_explanation",
    "promote_evaluation",
    "read_evaluation",
]
