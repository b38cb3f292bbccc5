"""Benchmark: `nbops drift check` on a 10M-row parquet file: time and peak memory.

    python tests/benchmarks/bench_drift_cli.py [--rows 10000000] [--columns 20] [--runs 3]

Writes the file in row groups (never 10M rows in memory), logs a 100k-row reference in a
fresh project, then runs the CLI in fresh processes and reads each one's peak RSS
(``ru_maxrss`` of the finished child). Budget: peak RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_parquet(path: Path, rows: int, columns: int, group: int = 500_000) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(3)
    writer = None
    for start in range(0, rows, group):
        n = min(group, rows - start)
        data = {f"num_{i:02d}": rng.normal(0.3 if i < 4 else 0.0, 1.0, n) for i in range(columns - 2)}
        data["plan"] = rng.choice(np.array(["basic", "pro", "team"]), n)
        data["region"] = rng.choice(np.array([f"r{i}" for i in range(30)]), n)
        table = pa.table(data)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "current.parquet"
        t = time.perf_counter()
        write_parquet(data, args.rows, args.columns)
        print(
            f"wrote {args.rows:,} rows × {args.columns} columns ({data.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t:.0f} s"
        )
        env = dict(os.environ, NBOPS_HOME=str(root / ".nbops"))
        seed = (
            "import numpy as np, pandas as pd, nbops\nrng = np.random.default_rng(1)\n"
            f"df = pd.DataFrame({{f'num_{{i:02d}}': rng.normal(0, 1, 100_000) for i in range({args.columns - 2})}})\n"
            "df['plan'] = rng.choice(['basic', 'pro', 'team'], 100_000)\n"
            "df['region'] = rng.choice([f'r{i}' for i in range(30)], 100_000)\n"
            "nbops.log_dataset(df, 'big')\n"
        )
        subprocess.run([sys.executable, "-c", seed], env=env, check=True)
        times, peaks = [], []
        for run in range(args.runs):
            t = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "nbops.cli",
                    "drift",
                    "check",
                    "--reference",
                    "big",
                    "--current",
                    str(data),
                    "--window",
                    f"run-{run}",
                    "--chunk-rows",
                    str(args.chunk_rows),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - t)
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            # ru_maxrss of children is the largest so far: the seed process is far smaller
            peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            print(out.stdout.strip())
        print(
            f"nbops drift check, {args.rows:,} rows: median {statistics.median(times):.1f} s "
            f"(runs {[round(x, 1) for x in times]}), peak RSS {max(peaks):.0f} MB (budget 500 MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
