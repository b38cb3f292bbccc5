"""Orchestrator targets of the generated package: files that run its steps elsewhere."""

TARGETS = ("kfp", "airflow")


def compile_targets(staging, package: str, targets, files: dict) -> list:
    """Compile what needs compiling inside the written package (KFP's IR YAML), adding each
    compiled file to ``files`` and to the package's manifest; diagnostics for what failed."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from ..diagnostics import Diagnostic
    from ..output_folder import MANIFEST, manifest

    found = []
    if "kfp" in targets:
        relative = f"src/{package}/kfp_pipeline.yaml"
        done = subprocess.run(
            [sys.executable, "-m", f"{package}.kfp_pipeline", "compile", "-o", relative],
            cwd=staging,
            env=_env(staging),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            found.append(
                Diagnostic(
                    "NB411",
                    "kfp_pipeline.py did not compile: " + (done.stderr.strip().splitlines() or ["no output"])[-1],
                    suggestion="install the kfp extra (pip install 'nbops[kfp]'); traceback: "
                    + done.stderr.strip()[-600:],
                )
            )
        else:
            files[relative] = (Path(staging) / relative).read_text()
    if files.get(MANIFEST):
        files[MANIFEST] = manifest(files, package, json.loads(files[MANIFEST])["notebook"])
        (Path(staging) / MANIFEST).write_text(files[MANIFEST])
    return found


def _env(staging) -> dict:
    import os
    from pathlib import Path

    src = str(Path(staging) / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "NBOPS_TRACKING": "0"}


def describe(package: str, targets) -> list[dict]:
    """What was generated for each target and how to submit it (shown in Lab's Productionize result)."""
    found = [
        {
            "name": "container",
            "files": ["Containerfile", "requirements.lock"],
            "submit": f"podman build -t {package.replace('_', '-')}:0.1.0 -f Containerfile .",
        }
    ]
    if "kfp" in targets:
        found.append(
            {
                "name": "kfp",
                "files": [f"src/{package}/kfp_pipeline.py", f"src/{package}/kfp_pipeline.yaml"],
                "submit": f"upload src/{package}/kfp_pipeline.yaml in the KFP UI, or "
                f"kfp.Client(host).create_run_from_pipeline_package('src/{package}/kfp_pipeline.yaml')",
            }
        )
    if "airflow" in targets:
        found.append(
            {
                "name": "airflow",
                "files": ["airflow_dag.py"],
                "submit": f"copy airflow_dag.py into the DAGs folder, then: airflow dags trigger {package}",
            }
        )
    return found
