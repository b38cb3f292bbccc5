"""``%track`` and ``%%track``: notebook runs without boilerplate."""

from __future__ import annotations

import os

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.display import display

from .. import tracking
from ..errors import NbopsError
from ..tracking import capture
from . import arguments
from .display import LiveChart, summary_bundle
from .parameters import parameter_names


@magics_class
class TrackMagics(Magics):
    def __init__(self, shell):
        super().__init__(shell)
        self._line_run: tracking.Run | None = None
        if os.environ.get("NBOPS_AUTOLOG", "").strip().lower() in ("1", "true", "on", "yes"):
            _autolog(os.environ.get("NBOPS_AUTOLOG_EXPERIMENT") or None)

    @line_cell_magic
    def track(self, line: str, cell: str | None = None):
        """Track a run: ``%track EXPERIMENT`` / ``%track --end`` / ``%%track EXPERIMENT``."""
        try:
            args = arguments.parse(line, cell=cell is not None)
            if args.autolog:
                _autolog(args.experiment)
            if cell is not None:
                return self._track_cell(args, cell)
            if args.end:
                return self._end_line_run(args.status)
            return self._start_line_run(args)
        except NbopsError as exc:
            raise UsageError(exc.message) from None

    # -- %track ---------------------------------------------------------------------
    def _start_line_run(self, args: arguments.TrackArgs) -> None:
        if self._line_run is not None and self._line_run.status == "running":
            raise UsageError(f"run {self._line_run.id} is still active; end it with %track --end first")
        run = tracking.start_run(args.experiment, name=args.name, tags=args.tags)
        self._line_run = run
        print(f"nbops: tracking run {run.id} of {args.experiment!r}; end it with %track --end")

    def _end_line_run(self, status: str) -> None:
        run = self._line_run
        if run is None or run.status != "running":
            raise UsageError("no %track run is active; start one with %track EXPERIMENT")
        tracking.end_run(status, run=run)
        self._line_run = None
        _show_summary(run)

    # -- %%track ----------------------------------------------------------------------
    def _track_cell(self, args: arguments.TrackArgs, cell: str):
        user_ns = self.shell.user_ns
        names = (
            args.params if args.params is not None else parameter_names(capture.notebook_path(), user_ns.get("In", []))
        )
        missing = [n for n in names if n not in user_ns]
        if args.params is not None and missing:
            raise UsageError(f"--params names {', '.join(missing)}, not defined in the notebook yet")
        params = {n: user_ns[n] for n in names if n in user_ns}
        run = tracking.start_run(args.experiment, name=args.name, params=params, tags=args.tags)
        chart = LiveChart(display)
        run.add_metric_listener(chart)
        status = "failed"
        try:
            try:
                self._execute(cell)
            finally:  # the chart shows what the cell logged live, not the --metrics read after it
                run.remove_metric_listener(chart)
                chart.draw()
            _log_named_metrics(run, args.metrics, user_ns)
            status = "finished"
        except KeyboardInterrupt:
            status = "killed"
            raise
        finally:
            tracking.end_run(status, run=run)
            _show_summary(run)

    def _execute(self, cell: str) -> None:
        code = self.shell.transform_cell(cell)
        filename = self.shell.compile.cache(code, self.shell.execution_count)
        exec(compile(code, filename, "exec"), self.shell.user_ns)


def _autolog(experiment: str | None) -> None:
    """Fits inside the tracked run log into it; fits after it start runs in ``experiment``."""
    from ..tracking.autolog import DEFAULT_EXPERIMENT, autolog

    autolog(experiment=experiment or DEFAULT_EXPERIMENT)


def _log_named_metrics(run: tracking.Run, names: list[str], user_ns: dict) -> None:
    missing = [n for n in names if n not in user_ns]
    if missing:
        raise UsageError(f"--metrics names {', '.join(missing)}, not defined after the cell ran")
    for name in names:
        run.log_metric(name, user_ns[name])


def _show_summary(run: tracking.Run) -> None:
    display(summary_bundle(run.info()), raw=True)
