"""The system-metrics sampler: real psutil readings logged while a run is open."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import nbops
from nbops.tracking import system_metrics

KEYS = {
    "system/cpu_utilization_percentage",
    "system/system_memory_usage_megabytes",
    "system/system_memory_usage_percentage",
    "system/process_cpu_percentage",
    "system/process_memory_rss_megabytes",
    "system/process_memory_percentage",
    "system/process_threads",
    "system/disk_usage_percentage",
    "system/disk_usage_megabytes",
    "system/disk_available_megabytes",
    "system/network_receive_megabytes",
    "system/network_transmit_megabytes",
    "system/disk_read_megabytes",
    "system/disk_write_megabytes",
}


@pytest.fixture
def sampling(project):
    system_metrics.configure(enabled=True, interval=0.5)
    yield
    system_metrics._settings.update(enabled=None, interval=None)


def test_a_run_of_a_few_seconds_gets_system_metrics(sampling):
    import psutil

    with nbops.start_run("sys") as run:
        ballast = bytearray(50_000_000)  # the process's memory must show it
        deadline = time.monotonic() + 2.6
        while time.monotonic() < deadline:
            sum(range(10_000))  # busy: CPU above zero
    info = nbops.get_run(run.id)
    assert set(info["metrics"]) >= KEYS
    history = nbops.store().metrics.history(run.id, "system/cpu_utilization_percentage")
    assert 3 <= len(history) <= 6 and [s for s, _, _ in history] == list(range(len(history)))
    metrics = info["metrics"]
    assert metrics["system/process_memory_rss_megabytes"] > 50
    assert 0 < metrics["system/process_cpu_percentage"] <= 100 * psutil.cpu_count()
    total = psutil.virtual_memory().total / 1e6
    assert 0 < metrics["system/system_memory_usage_megabytes"] < total
    assert 0 < metrics["system/disk_usage_percentage"] <= 100
    assert metrics["system/network_receive_megabytes"] >= 0
    del ballast


def test_sampling_stops_when_the_run_ends(sampling):
    with nbops.start_run("sys") as run:
        time.sleep(1.2)
    time.sleep(1.2)
    history = nbops.store().metrics.history(run.id, "system/cpu_utilization_percentage")
    assert history and all(t <= nbops.get_run(run.id)["end_time"] for _, _, t in history)


def test_off_by_setting_and_by_environment(project, python_env):
    system_metrics.configure(enabled=False, interval=0.2)
    try:
        with nbops.start_run("sys") as run:
            time.sleep(0.7)
    finally:
        system_metrics._settings.update(enabled=None, interval=None)
    assert not nbops.get_run(run.id)["metrics"]
    code = (
        "import time, nbops\n"
        "with nbops.start_run('sys') as run:\n    time.sleep(0.8)\n"
        "print(sorted(nbops.get_run(run.id)['metrics']))\n"
    )
    for setting, expect_keys in (("off", False), ("on", True)):
        env = dict(python_env, NBOPS_SYSTEM_METRICS=setting, NBOPS_SYSTEM_METRICS_INTERVAL="0.3")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert ("system/cpu_utilization_percentage" in out.stdout) is expect_keys, (setting, out.stdout)


def test_a_bad_interval_is_refused(project):
    with pytest.raises(nbops.InvalidValueError, match="interval 0"):
        system_metrics.configure(interval=0)
