"""Autologging: ``nbops.autolog()`` patches the training calls of ML frameworks so each fit
becomes a run (or logs into the active one) with the keys MLflow's autologging uses.

A framework is patched only once it is imported: at ``autolog()`` time for modules already
loaded, and otherwise by a post-import hook on ``sys.meta_path``, so enabling autologging
never imports a framework the notebook does not use. Whatever goes wrong inside
autologging becomes a ``RuntimeWarning``; the user's ``fit`` always runs and returns (or
raises) exactly as it would without nbops.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.abc
import inspect
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from . import session

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

    from .run import Run

DEFAULT_EXPERIMENT = "Default"  # MLflow's name for runs that name no experiment
# top-level package -> the module (in this package) that patches it
FRAMEWORKS = {
    "sklearn": "autolog_sklearn",
    "xgboost": "autolog_boosting",
    "lightgbm": "autolog_boosting",
    "lightning": "autolog_lightning",
    "pytorch_lightning": "autolog_lightning",
    "keras": "autolog_keras",
    "transformers": "autolog_hf",
}

Function = Callable[..., Any]  # a framework's training call, or the wrapper nbops puts in its place
_T = TypeVar("_T")


class _Config(TypedDict):
    enabled: bool
    experiment: str
    max_tuning_runs: int | None


class _Inside(threading.local):
    """Per thread (class attributes are every thread's starting values)."""

    depth = 0  # the outermost patched call logs; the fits it makes do not
    finding = False  # the import hook is looking a spec up with the other finders


_config: _Config = {"enabled": False, "experiment": DEFAULT_EXPERIMENT, "max_tuning_runs": 5}
_patched: dict[tuple[Any, str], tuple[Function, bool]] = {}  # (owner, attribute) -> (original, owner defined it)
_inside = _Inside()


def autolog(experiment: str = DEFAULT_EXPERIMENT, disable: bool = False, max_tuning_runs: int | None = 5) -> None:
    """Log every ``fit`` of scikit-learn, XGBoost, LightGBM, PyTorch Lightning and Keras, and every
    Hugging Face ``Trainer.train``, from now on.

    A fit outside a run starts a run in ``experiment`` and ends it; a fit inside a run logs
    into that run. ``GridSearchCV``/``RandomizedSearchCV`` log their ``max_tuning_runs`` best
    candidates as child runs (``None``: all). ``disable=True`` restores the original methods.
    """
    if disable:
        _config["enabled"] = False
        _restore_all()
        _remove_import_hook()
        return
    if not isinstance(experiment, str) or not experiment.strip():
        from ..errors import InvalidValueError

        raise InvalidValueError(f"autolog experiment {experiment!r} is not valid: name it, e.g. 'churn'")
    _config.update({"enabled": True, "experiment": experiment, "max_tuning_runs": max_tuning_runs})
    _install_import_hook()
    for name in list(sys.modules):
        if _framework_of(name):
            _on_import(sys.modules[name])


def is_enabled() -> bool:
    return bool(_config["enabled"])


# -- patching ----------------------------------------------------------------------------
def patch(owner: Any, attribute: str, make_wrapper: Callable[[Function], Function]) -> None:
    """Replace ``owner.attribute`` by ``make_wrapper(original)``, once, remembering the original.

    A class's method may be inherited (``keras.Model.fit`` comes from its backend's trainer):
    the wrapper then goes on ``owner`` only, and disabling deletes it again."""
    if (owner, attribute) in _patched:
        return
    if isinstance(owner, type):  # the plain function, not a bound method, wherever the MRO defines it
        original, owned = inspect.getattr_static(owner, attribute), attribute in owner.__dict__
    else:
        original, owned = getattr(owner, attribute), True
    wrapper = make_wrapper(original)
    functools.update_wrapper(wrapper, original)
    setattr(wrapper, "__nbops_autolog__", True)  # noqa: B010  (a Callable has no such attribute to type)
    _patched[(owner, attribute)] = (original, owned)
    setattr(owner, attribute, wrapper)


def _restore_all() -> None:
    for (owner, attribute), (original, owned) in list(_patched.items()):
        if owned:
            setattr(owner, attribute, original)
        else:
            delattr(owner, attribute)
    _patched.clear()


_State = TypeVar("_State", bound="Logging")


def logged_call(
    original: Function, before: Callable[..., _State | None], after: Callable[[_State, Any], None]
) -> Function:
    """Wrap a training call: ``before(*args, **kwargs)`` returns a state (or None to skip),
    ``after(state, result)`` logs. Both only warn on failure; nested calls are not logged."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _config["enabled"] or _inside.depth:
            return original(*args, **kwargs)
        state = guarded("prepare", before, *args, **kwargs)
        _inside.depth = 1
        try:
            result = original(*(state.args if state else args), **(state.kwargs if state else kwargs))
        except BaseException as exc:
            if state is not None:
                guarded("close the run of", state.close, "killed" if isinstance(exc, KeyboardInterrupt) else "failed")
            raise
        finally:
            _inside.depth = 0
        if state is not None:
            guarded("log", after, state, result)
            guarded("close the run of", state.close, "finished")
        return result

    return wrapper


def guarded(what: str, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T | None:
    """Call ``function``; an exception becomes a warning and ``None``."""
    try:
        return function(*args, **kwargs)
    except Exception as exc:
        warnings.warn(
            f"nbops autolog could not {what} {getattr(function, '__qualname__', function)}: "
            f"{type(exc).__name__}: {exc}",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


class Logging:
    """One autologged call: the run it logs into, and the (possibly amended) call arguments."""

    def __init__(
        self,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        tags: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ):
        self.args, self.kwargs = args, kwargs
        params = {str(k): param_value(v) for k, v in (params or {}).items()}
        active = session.active_run()
        self.owns_run = active is None
        self.run: Run
        if active is None:  # params and tags go in with the run's row: one write, not three
            self.run = session.start_run(_config["experiment"], name=name, params=params, tags=tags)
            return
        self.run = active
        if tags:
            self.run.set_tags(dict(tags))
        self.log_params(params)

    def close(self, status: str) -> None:
        if self.owns_run:
            session.end_run(status, run=self.run)

    def log_params(self, params: Mapping[str, Any]) -> None:
        clean = {str(k): param_value(v) for k, v in params.items()}
        if clean:
            self.run.log_params(clean)


def once_per_base(make: Callable[[type], type]) -> Callable[[type], type]:
    """Decorate ``make(base)``, which defines nbops's subclass of a framework's callback base
    class, to define it once per base (``lightning`` and ``pytorch_lightning`` each have one),
    not once per training call."""
    return functools.cache(make)


def param_value(value: Any) -> Any:
    """Params as MLflow shows them: numbers and strings as they are, objects as their repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        number = float(value)  # numpy scalars
        return value.item() if hasattr(value, "item") else number
    except (TypeError, ValueError):
        return str(value)[:500]


def max_tuning_runs() -> int | None:
    return _config["max_tuning_runs"]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Fits that autologging itself makes (scoring on the training data) are not logged."""
    depth = _inside.depth
    _inside.depth = depth + 1
    try:
        yield
    finally:
        _inside.depth = depth


# -- import hook -------------------------------------------------------------------------
def _framework_of(module_name: str) -> str | None:
    top = module_name.partition(".")[0]
    return top if top in FRAMEWORKS else None


def _on_import(module: ModuleType) -> None:
    framework = _framework_of(module.__name__)
    if not framework or not _config["enabled"]:
        return
    integration = importlib.import_module(f"{__package__}.{FRAMEWORKS[framework]}")
    guarded("patch", integration.patch_module, module)


class _PostImportLoader(importlib.abc.Loader):
    """Runs the real loader, then patches the module it loaded."""

    def __init__(self, loader: importlib.abc.Loader):
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The real loader goes back in place first: importlib.resources and friends ask it.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _on_import(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Finds framework modules with the other finders and wraps their loaders."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not _framework_of(fullname) or _inside.finding:
            return None
        _inside.finding = True
        try:
            spec = _find_with_others(self, fullname, path, target)
        except (ImportError, ValueError):
            return None
        finally:
            _inside.finding = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PostImportLoader(spec.loader)
        return spec


def _find_with_others(
    me: importlib.abc.MetaPathFinder, fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> ModuleSpec | None:
    for finder in sys.meta_path:
        if finder is me or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


_finder = _PostImportFinder()


def _install_import_hook() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def _remove_import_hook() -> None:
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
