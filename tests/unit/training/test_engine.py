"""fit(): the loop, its events, seeds, optimizers, losses, schedules, regularization, controls, failures."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split
from layerlab.errors import NonFiniteLossError, OutOfMemoryError
from layerlab.training.callbacks import Callback, EventEmitter, StopReason, TrainState
from layerlab.training.config import EarlyStoppingConfig, TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.engine import fit
from layerlab.training.events import Event

MakeData = Callable[..., DatasetSplits]


def _without_val(data: DatasetSplits) -> DatasetSplits:
    return DatasetSplits(data.info, data.train, Split(data.val.x[:0], data.val.y[:0]), data.test)


def _losses(state: TrainState) -> list[float]:
    return [h["loss"] for h in state.history]


def _train(
    net: Any, data: DatasetSplits, callbacks: list[Any] | None = None, control: RunControl | None = None, **config: Any
) -> TrainState:
    settings: dict[str, Any] = {"epochs": 2, "batch_size": 16, "learning_rate": 0.05, "device": "cpu"}
    settings.update(config)
    return fit(net, data, TrainConfig(**settings), callbacks or [], control=control)


def test_one_epoch_emits_the_exact_event_sequence(
    tiny_net: Any, classification: DatasetSplits, manual_clock: Any
) -> None:
    events: list[Event] = []
    emitter = EventEmitter("run-1", events.append, first_seq=1, clock=manual_clock(step_s=0.0))
    torch.manual_seed(0)
    state = _train(tiny_net(4, 3), classification, [emitter], epochs=1)
    emitter.emit_status("completed")
    # a clock that never moves: only the first step is sent
    assert [e.type for e in events] == [
        "status", "step", "epoch", "confusion_matrix", "evaluation", "confusion_matrix", "status",
    ]  # fmt: skip
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.run_id for e in events} == {"run-1"}
    running, step, epoch, cm_val, evaluation, cm_test, final = events
    assert running.type == "status" and running.status == "running"
    assert running.device == "cpu" and running.epochs == 1 and running.steps_per_epoch == 6
    assert step.type == "step" and step.step == 1 and step.epoch == 1
    assert epoch.type == "epoch" and set(epoch.train) == {"loss", "accuracy"}
    assert set(epoch.val) == {"loss", "accuracy", "precision", "recall", "f1"}
    assert cm_val.type == "confusion_matrix" and cm_val.split == "val" and cm_val.labels == ["c0", "c1", "c2"]
    assert sum(map(sum, cm_val.matrix)) == len(classification.val)
    assert evaluation.type == "evaluation" and {"loss", "accuracy", "f1", "per_class"} <= set(evaluation.metrics)
    assert cm_test.type == "confusion_matrix" and cm_test.split == "test"
    assert final.type == "status" and final.status == "completed"
    assert state.step == 6 and state.stop_reason is None


def test_step_events_are_throttled_by_time(tiny_net: Any, classification: DatasetSplits, manual_clock: Any) -> None:
    events: list[Event] = []
    # every clock read moves 0.06 s; at 10 events/s roughly every other step is sent
    emitter = EventEmitter("r", events.append, step_events_per_s=10.0, clock=manual_clock(step_s=0.06))
    _train(tiny_net(4, 3), classification, [emitter], epochs=2)
    steps = [e.step for e in events if e.type == "step"]
    assert steps[0] == 1
    assert 3 <= len(steps) < 12  # 12 batches in all, never every one
    assert sum(e.type == "epoch" for e in events) == 2


def test_same_seed_same_losses_other_seed_other_losses(tiny_net: Any, classification: DatasetSplits) -> None:
    def run(seed: int) -> list[float]:
        torch.manual_seed(seed)
        return _losses(_train(tiny_net(4, 3, hidden=16), classification, seed=seed, epochs=2))

    assert run(7) == run(7)
    assert run(7) != run(8)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_optimizer_lowers_the_loss(tiny_net: Any, classification: DatasetSplits, optimizer: str) -> None:
    torch.manual_seed(0)
    lr = {"sgd": 0.1, "adagrad": 0.1}.get(optimizer, 0.01)
    state = _train(tiny_net(4, 3), classification, optimizer=optimizer, learning_rate=lr, epochs=4)
    assert state.history[-1]["loss"] < state.history[0]["loss"]


def test_sgd_nesterov_trains(tiny_net: Any, classification: DatasetSplits) -> None:
    state = _train(tiny_net(4, 3), classification, optimizer="sgd", nesterov=True, momentum=0.9, epochs=3)
    assert state.history[-1]["loss"] < state.history[0]["loss"]


@pytest.mark.parametrize(
    ("loss", "final_activation", "outputs"),
    [
        ("cross_entropy", "softmax", 3),
        ("cross_entropy", "sigmoid", 3),
        ("binary_cross_entropy", None, 3),
        ("binary_cross_entropy", "softmax", 3),
        ("mse", "softmax", 3),
        ("mae", None, 3),
        ("huber", "sigmoid", 3),
    ],
)
def test_every_loss_trains_a_classifier(
    tiny_net: Any, classification: DatasetSplits, loss: str, final_activation: str | None, outputs: int
) -> None:
    torch.manual_seed(0)
    state = _train(tiny_net(4, outputs, final_activation), classification, loss=loss, epochs=4, learning_rate=0.05)
    assert state.history[-1]["loss"] < state.history[0]["loss"]
    assert state.test is not None and 0.0 <= state.test.metrics["accuracy"] <= 1.0


def test_binary_cross_entropy_with_one_output_unit(tiny_net: Any, make_data: MakeData) -> None:
    data = make_data(classes=2)
    torch.manual_seed(0)
    state = _train(tiny_net(4, 1, "sigmoid"), data, loss="binary_cross_entropy", epochs=5)
    assert state.test is not None and state.test.metrics["accuracy"] > 0.8


@pytest.mark.parametrize("loss", ["auto", "mse", "mae", "huber"])
def test_regression_losses_train_and_report_regression_metrics(
    tiny_net: Any, regression: DatasetSplits, loss: str
) -> None:
    torch.manual_seed(0)
    state = _train(tiny_net(3, 1, None), regression, loss=loss, epochs=5, learning_rate=0.02)
    assert state.history[-1]["loss"] < state.history[0]["loss"]
    assert {"val_loss", "val_mse", "val_mae", "val_r2"} <= set(state.history[-1])
    assert state.test is not None and set(state.test.metrics) == {"loss", "mse", "mae", "r2"}


def test_softmax_output_trains_exactly_like_logits(tiny_net: Any, classification: DatasetSplits) -> None:
    torch.manual_seed(3)
    with_softmax = tiny_net(4, 3, "softmax")
    logits = tiny_net(4, 3, None)
    logits.load_state_dict(with_softmax.state_dict())
    a = _train(with_softmax, classification, loss="cross_entropy", epochs=2)
    b = _train(logits, classification, loss="cross_entropy", epochs=2)
    assert _losses(a) == _losses(b)
    for p, q in zip(with_softmax.parameters(), logits.parameters(), strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("constant", [0.1, 0.1, 0.1, 0.1]),
        ("step", [0.1, 0.1, 0.05, 0.05]),
        ("cosine", [0.1, 0.1 * (1 + 2**-0.5) / 2, 0.05, 0.1 * (1 - 2**-0.5) / 2]),
    ],
)
def test_learning_rate_schedules_change_the_rate_per_epoch(
    tiny_net: Any, classification: DatasetSplits, schedule: str, expected: list[float]
) -> None:
    seen: list[float] = []

    class Spy(EventEmitter):
        def on_epoch_end(self, state: TrainState) -> None:
            seen.append(state.lr)

    spy = Spy("r", lambda e: None)
    _train(
        tiny_net(4, 3), classification, [spy], lr_schedule=schedule, learning_rate=0.1, step_size=2, gamma=0.5, epochs=4
    )
    assert seen == pytest.approx(expected)


def test_l1_shrinks_the_weights(tiny_net: Any, classification: DatasetSplits) -> None:
    torch.manual_seed(0)
    plain, sparse = tiny_net(4, 3), tiny_net(4, 3)
    sparse.load_state_dict(plain.state_dict())
    _train(plain, classification, optimizer="sgd", momentum=0.0, epochs=3)
    _train(sparse, classification, optimizer="sgd", momentum=0.0, epochs=3, l1=0.05)
    # each SGD step moves every weight lr * l1 = 0.0025 towards zero: 18 steps × 32 weights ≈ 1.4
    assert float(sparse[0].weight.detach().abs().sum()) < float(plain[0].weight.detach().abs().sum()) - 1.0


def test_l2_weight_decay_shrinks_weights(tiny_net: Any, classification: DatasetSplits) -> None:
    torch.manual_seed(0)
    plain, decayed = tiny_net(4, 3), tiny_net(4, 3)
    decayed.load_state_dict(plain.state_dict())
    _train(plain, classification, optimizer="sgd", momentum=0.0, epochs=3)
    _train(decayed, classification, optimizer="sgd", momentum=0.0, epochs=3, l2=0.5)
    assert decayed[0].weight.norm() < plain[0].weight.norm()


def test_early_stopping_stops_with_its_reason_and_restores_the_best_weights(
    tiny_net: Any, classification: DatasetSplits
) -> None:
    torch.manual_seed(0)
    net = tiny_net(4, 3)
    # min_delta so large that nothing after the first epoch counts as an improvement
    early = EarlyStoppingConfig(monitor="val_loss", patience=2, min_delta=100.0, restore_best_weights=True)
    first: dict[str, torch.Tensor] = {}

    class Snapshot(EventEmitter):
        def on_epoch_end(self, state: TrainState) -> None:
            if state.epoch == 1:
                first.update({k: v.clone() for k, v in net.state_dict().items()})

    state = _train(net, classification, [Snapshot("r", lambda e: None)], early_stopping=early, epochs=10)
    assert state.should_stop and state.stop_reason is StopReason.EARLY_STOPPING
    assert len(state.history) == 3
    for key, value in net.state_dict().items():
        assert torch.equal(value, first[key])


def test_early_stopping_on_a_missing_metric_lists_the_choices(tiny_net: Any, classification: DatasetSplits) -> None:
    data = _without_val(classification)
    early = EarlyStoppingConfig(monitor="val_accuracy")
    with pytest.raises(Exception, match="use any of the following: accuracy, loss"):
        _train(tiny_net(4, 3), data, early_stopping=early, validation_split=0.0)


def test_max_steps_ends_the_run_after_that_many_batches(tiny_net: Any, classification: DatasetSplits) -> None:
    state = _train(tiny_net(4, 3), classification, max_steps=4, epochs=5)
    assert state.step == 4 and state.stop_reason is StopReason.MAX_STEPS
    assert len(state.history) == 1 and state.test is not None


def test_missing_validation_split_is_carved_from_train(tiny_net: Any, classification: DatasetSplits) -> None:
    data = _without_val(classification)
    state = _train(tiny_net(4, 3), data, validation_split=0.25, epochs=1)
    assert state.steps_per_epoch == 5  # 72 of 96 samples left for training
    assert "val_loss" in state.history[0]


def test_non_finite_loss_fails_with_epoch_batch_and_hint(tiny_net: Any, make_regression_data: MakeData) -> None:
    data = make_regression_data(scale=1e30)
    with pytest.raises(NonFiniteLossError) as info:
        _train(tiny_net(3, 1, None), data, loss="mse", learning_rate=1.0, epochs=2)
    assert info.value.code == "non_finite_loss"
    assert "epoch 1" in info.value.message and "batch" in info.value.message
    assert info.value.hint is not None and "learning rate" in info.value.hint


class _OutOfMemoryAt(nn.Module):
    """A linear model whose forward raises the device's out-of-memory error at call ``at``."""

    def __init__(self, at: int, error: BaseException) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.calls, self.at, self.error = 0, at, error

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls == self.at:
            raise self.error
        return self.linear(x)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "error",
    [
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("DefaultCPUAllocator: can't allocate memory"),
    ],
)
def test_out_of_memory_becomes_out_of_memory_error_with_a_hint(
    classification: DatasetSplits, error: BaseException
) -> None:
    events: list[Event] = []
    with pytest.raises(OutOfMemoryError) as info:
        _train(_OutOfMemoryAt(3, error), classification, [EventEmitter("r", events.append)], epochs=1)
    assert info.value.code == "out_of_memory"
    assert "epoch 1, batch 3" in info.value.message
    assert info.value.hint is not None and "batch_size" in info.value.hint
    assert isinstance(info.value.__cause__, type(error))


