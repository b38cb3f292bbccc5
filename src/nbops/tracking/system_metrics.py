"""System metrics: while a run is open, one background thread samples the machine with psutil
(and NVIDIA GPUs with nvidia-ml-py, when one is visible) and logs MLflow's ``system/...`` keys.

On by default, every ``NBOPS_SYSTEM_METRICS_INTERVAL`` seconds (5); ``NBOPS_SYSTEM_METRICS=off``
or ``configure(enabled=False)`` turns it off. One sampler serves every open run of the process,
so nested runs cost nothing extra. A failed sample warns once and the sampler stops; training
goes on.
"""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from .run import Run

DEFAULT_INTERVAL = 5.0
_OFF = {"0", "false", "off", "no"}


class _Settings(TypedDict):
    enabled: bool | None  # None: read the environment
    interval: float | None


_settings: _Settings = {"enabled": None, "interval": None}


def configure(enabled: bool | None = None, interval: float | None = None) -> None:
    """Turn sampling on or off and set its interval in seconds (``None`` keeps the setting)."""
    if interval is not None:
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or not interval > 0:
            from ..errors import InvalidValueError

            raise InvalidValueError(f"system metrics interval {interval!r} is not valid: use seconds > 0, e.g. 5")
        _settings["interval"] = float(interval)
    if enabled is not None:
        _settings["enabled"] = bool(enabled)


def enabled() -> bool:
    if _settings["enabled"] is not None:
        return _settings["enabled"]
    return os.environ.get("NBOPS_SYSTEM_METRICS", "on").strip().lower() not in _OFF


def interval() -> float:
    if _settings["interval"] is not None:
        return _settings["interval"]
    text = os.environ.get("NBOPS_SYSTEM_METRICS_INTERVAL", "")
    try:
        value = float(text) if text else DEFAULT_INTERVAL
    except ValueError:
        value = DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


def watch(run: Run) -> None:
    """Sample for ``run`` until it ends (called by ``start_run``)."""
    if not enabled():
        return
    try:
        _sampler.add(run)
    except Exception as exc:  # e.g. psutil missing: the run goes on without system metrics
        warnings.warn(f"nbops cannot log system metrics: {exc}", RuntimeWarning, stacklevel=2)


class Probe:
    """Reads the machine. Counters (network, disk I/O) are reported since the probe began."""

    def __init__(self) -> None:
        import psutil

        self._psutil = psutil
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # the first call only sets the baseline
        psutil.cpu_percent(None)
        self._net0 = psutil.net_io_counters()
        self._disk0 = psutil.disk_io_counters()
        self._gpus = _gpu_handles()

    def sample(self) -> dict[str, float]:
        ps = self._psutil
        memory = ps.virtual_memory()
        disk = ps.disk_usage(os.path.abspath(os.sep))
        with self._process.oneshot():
            rss = self._process.memory_info().rss
            values = {
                "cpu_utilization_percentage": ps.cpu_percent(None),
                "system_memory_usage_megabytes": memory.used / 1e6,
                "system_memory_usage_percentage": memory.percent,
                "process_cpu_percentage": self._process.cpu_percent(None),
                "process_memory_rss_megabytes": rss / 1e6,
                "process_memory_percentage": rss / memory.total * 100,
                "process_threads": self._process.num_threads(),
                "disk_usage_percentage": disk.percent,
                "disk_usage_megabytes": disk.used / 1e6,
                "disk_available_megabytes": disk.free / 1e6,
            }
        net = ps.net_io_counters()
        if net is not None and self._net0 is not None:
            values["network_receive_megabytes"] = (net.bytes_recv - self._net0.bytes_recv) / 1e6
            values["network_transmit_megabytes"] = (net.bytes_sent - self._net0.bytes_sent) / 1e6
        io = ps.disk_io_counters()
        if io is not None and self._disk0 is not None:
            values["disk_read_megabytes"] = (io.read_bytes - self._disk0.read_bytes) / 1e6
            values["disk_write_megabytes"] = (io.write_bytes - self._disk0.write_bytes) / 1e6
        values.update(_gpu_sample(self._gpus))
        return {f"system/{key}": round(float(value), 3) for key, value in values.items()}


def _gpu_handles() -> list[object]:
    try:
        import pynvml  # from the nvidia-ml-py package

        pynvml.nvmlInit()
        return [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # not installed, no driver, no GPU: no GPU metrics
        return []


def _gpu_sample(handles: list[object]) -> dict[str, float]:
    if not handles:
        return {}
    import pynvml

    values: dict[str, float] = {}
    for i, handle in enumerate(handles):
        memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
        values[f"gpu_{i}_memory_usage_percentage"] = memory.used / memory.total * 100
        values[f"gpu_{i}_memory_usage_megabytes"] = memory.used / 1e6
        values[f"gpu_{i}_utilization_percentage"] = pynvml.nvmlDeviceGetUtilizationRates(handle).gpu
    return values


class Sampler:
    """One daemon thread for the process; it retires when no watched run is open."""

    def __init__(self) -> None:
        self._runs: weakref.WeakKeyDictionary[Run, int] = weakref.WeakKeyDictionary()  # run -> next step
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._probe: Probe | None = None
        self._wake = threading.Event()

    def add(self, run: Run) -> None:
        with self._lock:
            if self._probe is None or not self._alive():
                self._probe = Probe()  # fresh baselines after a fork or a pause
            self._runs[run] = 0
            if not self._alive():
                self._thread = threading.Thread(target=self._loop, name="nbops-system-metrics", daemon=True)
                self._thread.start()

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _open_runs(self) -> list[Run]:
        with self._lock:
            for run in [r for r in self._runs if r.status != "running"]:
                del self._runs[run]
            if not self._runs:
                self._thread = None  # retire; the next add starts a new thread
            return list(self._runs)

    def _log(self, run: Run, values: dict[str, float]) -> None:
        from ..errors import ConflictError

        step = self._runs.get(run, 0)
        try:
            run.log_metrics(values, step=step)
        except ConflictError:  # the run ended while we sampled
            return
        self._runs[run] = step + 1

    def _loop(self) -> None:
        while True:
            self._wake.wait(interval())
            runs = self._open_runs()
            if not runs:
                return
            try:
                assert self._probe is not None  # add() makes the probe before the thread
                values = self._probe.sample()
                for run in runs:
                    self._log(run, values)
            except Exception as exc:
                warnings.warn(f"nbops stopped logging system metrics: {exc}", RuntimeWarning, stacklevel=1)
                with self._lock:
                    self._runs.clear()
                    self._thread = None
                return


_sampler = Sampler()
