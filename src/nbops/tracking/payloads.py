"""Turning user objects into bytes and descriptions: figures, datasets, models.

Heavy libraries (pandas, numpy, plotly, matplotlib) are only touched when the user
passes one of their objects, so importing nbops stays fast.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

PLOTLY_MEDIA_TYPE = "application/vnd.plotly.v1+json"


def figure_bytes(figure: Any) -> tuple[bytes, str, str]:
    """(content, media type, file suffix) of a plotly or matplotlib figure."""
    module = type(figure).__module__
    if module.startswith("plotly"):
        return figure.to_json().encode(), PLOTLY_MEDIA_TYPE, ".plotly.json"
    savefig = getattr(figure, "savefig", None)
    if savefig is None and hasattr(figure, "get_figure"):  # a matplotlib Axes
        savefig = figure.get_figure().savefig
    if savefig is not None:
        import io

        buffer = io.BytesIO()
        savefig(buffer, format="png", bbox_inches="tight", dpi=110)
        return buffer.getvalue(), "image/png", ".png"
    raise InvalidValueError(f"log_figure got {type(figure).__name__}: pass a plotly Figure or a matplotlib Figure/Axes")


def describe_dataset(data: Any) -> dict[str, Any]:
    """Digest, rows, columns and schema of a DataFrame, numpy array or list of dicts."""
    kind = type(data).__module__.split(".")[0]
    if kind == "pandas" and hasattr(data, "dtypes"):
        return _describe_frame(data)
    if kind == "numpy" and hasattr(data, "shape"):
        return _describe_array(data)
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return _describe_records(data)
    raise InvalidValueError(
        f"log_dataset got {type(data).__name__}: pass a pandas DataFrame, a numpy array or a list of dicts"
    )


def _describe_frame(frame: pd.DataFrame) -> dict[str, Any]:
    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    schema = [{"name": str(c), "dtype": str(t)} for c, t in frame.dtypes.items()]
    return {"digest": digest.hexdigest(), "rows": int(len(frame)), "columns": len(schema), "schema": schema}


def _describe_array(array: np.ndarray[Any, Any]) -> dict[str, Any]:
    import pickle

    import numpy as np

    contiguous = np.ascontiguousarray(array)
    digest = hashlib.sha256(
        contiguous.view(np.uint8).reshape(-1).data if contiguous.dtype != object else pickle.dumps(contiguous)
    )
    digest.update(f"{array.dtype}{array.shape}".encode())
    columns = int(array.shape[1]) if array.ndim > 1 else 1
    schema = [{"name": str(i), "dtype": str(array.dtype)} for i in range(columns)]
    rows = int(array.shape[0]) if array.ndim else 1
    return {"digest": digest.hexdigest(), "rows": rows, "columns": columns, "schema": schema}


def _describe_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    encoded = json.dumps(records, sort_keys=True, default=str).encode()
    names: dict[str, str] = {}
    for row in records:
        for key, value in row.items():
            names.setdefault(str(key), type(value).__name__)
    schema = [{"name": n, "dtype": t} for n, t in names.items()]
    return {
        "digest": hashlib.sha256(encoded).hexdigest(),
        "rows": len(records),
        "columns": len(schema),
        "schema": schema,
    }


def model_bytes(model: Any) -> tuple[bytes, str]:
    """(pickled model, flavor) — the flavor names the library the object comes from."""
    import pickle

    try:
        content = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise InvalidValueError(
            f"register_model cannot pickle {type(model).__name__}: {exc}; pass a path to a saved model file instead"
        ) from None
    return content, type(model).__module__.split(".")[0]
