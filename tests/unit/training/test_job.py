"""run_job(): from request to final status; every failure is a `status: failed` event, never an exception."""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import pytest
import torch

from layerlab.settings import Settings
from layerlab.training import job
from layerlab.training.control import RunControl
from layerlab.training.events import Event
from layerlab.training.job import request_issues, run_job
from layerlab.training.request import RunRequest


def _mlp(
    units: int = 2, activation: str = "softmax", hidden: int = 8, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    nodes = [
        {"id": "in", "type": "Input"},
        {"id": "h", "type": "Dense", "params": {"units": hidden, "activation": "tanh"}},
        {"id": "out", "type": "Dense", "params": {"units": units, "activation": activation}},
        *(extra or []),
    ]
    edges = [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}]
    return {"version": 1, "nodes": nodes, "edges": edges}


def _request(graph: dict[str, Any] | None = None, dataset: Any = None, **training: Any) -> RunRequest:
    settings: dict[str, Any] = {"epochs": 1, "batch_size": 32, "learning_rate": 0.05, "boundary_resolution": 10}
    settings.update(training)
    return RunRequest.model_validate(
        {"graph": graph or _mlp(), "dataset": dataset or {"name": "xor", "params": {"n": 200}}, "training": settings}
    )


def _run(request: RunRequest, settings: Settings, **kwargs: Any) -> tuple[str, list[Event]]:
    events: list[Event] = []
    state = run_job(request, run_id="run-7", emit=events.append, settings=settings, **kwargs)
    return state, events


def test_a_tiny_2d_run_streams_a_gap_free_sequence_ending_completed(settings: Settings) -> None:
    state, events = _run(_request(), settings, first_seq=5)
    assert state == "completed"
    assert [e.seq for e in events] == list(range(5, 5 + len(events)))
    types = [e.type for e in events]
    assert types[0] == "status" and types[1] == "step"
    assert types[-6:] == ["epoch", "confusion_matrix", "decision_boundary", "evaluation", "confusion_matrix", "status"]
    assert set(types[1:-6]) <= {"step", "activations", "weights", "gradients"}  # telemetry snapshots between steps
    running, final = events[0], events[-1]
    assert running.type == "status" and running.status == "running" and running.device == "cpu"
    assert running.epochs == 1 and running.steps_per_epoch is not None and running.steps_per_epoch >= 1
    assert final.type == "status" and final.status == "completed" and final.code is None
    boundary = next(e for e in events if e.type == "decision_boundary")
    assert boundary.type == "decision_boundary"
    assert boundary.resolution == 10 and len(boundary.grid) == 10 and all(len(row) == 10 for row in boundary.grid)
    assert {v for row in boundary.grid for v in row} <= {0.0, 1.0}
    assert boundary.probabilities is not None and all(0.5 <= p <= 1.0 for row in boundary.probabilities for p in row)
    assert 0 < len(boundary.points) <= 400
    assert boundary.x_range[0] < boundary.x_range[1]


def test_regression_on_a_2d_set_sends_predicted_values_as_the_boundary(settings: Settings) -> None:
    request = _request(_mlp(units=1, activation="none"), {"name": "plane", "params": {"n": 200}}, epochs=2)
    state, events = _run(request, settings)
    assert state == "completed"
    boundary = [e for e in events if e.type == "decision_boundary"][-1]
    assert boundary.type == "decision_boundary" and boundary.probabilities is None
    epoch = next(e for e in events if e.type == "epoch")
    assert epoch.type == "epoch" and set(epoch.val) == {"loss", "mse", "mae", "r2"}
    assert "confusion_matrix" not in {e.type for e in events}


def _only_failure(events: list[Event]) -> Any:
    assert len(events) == 1 and events[0].type == "status" and events[0].status == "failed"
    return events[0]


def test_unknown_dataset_fails_with_its_code(settings: Settings) -> None:
    state, events = _run(_request(dataset="nope"), settings)
    failed = _only_failure(events)
    assert state == "failed" and failed.code == "unknown_dataset" and "spiral" in failed.message


def test_invalid_graph_fails_naming_the_node(settings: Settings) -> None:
    graph = _mlp(extra=[{"id": "bad", "type": "NoSuchLayer"}])
    graph["edges"].append({"source": "out", "target": "bad"})
    _, events = _run(_request(graph), settings)
    failed = _only_failure(events)
    assert failed.code == "invalid_graph" and failed.node_id == "bad"


