"""Sketches to and from JSON-able dicts and compact bytes (for a SQLite BLOB)."""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import Any

import numpy as np

from nbops.drift.categorical import CategoricalSketch
from nbops.drift.documents import EMBEDDING, TEXT, DocumentSketch
from nbops.drift.numeric import NumericSketch
from nbops.drift.reference import Sketch
from nbops.errors import InvalidValueError

FORMAT = 1
MAGIC = b"NBDS"


def sketch_to_dict(sketch: Sketch) -> dict[str, Any]:
    """A dict of plain lists, numbers and strings (strict JSON: no NaN or Infinity)."""
    return {
        "format": FORMAT,
        "rows": sketch.rows,
        "bins": sketch.bins,
        "top_k": sketch.top_k,
        "sources": sketch.sources,
        "columns": {name: _column_to_dict(sk) for name, sk in sketch.columns.items()},
    }


def sketch_from_dict(data: dict[str, Any]) -> Sketch:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidValueError(
            f"not a drift sketch of format {FORMAT}: expected a dict from sketch_to_dict, "
            f"got {type(data).__name__} with format {getattr(data, 'get', lambda k: None)('format')!r}"
        )
    cols = {name: _column_from_dict(name, d) for name, d in data["columns"].items()}
    return Sketch(cols, rows=data["rows"], sources=data.get("sources"), bins=data["bins"], top_k=data["top_k"])


def sketch_to_bytes(sketch: Sketch) -> bytes:
    return MAGIC + zlib.compress(json.dumps(sketch_to_dict(sketch), separators=(",", ":")).encode(), 6)


def sketch_from_bytes(blob: bytes) -> Sketch:
    if not isinstance(blob, (bytes, bytearray, memoryview)) or bytes(blob[:4]) != MAGIC:
        raise InvalidValueError("not a drift sketch: bytes must come from sketch_to_bytes")
    return sketch_from_dict(json.loads(zlib.decompress(bytes(blob[4:]))))


def _column_to_dict(sk) -> dict[str, Any]:
    if isinstance(sk, DocumentSketch):
        head = {"kind": sk.kind, "n": sk.n, "missing": sk.missing}
        if sk.kind == TEXT:
            return dict(head, documents=list(sk.items))
        vectors = np.ascontiguousarray(sk.items, dtype="<f4")
        return dict(head, dimensions=int(vectors.shape[1]), vectors=base64.b64encode(vectors.tobytes()).decode())
    if isinstance(sk, NumericSketch):
        return {
            "kind": sk.kind,
            "edges": [_num(x) for x in sk.edges.tolist()],
            "lo": _num(sk.lo),
            "hi": _num(sk.hi),
            "counts": sk.counts.tolist(),
            "sums": [_num(x) for x in sk.sums.tolist()],
            "missing": sk.missing,
            "posinf": sk.posinf,
            "neginf": sk.neginf,
            "below": sk.below,
            "above": sk.above,
            "min": _num(sk.min),
            "max": _num(sk.max),
            "mean": _num(sk.mean),
            "m2": _num(sk.m2),
        }
    return {
        "kind": sk.kind,
        "keys": list(sk.keys) if sk.kind == "categorical" else [_num(k) for k in sk.keys],
        "counts": sk.counts.tolist(),
        "other": sk.other,
        "unseen": sk.unseen,
        "missing": sk.missing,
        "closed": sk.closed,
    }


def _column_from_dict(name: str, d: dict[str, Any]):
    kind = d.get("kind")
    if kind == "continuous":
        return NumericSketch(
            np.array([_unnum(x) for x in d["edges"]], dtype=np.float64),
            _unnum(d["lo"]),
            _unnum(d["hi"]),
            np.array(d["counts"], dtype=np.int64),
            np.array([_unnum(x) for x in d["sums"]], dtype=np.float64),
            missing=d["missing"],
            posinf=d["posinf"],
            neginf=d["neginf"],
            below=d["below"],
            above=d["above"],
            min=_unnum(d["min"]),
            max=_unnum(d["max"]),
            mean=_unnum(d["mean"]),
            m2=_unnum(d["m2"]),
        )
    if kind in ("categorical", "discrete", "boolean"):
        keys = tuple(d["keys"]) if kind == "categorical" else tuple(_unnum(k) for k in d["keys"])
        return CategoricalSketch(
            kind,
            keys,
            np.array(d["counts"], dtype=np.int64),
            other=d["other"],
            unseen=d["unseen"],
            missing=d["missing"],
            closed=d["closed"],
        )
    if kind == TEXT:
        return DocumentSketch(TEXT, list(d["documents"]), d["n"], d["missing"])
    if kind == EMBEDDING:
        flat = np.frombuffer(base64.b64decode(d["vectors"]), dtype="<f4")
        vectors = flat.reshape(-1, d["dimensions"]) if d["dimensions"] else np.zeros((0, 0), np.float32)
        return DocumentSketch(EMBEDDING, vectors, d["n"], d["missing"])
    raise InvalidValueError(
        f"column {name!r} has sketch kind {kind!r}: valid kinds are continuous, categorical, discrete, boolean, "
        "text, embedding"
    )


def _num(x: float) -> float | str:
    # strict JSON has no NaN/Infinity: spell them as strings
    return x if math.isfinite(x) else repr(float(x))


def _unnum(x: float | str) -> float:
    return float(x)
