"""Keras 3 autologging, with the keys of MLflow's ``mlflow.keras.autolog``.

``Model.fit`` logs its arguments as params (their defaults too, as MLflow does: ``epochs``,
``batch_size``, ``validation_split``, ``shuffle``, ``initial_epoch`` …; not the data, the
callbacks or ``verbose``) and gets a ``keras.callbacks.Callback`` that logs the optimizer's
config as ``optimizer_<key>`` params (``optimizer_learning_rate``, ``optimizer_name`` …) when
training starts, the epoch's logs (``loss``, ``accuracy``, ``val_loss`` …) with the epoch as
step, and each evaluation's logs as ``validation_<key>``. Any backend works (the tests use torch).
"""

from __future__ import annotations

import inspect
from typing import Any

from . import autolog
from .autolog import Logging

MODEL_MODULE = "keras.src.models.model"  # defines keras.Model, whose fit every model inherits
_UNLOGGED = ("self", "x", "y", "callbacks", "validation_data", "verbose")
_CALLBACKS_POSITION = 5  # fit(x, y, batch_size, epochs, verbose, callbacks, …)


def patch_module(module: Any) -> None:
    if module.__name__ == MODEL_MODULE and hasattr(module, "Model"):
        autolog.patch(module.Model, "fit", lambda original: autolog.logged_call(original, _before_fit, _after_fit))


def _before_fit(model: Any, *args: Any, **kwargs: Any) -> Logging:
    import keras

    signature = inspect.signature(type(model).fit)
    state = Logging(type(model).__name__, (model, *args), dict(kwargs), params=_fit_params(signature, args, kwargs))
    callback = _callback_class(keras.callbacks.Callback)(state)
    if len(args) > _CALLBACKS_POSITION:  # callbacks given positionally: pass them, and ours, by name
        state.args = (model, *args[:_CALLBACKS_POSITION])
        state.kwargs.update(
            dict(zip(list(signature.parameters)[1 + _CALLBACKS_POSITION :], args[_CALLBACKS_POSITION:]))
        )
    state.kwargs["callbacks"] = [*(state.kwargs.get("callbacks") or []), callback]
    return state


def _after_fit(state: Logging, history: Any) -> None:
    """Everything was logged by the callback as training went."""


def _fit_params(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """MLflow's: every argument's default, then what was passed by name; ``batch_size`` from a batched dataset."""
    params = {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if name not in _UNLOGGED and parameter.default is not inspect.Parameter.empty
    }
    params.update({name: value for name, value in kwargs.items() if name not in _UNLOGGED})
    batch_size = kwargs.get("batch_size")
    if batch_size is None:
        data = kwargs["x"] if "x" in kwargs else (args[0] if args else None)
        batch_size = getattr(data, "batch_size", None) or getattr(data, "_batch_size", None)
    if batch_size is not None:
        params["batch_size"] = batch_size
    return params


@autolog.once_per_base
def _callback_class(base: type) -> type:
    class NbopsAutolog(base):  # type: ignore[misc]  # the framework's class, known at run time only
        def __init__(self, state: Logging):
            super().__init__()
            self.state = state

        def on_train_begin(self, logs: Any = None) -> None:
            autolog.guarded("log the optimizer config of", _log_optimizer, self.state, self.model)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if logs:
                autolog.guarded("log the epoch metrics of", self.state.run.log_metrics, _numbers(logs), epoch)

        def on_test_end(self, logs: Any = None) -> None:
            if logs:
                metrics = {f"validation_{key}": value for key, value in _numbers(logs).items()}
                autolog.guarded("log the validation metrics of", self.state.run.log_metrics, metrics)

    return NbopsAutolog


def _log_optimizer(state: Logging, model: Any) -> None:
    state.log_params({f"optimizer_{key}": value for key, value in model.optimizer.get_config().items()})


def _numbers(logs: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in logs.items()}
