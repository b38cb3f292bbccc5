"""Hugging Face ``Trainer`` autologging, with the keys MLflow shows for it.

MLflow's own ``transformers`` autologging logs nothing while training: a Trainer's runs get
their params and metrics from the ``MLflowCallback`` that transformers ships. nbops does what
that callback does, as a ``TrainerCallback`` added for the duration of ``Trainer.train``: when
training starts, the model's config merged with ``TrainingArguments.to_dict()`` (the arguments
win on a clash; values longer than 6,000 characters, MLflow's limit, are left out) as params;
then every ``logs`` dict the Trainer emits (``loss``, ``grad_norm``, ``learning_rate``,
``epoch``, ``eval_loss``, ``train_runtime`` …), its numbers only, with ``state.global_step`` as
step (characters MLflow refuses in a metric name become ``_``, as the callback does).
"""

from __future__ import annotations

import re
from typing import Any

from . import autolog
from .autolog import Logging

TRAINER_MODULE = "transformers.trainer"
MAX_PARAM_LENGTH = 6000
_UNSUPPORTED = re.compile(r"[^0-9A-Za-z_\-. :/]")  # the callback replaces these in metric names by "_"


def patch_module(module: Any) -> None:
    if module.__name__ == TRAINER_MODULE and hasattr(module, "Trainer"):
        autolog.patch(module.Trainer, "train", lambda original: autolog.logged_call(original, _before_train, _after))


class _Train(Logging):
    """One ``Trainer.train``: its run and the callback nbops added for it."""

    callback: Any = None

    def close(self, status: str) -> None:
        try:  # the trainer may train or evaluate again, unlogged
            self.args[0].remove_callback(self.callback)
        finally:
            super().close(status)


def _before_train(trainer: Any, *args: Any, **kwargs: Any) -> _Train:
    from transformers import TrainerCallback

    name = getattr(trainer.args, "run_name", None) or type(trainer.model).__name__
    state = _Train(name, (trainer, *args), kwargs)
    state.callback = _callback_class(TrainerCallback)(state)
    # first in line, where transformers puts its MLflowCallback: the console printer that comes
    # later pops total_flos out of the logs it is handed
    trainer.callback_handler.callbacks.insert(0, state.callback)
    return state


def _after(state: Logging, result: Any) -> None:
    """Everything was logged by the callback as training went."""


@autolog.once_per_base
def _callback_class(base: type) -> type:
    class NbopsAutolog(base):  # type: ignore[misc]  # the framework's class, known at run time only
        def __init__(self, state: Logging):
            self.state = state

        def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            autolog.guarded("log the training arguments of", _log_params, self.state, args, model)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if logs and state.is_world_process_zero:
                autolog.guarded("log the metrics of", _log_metrics, self.state, logs, state.global_step)

    return NbopsAutolog


def _log_params(state: Logging, args: Any, model: Any) -> None:
    params = args.to_dict()
    config = getattr(model, "config", None)
    if config is not None:
        params = {**(config if isinstance(config, dict) else config.to_dict()), **params}
    state.log_params({key: value for key, value in params.items() if len(str(value)) <= MAX_PARAM_LENGTH})


def _log_metrics(state: Logging, logs: dict[str, Any], step: int) -> None:
    metrics: dict[str, Any] = {}
    for key, value in logs.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            metrics[_UNSUPPORTED.sub("_", key)] = value
        elif hasattr(value, "numel") and value.numel() == 1:  # a scalar tensor
            metrics[_UNSUPPORTED.sub("_", key)] = value.item()
    state.run.log_metrics(metrics, step=step)
