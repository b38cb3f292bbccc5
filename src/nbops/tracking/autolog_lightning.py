"""PyTorch Lightning autologging, with the keys of MLflow's ``mlflow.pytorch.autolog``.

``Trainer.fit`` gets a Lightning ``Callback`` that logs, when training starts, ``epochs``
(``max_epochs``), ``optimizer_name`` and the first optimizer's ``defaults`` (``lr``, ``betas``,
``weight_decay`` …) as params, and at the end of every training epoch ``trainer.callback_metrics``
(what the module ``self.log``s, training and validation) with the epoch as step. With an
``EarlyStopping`` callback it also logs its ``monitor``, ``mode``, ``patience``, ``min_delta``
and ``stopped_epoch`` as params and, when training stopped early, the ``stopped_epoch``,
``restored_epoch``, ``best_score`` and ``wait_count`` metrics. Both the ``lightning`` and the
older ``pytorch_lightning`` package are patched.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import autolog
from .autolog import Logging

# The Trainer's module in each package; the package root is what precedes ``.trainer.trainer``.
TRAINER_MODULES = ("lightning.pytorch.trainer.trainer", "pytorch_lightning.trainer.trainer")
_EARLY_STOP_PARAMS = ("monitor", "mode", "patience", "min_delta", "stopped_epoch")


def patch_module(module: Any) -> None:
    if module.__name__ in TRAINER_MODULES and hasattr(module, "Trainer"):
        autolog.patch(module.Trainer, "fit", lambda original: autolog.logged_call(original, _before_fit, _after_fit))


class _Fit(Logging):
    """One ``Trainer.fit``: its run, its early stopping callback, and the callback nbops added."""

    early_stopping: Any = None
    callback: Any = None

    def close(self, status: str) -> None:
        trainer = self.args[0]
        try:  # the trainer may fit again, with autologging off
            if self.callback in trainer.callbacks:
                trainer.callbacks.remove(self.callback)
        finally:
            super().close(status)


def _before_fit(trainer: Any, *args: Any, **kwargs: Any) -> _Fit:
    model = args[0] if args else kwargs.get("model")
    package = importlib.import_module(type(trainer).__module__.rpartition(".trainer.trainer")[0] + ".callbacks")
    state = _Fit(type(model).__name__, (trainer, *args), kwargs, tags={"Mode": "training"})
    state.early_stopping = next((c for c in trainer.callbacks if isinstance(c, package.EarlyStopping)), None)
    if state.early_stopping is not None:
        state.log_params(
            {p: getattr(state.early_stopping, p) for p in _EARLY_STOP_PARAMS if hasattr(state.early_stopping, p)}
        )
    state.callback = _callback_class(package.Callback)(state)
    trainer.callbacks.append(state.callback)
    return state


def _after_fit(state: _Fit, result: Any) -> None:
    stopper = state.early_stopping
    if stopper is None or not getattr(stopper, "stopped_epoch", 0):
        return
    metrics: dict[str, Any] = {
        "stopped_epoch": stopper.stopped_epoch,
        "restored_epoch": stopper.stopped_epoch - max(1, stopper.patience),
    }
    if hasattr(stopper, "best_score"):
        metrics["best_score"] = float(stopper.best_score)
    if hasattr(stopper, "wait_count"):
        metrics["wait_count"] = stopper.wait_count
    state.run.log_metrics(metrics)


@autolog.once_per_base
def _callback_class(base: type) -> type:
    """A subclass of this package's ``Callback`` (lightning and pytorch_lightning each have one)."""

    class NbopsAutolog(base):  # type: ignore[misc]  # the framework's class, known at run time only
        def __init__(self, state: Logging):
            self.state = state

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            autolog.guarded("log the optimizer params of", _log_start, self.state, trainer)

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            # validation runs inside the training epoch: callback_metrics holds both by now
            if not trainer.sanity_checking:
                autolog.guarded("log the epoch metrics of", _log_epoch, self.state, trainer, pl_module)

    return NbopsAutolog


def _log_start(state: Logging, trainer: Any) -> None:
    params: dict[str, Any] = {"epochs": trainer.max_epochs}
    if getattr(trainer, "optimizers", None):
        optimizer = trainer.optimizers[0]
        inner = getattr(optimizer, "_optimizer", optimizer)  # a LightningOptimizer wraps the real one
        params["optimizer_name"] = type(inner).__name__
        params.update(getattr(inner, "defaults", {}))
    state.log_params(params)


def _log_epoch(state: Logging, trainer: Any, pl_module: Any) -> None:
    state.run.log_metrics(
        {name: float(value) for name, value in trainer.callback_metrics.items()}, step=pl_module.current_epoch
    )
