"""Deep-learning autologging with the real frameworks: PyTorch Lightning, Keras 3 (torch
backend) and a Hugging Face ``Trainer``, each in the cached venv of ``dl_venv.py``.

Each framework trains a tiny model on random tensors for two epochs in a child process that
turns autologging on *before* importing the framework (the import hook patches it), logging
into a temporary store; the script prints what the framework itself reported (its callback
metrics, Keras's History, the Trainer's log history), and the tests compare the store to it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from nbops.store import open_store

from . import dl_venv

ROOT = Path(__file__).resolve().parents[2]

LIGHTNING = r"""
import json, warnings
import nbops
nbops.autolog(experiment="dl")
import torch
import lightning as L
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(64, 4)
y = (X.sum(dim=1, keepdim=True) > 0).float()
seen = []

class Net(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
    def training_step(self, batch, index):
        x, t = batch
        loss = F.binary_cross_entropy_with_logits(self.layer(x), t)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss
    def validation_step(self, batch, index):
        x, t = batch
        self.log("val_loss", F.binary_cross_entropy_with_logits(self.layer(x), t))
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.05, momentum=0.9)

class Witness(L.Callback):  # what Lightning itself holds at each epoch's end
    def on_train_epoch_end(self, trainer, module):
        seen.append({k: float(v) for k, v in trainer.callback_metrics.items()})

data = DataLoader(TensorDataset(X, y), batch_size=16)
trainer = L.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                    enable_model_summary=False, callbacks=[Witness()])
trainer.fit(Net(), data, data)

# min_delta 0.5: no epoch improves that much, so training stops after patience + 1 epochs
stopper = L.pytorch.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=0.5)
late = L.Trainer(max_epochs=6, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                 enable_model_summary=False, callbacks=[stopper])
late.fit(Net(), data, data)
print(json.dumps({"seen": seen, "stopped_epoch": stopper.stopped_epoch, "wait_count": stopper.wait_count,
                  "best_score": float(stopper.best_score), "callbacks": [type(c).__name__ for c in late.callbacks]}))
"""

KERAS = r"""
import json, warnings
import nbops
nbops.autolog(experiment="dl")
import keras
import numpy as np

keras.utils.set_random_seed(0)
X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
y = (X.sum(axis=1) > 0).astype("float32")

def model():
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return m

history = model().fit(X, y, epochs=2, batch_size=16, validation_split=0.25, verbose=0)

# A failure inside autologging is a warning; fit trains and returns as usual
from nbops.tracking import autolog_keras
def broken(state, model):
    raise RuntimeError("optimizer config unreadable")
autolog_keras._log_optimizer = broken
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    second = model().fit(X, y, epochs=2, batch_size=16, verbose=0)
warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning) and "nbops" in str(w.message)]
print(json.dumps({"history": history.history, "second": second.history, "warned": warned}))
"""

HF = r"""
import json, sys
import nbops
nbops.autolog(experiment="dl")
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

torch.manual_seed(0)
config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=32, max_position_embeddings=16, num_labels=2)
ids = torch.randint(0, 64, (32, 8))
rows = [{"input_ids": ids[i], "attention_mask": torch.ones(8, dtype=torch.long), "labels": int(ids[i, 0] % 2)}
        for i in range(32)]
args = TrainingArguments(output_dir=sys.argv[1], num_train_epochs=2, per_device_train_batch_size=8,
                         learning_rate=1e-3, logging_strategy="epoch", eval_strategy="epoch", save_strategy="no",
                         report_to="none", use_cpu=True, disable_tqdm=True, seed=0)
