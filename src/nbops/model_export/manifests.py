"""The files serving engines read beside an MLflow model directory: MLServer's
``model-settings.json`` and a KServe ``InferenceService`` manifest."""

from __future__ import annotations

import json
import re

from ..errors import InvalidValueError

MLSERVER_RUNTIME = "mlserver_mlflow.MLflowRuntime"
KSERVE_API_VERSION = "serving.kserve.io/v1beta1"
#: Where KServe fetches the model from unless the user says: a placeholder that fails loudly.
STORAGE_PLACEHOLDER = "s3://CHANGE-ME/{name}/v{version}"
STORAGE_SCHEMES = ("gs://", "s3://", "pvc://", "hdfs://", "webhdfs://", "https://", "http://", "oci://", "hf://")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
KSERVE_NAME_LIMIT = 45  # KServe derives longer Knative/Service names from it (limit 63)


def mlserver_settings(name: str, version: int, model_dir: str) -> str:
    """``model-settings.json``: MLServer's MLflow runtime loading ``model_dir`` (relative to this file)."""
    return (
        json.dumps(
            {
                "name": service_name(name),
                "implementation": MLSERVER_RUNTIME,
                "parameters": {"uri": f"./{model_dir}", "version": f"v{version}"},
            },
            indent=2,
        )
        + "\n"
    )


def kserve_manifest(name: str, version: int, storage_uri: str | None) -> str:
    """An ``InferenceService`` with the ``mlflow`` model format over the V2 protocol."""
    import yaml

    uri = storage_uri or STORAGE_PLACEHOLDER.format(name=service_name(name), version=version)
    if not uri.startswith(STORAGE_SCHEMES):
        raise InvalidValueError(
            f"storage URI {uri!r} is not valid: KServe reads models from "
            f"{', '.join(s.rstrip(':/') for s in STORAGE_SCHEMES)} URIs, e.g. s3://bucket/churn/v3"
        )
    service = {
        "apiVersion": KSERVE_API_VERSION,
        "kind": "InferenceService",
        "metadata": {"name": service_name(name), "annotations": {"nbops/model": name, "nbops/version": str(version)}},
        "spec": {
            "predictor": {"model": {"modelFormat": {"name": "mlflow"}, "protocolVersion": "v2", "storageUri": uri}}
        },
    }
    header = (
        "# KServe InferenceService for nbops model {0!r} version {1}.\n"
        "# Upload the model/ folder beside this file to storageUri, then: kubectl apply -f {2}\n"
    )
    return header.format(name, version, "inference-service.yaml") + yaml.safe_dump(service, sort_keys=False)


def service_name(name: str) -> str:
    """A DNS-1035 label from a model name (KServe and MLServer URLs need one): ``Churn model`` -> ``churn-model``."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    label = re.sub(r"^[^a-z]+", "", label)[:KSERVE_NAME_LIMIT].rstrip("-")
    if not _DNS_LABEL.match(label):
        raise InvalidValueError(
            f"model name {name!r} has no letters to name a service with: register it under a "
            "name with letters, e.g. churn"
        )
    return label