def test_dropout_is_on_in_training_and_off_in_evaluation(classification: DatasetSplits) -> None:
    modes: list[bool] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            modes.append(self.training)
            return x

    net = nn.Sequential(nn.Linear(4, 3), Probe())
    _train(net, classification, epochs=1, batch_size=96)
    assert modes == [True, False, False]  # one train batch, val, test


# --- controls from another thread -------------------------------------------------------------------------


class _Gate(EventEmitter):
    """Records events and runs ``action`` once after batch ``at``."""

    def __init__(self, at: int, action: Callable[[], None]) -> None:
        self.events: list[Event] = []
        clock = iter(range(10**9))  # one second per read: every step is sent
        super().__init__("r", self.events.append, clock=lambda: float(next(clock)))
        self.at, self.action = at, action

    def on_batch_end(self, state: TrainState) -> None:
        super().on_batch_end(state)
        if state.step == self.at:
            self.action()


def test_pause_blocks_until_resume_from_another_thread(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()
    resumed = threading.Event()

    def resume_later() -> None:
        while not control.is_paused:
            pass

        def resume() -> None:
            resumed.set()
            control.resume()

        threading.Timer(0.05, resume).start()

    def pause() -> None:
        control.pause()
        resume_later()

    gate = _Gate(2, pause)
    state = _train(tiny_net(4, 3), classification, [gate], control=control, epochs=1)
    statuses = [e.status for e in gate.events if e.type == "status"]
    assert statuses == ["running", "paused", "running"]
    assert resumed.is_set() and state.step == 6


def test_pause_first_sends_the_step_the_run_stopped_at(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()
    events: list[Event] = []
    frozen = EventEmitter("r", events.append, clock=lambda: 0.0)  # the clock never moves: only step 1 is due

    class PauseAt(Callback):
        def on_batch_end(self, state: TrainState) -> None:
            if state.step == 4:
                control.pause()
                threading.Timer(0.05, control.resume).start()

    _train(tiny_net(4, 3), classification, [frozen, PauseAt()], control=control, epochs=1)
    kinds = [(e.type, getattr(e, "step", None) or getattr(e, "status", None)) for e in events]
    paused_at = kinds.index(("status", "paused"))
    assert kinds[paused_at - 1] == ("step", 4)
    assert [k for k in kinds if k[0] == "step"] == [("step", 1), ("step", 4)]


def test_stop_ends_the_run_stopped_without_a_test_evaluation(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()
    gate = _Gate(3, control.stop)
    state = _train(tiny_net(4, 3), classification, [gate], control=control, epochs=3)
    assert state.stop_reason is StopReason.USER and state.step == 3
    assert state.test is None and state.history == []


def test_stop_while_paused_unblocks(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()

    def pause_then_stop() -> None:
        control.pause()
        threading.Timer(0.05, control.stop).start()

    gate = _Gate(1, pause_then_stop)
    state = _train(tiny_net(4, 3), classification, [gate], control=control, epochs=3)
    assert state.stop_reason is StopReason.USER and state.step == 1


def test_step_once_runs_exactly_one_batch_while_paused(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()
    steps_at_resume: list[int] = []

    def drive() -> None:
        control.pause()

        def later() -> None:
            control.step_once()

            def resume() -> None:
                steps_at_resume.append(gate.last_step)
                control.resume()

            threading.Timer(0.1, resume).start()

        threading.Timer(0.05, later).start()

    class Counting(_Gate):
        last_step = 0

        def on_batch_end(self, state: TrainState) -> None:
            self.last_step = state.step
            super().on_batch_end(state)

    gate = Counting(2, drive)
    state = _train(tiny_net(4, 3), classification, [gate], control=control, epochs=1)
    assert steps_at_resume == [3]  # paused after 2, one single step, then held until resume
    assert state.step == 6
    statuses = [e.status for e in gate.events if e.type == "status"]
    assert statuses == ["running", "paused", "paused", "running"]
    assert 3 in [e.step for e in gate.events if e.type == "step"]  # the single step is always sent


def test_learning_rate_change_applies_from_the_next_batch(tiny_net: Any, classification: DatasetSplits) -> None:
    control = RunControl()
    gate = _Gate(2, lambda: control.set_learning_rate(0.001))
    _train(
        tiny_net(4, 3), classification, [gate], control=control, epochs=2, lr_schedule="step", step_size=1, gamma=0.5
    )
    rates = {e.step: e.learning_rate for e in gate.events if e.type == "step"}
    assert rates[1] == rates[2] == 0.05
    assert rates[3] == pytest.approx(0.001)
    assert rates[7] == pytest.approx(0.0005)  # the schedule goes on from the new rate
