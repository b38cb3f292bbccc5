"""Benchmark: analysis + code generation of a generated 100-cell notebook (golden run excluded),
and ``nbops check`` on it (analysis and diagnostics only) as a user runs it: a fresh process.

Run: python tests/benchmarks/bench_productionize.py [--cells 100] [--repeat 7]
Budgets: analysis + codegen <= 2 s (issue 5); ``nbops check`` <= 0.5 s wall, interpreter start
included (issue 10). Prints the cold first run and the median of the repeats.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbformat.v4 import new_code_cell, new_notebook


def make_notebook(cells: int):
    nb = new_notebook()

    def add(source, *tags):
        nb.cells.append(new_code_cell(source, metadata={"tags": list(tags)}))

    add("rows = 1000\nscale: float = 1.5\nseed = 3\nname = 'bench'", "parameters")
    add("%matplotlib inline\nimport math\nimport random\nimport statistics\nLIMIT = 10", "setup")
    for i in range(4):
        add(f"def helper_{i}(values, factor=2):\n    '''Helper {i}.'''\n"
            f"    return [v * factor + {i} for v in values if v < LIMIT * 1000]\n", "library")
    add("def scaled(values):\n    return [v * scale for v in values]\n", "library")
    previous = None
    step = 0
    for i in range(cells - len(nb.cells) - 1):
        if i % 3 == 0:
            step += 1
        tag = f"step:s{step:02d}"
        if previous is None:
            body = f"v{i} = list(range(rows))\nrandom.seed(seed)"
        elif i % 10 == 5:
            body = f"if rows < 0:\n    %pip install tqdm\nv{i} = helper_{i % 4}({previous})"
        elif i % 10 == 7:
            body = f"%%time\nv{i} = scaled({previous})\nv{i}.sort()"
        else:
            body = (f"v{i} = [x + {i} for x in {previous}]\nm{i} = statistics.mean(v{i})\n"
                    f"for d in [v{i}]:\n    d.append(math.floor(m{i}))")
        add(body, tag)
        previous = f"v{i}"
    add(f"assert len({previous}) > 0", "test")
    return nb


def run_once(nb) -> float:
    from nbops.productionize.golden import Recording
    from nbops.productionize.package import package_files
    from nbops.productionize.plan import build_plan

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "fingerprints.json").write_text(json.dumps({"steps": {}}))
        start = time.perf_counter()
        plan = build_plan(nb, "bench_pipeline")
        assert not [d for d in plan.diagnostics if d.severity == "error"], plan.diagnostics
        files = package_files(plan, Recording(Path(tmp)), "bench.ipynb")
        elapsed = time.perf_counter() - start
    assert "src/bench_pipeline/steps.py" in files
    return elapsed


def check_once(path: Path) -> tuple[float, float]:
    """Wall time of ``nbops check PATH`` in a fresh interpreter (what the user waits for), and its
    CPU time (user + system), which other work on a shared host inflates far less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbops.cli", "check", str(path)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0 and "ready to export (nothing was run)" in done.stdout, done.stdout + done.stderr
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    nb = make_notebook(args.cells)
    cold = run_once(nb)
    times = [run_once(nb) for _ in range(args.repeat)]
    median = statistics.median(times)
    print(f"analysis + codegen, {len(nb.cells)} cells: cold {cold * 1000:.0f} ms (includes importing IPython's "
          f"transformer), median of {args.repeat} {median * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"(budget 2000 ms)")
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ipynb"
        nbformat.write(nb, path)
        runs = [check_once(path) for _ in range(args.repeat)]
    check_times, cpu_times = [r[0] for r in runs], [r[1] for r in runs]
    check_median = statistics.median(check_times)
    print(f"nbops check, {len(nb.cells)} cells, fresh process: median of {args.repeat} {check_median * 1000:.0f} ms, "
          f"min {min(check_times) * 1000:.0f} ms, max {max(check_times) * 1000:.0f} ms (budget 500 ms); "
          f"CPU time median {statistics.median(cpu_times) * 1000:.0f} ms")
    raise SystemExit(0 if max(cold, median) <= 2.0 and check_median <= 0.5 else 1)


if __name__ == "__main__":
    main()
