"""IPython integration: ``%load_ext nbops`` registers ``%track`` / ``%%track``."""

from __future__ import annotations

from .track import TrackMagics


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(TrackMagics)


def unload_ipython_extension(ipython) -> None:
    magics = ipython.magics_manager.registry.pop("TrackMagics", None)
    if magics is not None:
        for kind in ("line", "cell"):
            ipython.magics_manager.magics[kind].pop("track", None)