def test_loss_that_does_not_fit_the_task_fails_clearly(settings: Settings) -> None:
    request = _request(_mlp(units=1, activation="none"), {"name": "plane"}, loss="cross_entropy")
    _, events = _run(request, settings)
    failed = _only_failure(events)
    assert failed.code == "loss_task_mismatch" and "regression" in failed.message and failed.hint


def test_output_size_must_match_the_number_of_classes(settings: Settings) -> None:
    _, events = _run(_request(_mlp(units=3)), settings)
    failed = _only_failure(events)
    assert failed.code == "output_size_mismatch" and failed.node_id == "out"
    assert '"units"' in failed.hint and "2" in failed.hint


def test_limits_are_enforced_with_the_field_named(settings: Settings) -> None:
    tight = settings.model_copy(update={"max_epochs": 3, "max_batch_size": 16})
    _, events = _run(_request(epochs=4), tight)
    assert _only_failure(events).code == "limit_exceeded"
    issues = request_issues(_request(epochs=4, batch_size=64, loss="mse"), tight)
    assert [i.field for i in issues] == ["training.epochs"]  # one limit error at a time, then the graph's
    issues = request_issues(_request(batch_size=64), tight)
    assert [(i.code, i.field) for i in issues] == [("limit_exceeded", "training.batch_size")]


def test_request_issues_lists_every_graph_problem_at_once(settings: Settings) -> None:
    assert request_issues(_request(), settings) == []
    issues = request_issues(_request(_mlp(units=5), "wine"), settings)
    assert [i.code for i in issues] == ["output_size_mismatch"]
    assert issues[0].field == "units" and issues[0].node_id == "out"
    issues = request_issues(_request(dataset="nope"), settings)
    assert issues[0].code == "unknown_dataset"


def test_diverging_run_fails_with_non_finite_loss(settings: Settings) -> None:
    request = _request(
        _mlp(units=1, activation="none", hidden=32), {"name": "plane", "params": {"n": 400}},
        optimizer="sgd", learning_rate=10.0, momentum=0.9, epochs=20,
    )  # fmt: skip
    state, events = _run(request, settings)
    final = events[-1]
    assert state == "failed" and final.type == "status" and final.code == "non_finite_loss"
    assert final.message is not None and final.hint is not None
    assert "epoch" in final.message and "learning rate" in final.hint.lower()
    epochs = [e for e in events if e.type == "epoch"]
    assert all(math.isfinite(v) for e in epochs for v in [*e.train.values(), *e.val.values()])


def test_unexpected_errors_become_internal_error_and_are_logged(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(job, "compile_graph", broken)
    with caplog.at_level(logging.ERROR, logger="layerlab.training.job"):
        _, events = _run(_request(), settings)
    failed = _only_failure(events)
    assert failed.code == "internal_error" and "ZeroDivisionError" in failed.message
    assert "Traceback" not in failed.message
    assert any("run-7" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_fails_device_unavailable(settings: Settings) -> None:
    _, events = _run(_request(device="cuda"), settings)
    assert _only_failure(events).code == "device_unavailable"


def test_stop_from_another_thread_ends_the_run_stopped(settings: Settings) -> None:
    control = RunControl()
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if event.type == "step":
            threading.Thread(target=control.stop).start()

    state = run_job(_request(epochs=50), run_id="r", emit=emit, settings=settings, control=control)
    assert state == "stopped"
    assert events[-1].type == "status" and events[-1].status == "stopped"
    assert "evaluation" not in {e.type for e in events}


def test_pause_then_resume_emits_paused_and_running(settings: Settings) -> None:
    control = RunControl()
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        if event.type == "step" and event.step == 1:
            control.pause()
        if event.type == "status" and event.status == "paused":
            threading.Timer(0.05, control.resume).start()

    state = run_job(_request(epochs=1), run_id="r", emit=emit, settings=settings, control=control)
    statuses = [e.status for e in events if e.type == "status"]
    assert state == "completed" and statuses == ["running", "paused", "running", "completed"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_same_seed_same_run_through_the_whole_job(settings: Settings) -> None:
    def losses(seed: int) -> list[float]:
        _, events = _run(_request(epochs=2, seed=seed), settings)
        return [e.train["loss"] for e in events if e.type == "epoch"]

    assert losses(3) == losses(3)
    assert losses(3) != losses(4)
