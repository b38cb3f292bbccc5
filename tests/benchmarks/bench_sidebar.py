"""The Experiments sidebar in a real browser over 10,000 runs (the issue's ≤ 1 s first render).

    python tests/benchmarks/bench_sidebar.py [--repeats 5] [--runs 10000]

Builds a store of 10,000 runs × 20 params × 20 metrics in one experiment (bench_api's
builder), starts JupyterLab on it and, in headless Chromium, times (median of --repeats,
each in a fresh page):

- click on the sidebar tab → first rows painted (budget 1 s);
- click on a metric column header → rows re-sorted by the server and painted;
- Enter in the filter box → filtered rows painted;
- scrolling to row 5,000 in steps of 10 rows a frame, pages loading on the way: time
  to get there, frame times and long tasks (> 50 ms);
- scrolling back to the top over loaded rows: frame times.

`GET runs` sorted by a metric with a filter, one page over HTTP, is bench_api.py's figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "benchmarks"))
import bench_api  # noqa: E402


def _browser_helpers():
    """tests/browser/conftest.py's launch helpers (Chromium flags, port, wait, stop)."""
    spec = importlib.util.spec_from_file_location("browser_conftest", TESTS / "browser" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


helpers = _browser_helpers()
PANEL_ID = "nbops-experiments"
FILTER = "metrics.m1 > 0.5 and params.p2 = 3"


@contextmanager
def lab_on(root: Path) -> Iterator:
    """JupyterLab serving ``root`` (whose store is ``root/.nbops``), isolated from $HOME."""
    dirs = {name: root.parent / name for name in ("config", "data", "runtime", "ipython")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
    token, port = secrets.token_hex(16), helpers._free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBOPS_"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
    )
    log_path = root.parent / "lab.log"
    server = helpers.LabServer(url=f"http://127.0.0.1:{port}", token=token, root_dir=root, log_path=log_path)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        helpers._wait_until_answering(process, server)
        yield server
    finally:
        helpers._stop(process)


# Runs in the page: wait for `ready()` to hold, then report when the frame after it painted.
WATCH = """() => {
    window.nbopsPainted = ready => new Promise(resolve => {
        const check = () => ready() ? requestAnimationFrame(() => resolve(performance.now()))
                                   : requestAnimationFrame(check);
        requestAnimationFrame(check);
    });
}"""

FIRST_ROWS = f"() => document.querySelector('#{PANEL_ID} tr[data-run-id]') !== null"


def first_render(page) -> float:
    """ms from pointer-down on the sidebar tab to the first rows painted."""
    page.evaluate(WATCH)
    page.evaluate(
        """tab => {
        window.nbopsClick = null;
        document.querySelector(tab).addEventListener('pointerdown',
            () => { window.nbopsClick = performance.now(); }, { capture: true, once: true });
        window.nbopsDone = window.nbopsPainted(FIRST_ROWS);
    }""".replace("FIRST_ROWS", str(FIRST_ROWS)),  # str.format would trip on the JavaScript braces
        f'.jp-SideBar.jp-mod-left li[data-id="{PANEL_ID}"]',
    )
    page.locator(f'.jp-SideBar.jp-mod-left li[data-id="{PANEL_ID}"]').click()
    return page.evaluate("async () => (await window.nbopsDone) - window.nbopsClick")


def rows_changed_after(page, action) -> float:
    """ms from the triggering event (pointer-down or key-down) to changed rows painted."""
    page.evaluate(
        """panel => {
        const root = document.getElementById(panel);
        const first = () => root.querySelector('tr[data-run-id]')?.dataset.runId;
        const before = first();
        window.nbopsStart = null;
        const start = () => { if (window.nbopsStart === null) window.nbopsStart = performance.now(); };
        root.addEventListener('pointerdown', start, { capture: true, once: true });
        root.addEventListener('keydown', e => { if (e.key === 'Enter') start(); }, { capture: true });
        window.nbopsDone = window.nbopsPainted(() =>
            first() !== before && root.querySelector('[aria-busy="true"]') === null);
    }""",
        PANEL_ID,
    )
    action()
    return page.evaluate("async () => (await window.nbopsDone) - window.nbopsStart")


SCROLL = """async ({ panel, toRow, rowsPerFrame, rowHeight, down }) => {
    const scroller = document.querySelector(`#${panel} .jp-nbops-RunsTable-scroller`);
    const longTasks = [];
    const observer = new PerformanceObserver(list => {
        for (const entry of list.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ entryTypes: ['longtask'] });
    const target = down ? toRow * rowHeight : 0;
    const frames = [];
    const start = performance.now();
    let last = start;
    await new Promise(resolve => {
        const step = now => {
            frames.push(now - last);
            last = now;
            const next = scroller.scrollTop + (down ? 1 : -1) * rowsPerFrame * rowHeight;
            scroller.scrollTo({ top: down ? Math.min(next, target) : Math.max(next, 0), behavior: 'instant' });
            // Fewer runs than toRow (--runs): the end of the complete list counts as arrived.
            const atEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1 &&
                !scroller.querySelector('.jp-nbops-RunsTable-more');
            const done = down ? scroller.scrollTop >= target - 1 || atEnd : scroller.scrollTop <= 0;
            if (done || now - start > 120000) resolve();
            else requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
    });
    observer.disconnect();
    const shown = scroller.querySelectorAll('tr[data-run-id]').length;
    return { total: performance.now() - start, frames: frames.slice(1), longTasks, shown,
             reached: Math.floor(scroller.scrollTop / rowHeight) };
}"""


def scroll(page, down: bool) -> dict:
    return page.evaluate(SCROLL, {"panel": PANEL_ID, "toRow": 5000, "rowsPerFrame": 10, "rowHeight": 24, "down": down})


def frame_summary(frames: list[float]) -> str:
    ordered = sorted(frames)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.0f} ms, {len(ordered)} frames"
    )


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def one_repeat(browser, server) -> dict:
    context = browser.new_context(viewport=helpers.VIEWPORT)
    try:
        page = context.new_page()
        lab = helpers.LabPage(page, server)
        lab.open()
        result = {"first": first_render(page)}
        log(f"first rows {result['first']:.0f} ms")
        panel = page.locator(f"#{PANEL_ID}")
        header = panel.get_by_role("columnheader", name="m0").get_by_role("button")
        result["sort"] = rows_changed_after(page, header.click)
        log(f"sort {result['sort']:.0f} ms")
        box = panel.get_by_role("searchbox", name="Filter runs")
        box.fill(FILTER)
        result["filter"] = rows_changed_after(page, lambda: box.press("Enter"))
        log(f"filter {result['filter']:.0f} ms")
        box.fill("")
        box.press("Enter")
        header.click()  # back to a sort over all 10,000 rows for the scroll
        page.wait_for_function(f"() => !document.querySelector('#{PANEL_ID} [aria-busy=\"true\"]')")
        result["down"] = scroll(page, down=True)
        log(f"scrolled to row {result['down']['reached']} in {result['down']['total']:.0f} ms")
        result["up"] = scroll(page, down=False)
        return result
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    bench_api.CURVE_RUNS = 0  # the sidebar shows latest values; no metric histories needed
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "root"
        root.mkdir()
        start = time.perf_counter()
        bench_api.build_store(root, args.runs)
        print(
            f"store: {args.runs:,} runs × {bench_api.PARAMS} params × {bench_api.METRICS} metrics, "
            f"built in {time.perf_counter() - start:.1f} s"
        )
        with lab_on(root) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=helpers.USER_CHROMIUM, args=helpers.CHROMIUM_ARGS)
            try:
                one_repeat(browser, server)  # warm-up: server caches, browser code cache
                results = [one_repeat(browser, server) for _ in range(args.repeats)]
            finally:
                browser.close()

    med = lambda key: statistics.median(r[key] for r in results)  # noqa: E731
    verdict = "ok" if med("first") <= 1000 else "OVER BUDGET"
    down = [frame for r in results for frame in r["down"]["frames"]]
    up = [frame for r in results for frame in r["up"]["frames"]]
    long_down = [t for r in results for t in r["down"]["longTasks"]]
    long_up = [t for r in results for t in r["up"]["longTasks"]]
    print(f"medians over {args.repeats} fresh pages, headless Chromium (software rendering)\n")
    print("| sidebar step | time | budget |")
    print("|---|---|---|")
    print(f"| click the tab → first rows painted | {med('first'):.0f} ms | ≤ 1,000 ms ({verdict}) |")
    print(f"| click a metric header → re-sorted rows painted | {med('sort'):.0f} ms | — |")
    print(f"| Enter in the filter box → filtered rows painted | {med('filter'):.0f} ms | — |")
    print(
        f"| scroll to row 5,000, 10 rows a frame, loading pages of 100 on the way | "
        f"{statistics.median(r['down']['total'] for r in results) / 1000:.1f} s; frames {frame_summary(down)}; "
        f"{len(long_down)} long tasks | — |"
    )
    print(
        f"| scroll back to the top over loaded rows | "
        f"{statistics.median(r['up']['total'] for r in results) / 1000:.1f} s; frames {frame_summary(up)}; "
        f"{len(long_up)} long tasks | — |"
    )
    print(
        f"\nrows in the DOM at row 5,000: {max(r['down']['shown'] for r in results)}; "
        f"row reached: {min(r['down']['reached'] for r in results):,}"
    )


if __name__ == "__main__":
    main()
