"""Asking a trained run: weights on disk (safetensors, atomic), the rebuilt model, activations, saliency, the gallery."""

from __future__ import annotations

import base64
import errno
import logging
from pathlib import Path
from typing import Any

import pytest
import torch

from layerlab.datasets import DatasetSplits, load_dataset
from layerlab.graph import compile_graph
from layerlab.settings import Settings
from layerlab.training.callbacks import Callback, TrainState
from layerlab.training.config import TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.engine import fit
from layerlab.training.events import Event
from layerlab.training.inference import (
    InputError,
    ModelCache,
    coerce_inputs,
    gallery_index,
    load_split,
    monitor_split_size,
    predict,
)
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest
from layerlab.training.weights import WeightsProducer, load_weights, read_error, read_meta, weights_path

CONV_GRAPH = {
    "nodes": [
        {"id": "in", "type": "Input"},
        {
            "id": "conv",
            "type": "Conv2D",
            "params": {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
        },
        {"id": "flat", "type": "Flatten"},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [
        {"source": "in", "target": "conv"},
        {"source": "conv", "target": "flat"},
        {"source": "flat", "target": "out"},
    ],
}
MLP_GRAPH = {
    "nodes": [
        {"id": "in", "type": "Input"},
        {"id": "h", "type": "Dense", "params": {"units": 16, "activation": "tanh"}},
        {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
}


def _request(graph: dict[str, Any], dataset: Any, **training: Any) -> RunRequest:
    config = {"epochs": 2, "batch_size": 32, "learning_rate": 0.05, "seed": 3, "boundary_resolution": 10, **training}
    return RunRequest.model_validate({"graph": graph, "dataset": dataset, "training": config})


def _train(request: RunRequest, settings: Settings, run_id: str = "run-a") -> list[Event]:
    events: list[Event] = []
    assert run_job(request, run_id=run_id, emit=events.append, settings=settings) == "completed"
    return events


def test_a_finished_run_leaves_its_final_weights_and_the_rebuilt_model_predicts_as_the_trained_one(
    settings: Settings,
) -> None:
    request = _request(MLP_GRAPH, {"name": "spiral", "params": {"n": 200}})
    _train(request, settings)
    path = weights_path(settings.home, "run-a")
    meta = read_meta(path)
    assert (
        meta.final and meta.epoch == 2 and meta.input_shape == (2,) and meta.seed == 3 and meta.task == "classification"
    )
    assert not list(path.parent.glob("*.tmp"))  # written through a temporary file, renamed
    loaded = ModelCache().get("run-a", path, request)
    reference = compile_graph(request.graph, (2,))
    tensors, _ = load_weights(path)
    reference.load_state_dict(tensors)
    reference.eval()
    x = torch.tensor([[0.5, -1.0], [2.0, 2.0], [-3.0, 0.1]])
    answer = predict(loaded, x)
    with torch.no_grad():
        expected = reference.predict(x)
    assert answer["predictions"] == expected.argmax(dim=1).tolist()
    assert torch.allclose(torch.tensor(answer["probabilities"]), expected, atol=1e-5)
    assert answer["labels"] == ["0", "1"] or len(answer["labels"]) == 2
    assert set(answer["activations"][0]) == {"in", "h", "out"}
    hidden = answer["activations"][1]["h"]
    assert len(hidden.values) == 16 and hidden.min <= hidden.mean <= hidden.max
    assert answer["saliency"] is None


def test_early_stopping_and_a_user_stop_also_save_weights(settings: Settings) -> None:
    request = _request(MLP_GRAPH, {"name": "xor", "params": {"n": 200}}, epochs=30,
                       early_stopping={"monitor": "val_loss", "patience": 1, "min_delta": 10.0})  # fmt: skip
    _train(request, settings, "early")
    assert read_meta(weights_path(settings.home, "early")).final

    control = RunControl()
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if event.type == "step":
            control.stop()

    stopped = _request(MLP_GRAPH, {"name": "xor", "params": {"n": 200}}, epochs=5)
    assert run_job(stopped, run_id="stopped", emit=emit, settings=settings, control=control) == "stopped"
    assert read_meta(weights_path(settings.home, "stopped")).final


def test_epochs_save_at_most_every_interval() -> None:
    now = [0.0]
    producer = WeightsProducer(Path("/nonexistent"), "r", interval_s=5.0, clock=lambda: now[0])
    saves: list[bool] = []
    producer._save = lambda state, *, final: saves.append(final)  # type: ignore[method-assign]
    state = TrainState(step=1, epochs=10)
    producer.on_train_start(state)
    for t in (0.0, 1.0, 4.9, 5.0, 6.0, 10.5):
        now[0] = t
        producer.on_epoch_end(state)
    producer.on_train_end(state)
    assert saves == [False, False, False, True]


def test_the_last_epoch_is_written_once_as_the_final_file() -> None:
    producer = WeightsProducer(Path("/nonexistent"), "r", interval_s=5.0, clock=lambda: 0.0)
    saves: list[bool] = []
    producer._save = lambda state, *, final: saves.append(final)  # type: ignore[method-assign]
    state = TrainState(step=1, epochs=1, epoch=1)
    producer.on_train_start(state)
    producer.on_epoch_end(state)
    producer.on_train_end(state)
    assert saves == [True]


def test_a_disk_error_while_saving_is_logged_and_the_run_still_completes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("layerlab.training.weights.save_file", full_disk)
    with caplog.at_level(logging.ERROR, logger="layerlab.training.weights"):
        events = _train(_request(MLP_GRAPH, {"name": "xor", "params": {"n": 200}}), settings, "full")
    assert events[-1].type == "status" and events[-1].status == "completed"
    assert not weights_path(settings.home, "full").exists()
    assert "No space left on device" in (read_error(settings.home, "full") or "")
    assert any("No space left" in r.getMessage() for r in caplog.records)


def test_the_warm_up_run_keeps_nothing(settings: Settings) -> None:
    _train(_request(MLP_GRAPH, {"name": "xor", "params": {"n": 100}}, epochs=1), settings, "warm-up")
    assert not (settings.home / "runs").exists()


def test_conv_nodes_send_quantized_feature_maps_and_saliency_has_the_input_shape(settings: Settings) -> None:
    request = _request(CONV_GRAPH, "digits", epochs=1)
    _train(request, settings, "conv")
    loaded = ModelCache().get("conv", weights_path(settings.home, "conv"), request)
    digit = load_split(request, loaded.meta, settings, "test").x[:2]  # (2, 1, 8, 8) in [0, 1]
    answer = predict(loaded, digit, saliency=True)
    maps = answer["activations"][0]["conv"].feature_maps_q
    assert maps.shape == [4, 8, 8] and len(base64.b64decode(maps.data)) == 4 * 8 * 8
    assert answer["activations"][0]["conv"].values is None
    assert len(answer["activations"][0]["flat"].values) == 256 and "256 of 256" not in (
        answer["activations"][0]["flat"].omitted or ""
    )
    saliency = answer["saliency"]
    assert len(saliency) == 2 and saliency[0].shape == [1, 8, 8]
    raw = base64.b64decode(saliency[0].data)
    assert len(raw) == 64 and max(raw) == 255 and saliency[0].high == pytest.approx(1.0)

    again = predict(loaded, digit, saliency=True, target=3)
    assert again["saliency"][0].data != saliency[0].data or answer["predictions"][0] == 3
    with pytest.raises(InputError) as info:
        predict(loaded, digit, target=10)
    assert info.value.field == "target"


def test_inputs_take_the_sample_shape_without_leading_ones_or_flat_and_name_a_wrong_one() -> None:
    shape = (1, 8, 8)
    batch = coerce_inputs([[0.0] * 64, [[0.5] * 8] * 8, [[[1.0] * 8] * 8]], shape)
    assert batch.shape == (3, 1, 8, 8) and float(batch[2].min()) == 1.0
    with pytest.raises(InputError) as info:
        coerce_inputs([[0.0] * 64, [0.0] * 63], shape)
    assert info.value.field == "inputs[1]" and "(63,)" in info.value.message and "(1, 8, 8)" in info.value.message
    with pytest.raises(InputError) as ragged:
        coerce_inputs([[1.0, [2.0]]], (2,))
    assert ragged.value.field == "inputs[0]"


def test_the_gallery_puts_misclassified_examples_first_then_the_least_confident(settings: Settings) -> None:
    request = _request(MLP_GRAPH, {"name": "spiral", "params": {"n": 300}}, epochs=1, learning_rate=0.01)
    _train(request, settings, "gal")
    loaded = ModelCache().get("gal", weights_path(settings.home, "gal"), request)
    split = load_split(request, loaded.meta, settings, "test")
    index = gallery_index(loaded, split)
    order = index.order.tolist()
    wrong = [bool(index.labels[i] != index.predicted[i]) for i in order]
    assert 0 < sum(wrong) < len(order)  # an undertrained spiral gets some right, some wrong
    assert wrong == sorted(wrong, reverse=True)
    first_right = wrong.index(False)
    confidences = [float(index.confidence[i]) for i in order]
    assert confidences[:first_right] == sorted(confidences[:first_right])
    assert confidences[first_right:] == sorted(confidences[first_right:])
    decoded = base64.b64decode(index.input(order[0]).data)
    assert len(decoded) == 2


def test_the_monitor_split_is_the_validation_split_or_the_held_out_part_of_train(settings: Settings) -> None:
    spiral = _request(MLP_GRAPH, {"name": "spiral", "params": {"n": 300}})
    assert monitor_split_size(spiral, settings) == len(load_dataset(spiral.dataset, settings, seed=1).val)
    assert monitor_split_size(_request(MLP_GRAPH, "digits"), settings) == len(
        load_dataset(spiral.dataset.model_copy(update={"name": "digits", "params": {}}), settings).val
    )


def test_the_engine_takes_a_new_probe_index_between_batches(classification: DatasetSplits, tiny_net: Any) -> None:
    control = RunControl()
    seen: list[int] = []

    class Record(Callback):
        def on_batch_end(self, state: TrainState) -> None:
            seen.append(state.probe_index)
            if state.step == 2:
                control.set_probe_index(5)

    fit(tiny_net(4, 3), classification, TrainConfig(epochs=1, batch_size=16, seed=0), [Record()], control=control)
    assert seen[:2] == [0, 0] and set(seen[2:]) == {5} and len(seen) > 3


def test_the_probe_starts_at_training_probe_index(classification: DatasetSplits, tiny_net: Any) -> None:
    seen: list[int] = []

    class Record(Callback):
        def on_batch_end(self, state: TrainState) -> None:
            seen.append(state.probe_index)

    fit(tiny_net(4, 3), classification, TrainConfig(epochs=1, batch_size=32, seed=0, probe_index=7), [Record()])
    assert seen and set(seen) == {7}