trainer = Trainer(model=BertForSequenceClassification(config), args=args, train_dataset=rows, eval_dataset=rows[:8])
trainer.train()
print(json.dumps(trainer.state.log_history))
"""


@pytest.fixture(scope="module")
def dl_python() -> Path:
    venv = dl_venv.venv()
    if not venv.ready():
        pytest.skip(f"the deep-learning venv is not built: run .ci/install-dl (it goes to {venv.folder})")
    return venv.executable()


@pytest.fixture(scope="module")
def trained(dl_python, tmp_path_factory) -> dict:
    """Run the three scripts once, side by side (torch's import dominates), each into its own
    store: {framework: (store, what it printed)}."""
    started = {}
    for name, script in (("lightning", LIGHTNING), ("keras", KERAS), ("hf", HF)):
        folder = tmp_path_factory.mktemp(name)
        env = dict(os.environ)
        env.update(
            NBOPS_HOME=str(folder / ".nbops"),
            PYTHONPATH=str(ROOT / "src"),
            KERAS_BACKEND="torch",
            HF_HUB_OFFLINE="1",  # nothing is downloaded: the model is built from a config
            OMP_NUM_THREADS="1",  # three tiny trainings share the cores
            PYTHONWARNINGS="ignore::DeprecationWarning,ignore::UserWarning",
        )
        command = [str(dl_python), "-c", script, str(folder / "out")]
        process = subprocess.Popen(
            command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started[name] = (folder, process)
    results = {}
    for name, (folder, process) in started.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"{name}: {err[-3000:]}"
        results[name] = (open_store(folder / ".nbops"), json.loads(out.strip().splitlines()[-1]))
    return results


def _runs(store) -> list[dict]:
    return sorted(store.runs.search(experiment="dl", limit=100).runs, key=lambda run: run["start_time"])


def _history(store, run_id: str, key: str) -> list[tuple[int, float]]:
    return [(step, value) for step, value, _ in store.metrics.history(run_id, key)]


def test_lightning_fit_logs_mlflow_params_and_epoch_metrics(trained):
    store, printed = trained["lightning"]
    seen = printed["seen"]
    run, _ = _runs(store)
    assert run["name"] == "Net" and run["status"] == "finished"
    params = run["params"]
    assert params["epochs"] == "2" and params["optimizer_name"] == "SGD"
    assert params["lr"] == "0.05" and params["momentum"] == "0.9"  # the optimizer's defaults, MLflow's keys
    assert {"weight_decay", "nesterov", "dampening"} <= set(params)
    assert set(run["metrics"]) == {"train_loss", "val_loss"} == set(seen[0])
    for key in ("train_loss", "val_loss"):
        assert _history(store, run["id"], key) == [(0, seen[0][key]), (1, seen[1][key])], key
    assert seen[1]["train_loss"] != seen[0]["train_loss"]  # two real epochs


def test_lightning_early_stopping_logs_its_params_and_where_it_stopped(trained):
    store, printed = trained["lightning"]
    _, run = _runs(store)
    params = run["params"]
    assert params["monitor"] == "val_loss" and params["mode"] == "min" and params["patience"] == "1"
    assert params["epochs"] == "6" and params["stopped_epoch"] == "0"  # as MLflow: the value before fit
    stopped = printed["stopped_epoch"]
    assert stopped > 0 and run["metrics"]["stopped_epoch"] == stopped
    assert run["metrics"]["restored_epoch"] == stopped - 1
    assert run["metrics"]["wait_count"] == printed["wait_count"]
    assert _history(store, run["id"], "best_score") == [(0, printed["best_score"])]
    assert len(_history(store, run["id"], "val_loss")) == stopped + 1
    # nbops's callback is gone once fit returns: a later fit without autologging logs nothing
    assert "EarlyStopping" in printed["callbacks"] and "NbopsAutolog" not in printed["callbacks"]


def test_keras_fit_logs_fit_args_optimizer_config_and_epoch_metrics(trained):
    store, printed = trained["keras"]
    first, second = _runs(store)
    assert first["name"] == "Sequential" and first["status"] == "finished"
    params = first["params"]
    assert params["epochs"] == "2" and params["batch_size"] == "16" and params["validation_split"] == "0.25"
    assert params["shuffle"] == "True" and params["initial_epoch"] == "0"
    assert params["optimizer_name"] == "adam" and float(params["optimizer_learning_rate"]) == pytest.approx(0.01)
    assert not {"x", "y", "callbacks", "validation_data", "verbose"} & set(params)
    history = printed["history"]
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    for key, values in history.items():
        assert _history(store, first["id"], key) == [(0, values[0]), (1, values[1])], key
    # each validation pass, as MLflow's callback logs it
    assert [value for _, value in _history(store, first["id"], "validation_loss")] == history["val_loss"]


def test_a_failure_inside_keras_autologging_is_a_warning_and_fit_still_trains(trained):
    store, printed = trained["keras"]
    _, second = _runs(store)
    assert len(printed["second"]["loss"]) == 2
    assert printed["warned"] and "optimizer config unreadable" in printed["warned"][0]
    assert second["status"] == "finished" and not any(k.startswith("optimizer_") for k in second["params"])
    assert [v for _, v in _history(store, second["id"], "loss")] == printed["second"]["loss"]


def test_hf_trainer_logs_training_arguments_model_config_and_logs_by_global_step(trained):
    store, log_history = trained["hf"]
    [run] = _runs(store)
    assert run["status"] == "finished"
    params = run["params"]
    assert params["num_train_epochs"] == "2" and params["learning_rate"] == "0.001"
    assert params["per_device_train_batch_size"] == "8" and params["seed"] == "0"
    assert params["hidden_size"] == "16" and params["model_type"] == "bert"  # from the model's config
    expected: dict[str, dict[int, float]] = {}  # a key logged twice at one step keeps the last value
    for logs in log_history:
        for key, value in logs.items():
            if isinstance(value, (int, float)) and key != "step":
                expected.setdefault(key, {})[logs["step"]] = float(value)
    assert {"loss", "eval_loss", "epoch", "train_runtime", "train_loss"} <= set(expected)
    assert set(run["metrics"]) == set(expected)
    for key, points in expected.items():
        assert _history(store, run["id"], key) == sorted(points.items()), key
    assert list(expected["loss"]) == [4, 8]  # 32 rows / 8 per batch, two epochs
