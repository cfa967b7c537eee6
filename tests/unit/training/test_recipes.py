"""The recipe seam: the supervised recipe is today's loop, and forecasting and language models plug into it."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import DatasetInfo, DatasetSplits, Split
from layerlab.graph import compile_graph
from layerlab.graph.spec import GraphSpec
from layerlab.training.callbacks import Evaluation, EventEmitter
from layerlab.training.config import EarlyStoppingConfig, TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.engine import fit
from layerlab.training.events import Event
from layerlab.training.forecasts import ForecastProducer, forecast_series
from layerlab.training.recipes import (
    Autocast,
    ForecastRecipe,
    LanguageModelRecipe,
    Recipe,
    StepResult,
    StepTools,
    SupervisedRecipe,
)
from layerlab.training.recipes.forecast import naive_metrics
from layerlab.training.recipes.language_model import language_model_metrics, windows


def _text_splits(text: str, length_hint: int = 16) -> DatasetSplits:
    vocabulary = sorted(set(text))
    ids = torch.tensor([vocabulary.index(c) for c in text], dtype=torch.int64)
    cut = int(len(ids) * 0.9)
    info = DatasetInfo(
        name="tiny_text",
        title="Tiny text",
        description="test text",
        task="language_model",
        kind="text",
        input_shape=[length_hint],
        num_classes=len(vocabulary),
        vocabulary=vocabulary,
        sizes={"train": cut, "val": len(ids) - cut, "test": len(ids) - cut},
    )
    train, val = ids[:cut], ids[cut:]
    return DatasetSplits(info=info, train=Split(train, train), val=Split(val, val), test=Split(val, val))


def _series_splits(n: int = 900, window: int = 16, horizon: int = 1, seed: int = 0) -> DatasetSplits:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n + window + horizon, dtype=torch.float32)
    values = torch.sin(t * 0.15) + 0.02 * torch.randn(len(t), generator=g)
    count = n
    x = torch.stack([values[i : i + window] for i in range(count)]).unsqueeze(-1)
    y = torch.stack([values[i + window : i + window + horizon] for i in range(count)])
    a, b = int(count * 0.7), int(count * 0.85)
    info = DatasetInfo(
        name="wave",
        title="Wave",
        description="test series",
        task="forecast",
        kind="sequence",
        input_shape=[window, 1],
        output_size=horizon,
        sizes={"train": a, "val": b - a, "test": count - b},
    )
    return DatasetSplits(info=info, train=Split(x[:a], y[:a]), val=Split(x[a:b], y[a:b]), test=Split(x[b:], y[b:]))


def _graph(nodes: list[dict[str, object]]) -> GraphSpec:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges})


def _char_model(vocab: int, length: int, units: int = 32) -> nn.Module:
    graph = _graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "emb", "type": "Embedding", "params": {"vocab_size": vocab, "embedding_dim": 16}},
            {"id": "lstm", "type": "LSTM", "params": {"units": units, "return_sequences": True}},
            {"id": "out", "type": "Dense", "params": {"units": vocab}},
        ]
    )
    return compile_graph(graph, (length,))


def _forecaster(window: int, horizon: int = 1) -> nn.Module:
    graph = _graph(
        [
            {"id": "in", "type": "Input"},
            {"id": "lstm", "type": "LSTM", "params": {"units": 24}},
            {"id": "out", "type": "Dense", "params": {"units": horizon}},
        ]
    )
    return compile_graph(graph, (window, 1))


# --- the supervised recipe is the loop as it was --------------------------------------------


def test_a_module_and_its_supervised_recipe_train_identically(tiny_net: object, classification: DatasetSplits) -> None:
    config = TrainConfig(epochs=2, batch_size=16, learning_rate=0.05, device="cpu", seed=3)
    torch.manual_seed(0)
    plain = fit(tiny_net(4, 3), classification, config)  # type: ignore[operator]
    torch.manual_seed(0)
    recipe = SupervisedRecipe(tiny_net(4, 3), "classification")  # type: ignore[operator]
    wrapped = fit(recipe, classification, config)
    assert plain.history == wrapped.history
    assert plain.test is not None and wrapped.test is not None and plain.test.metrics == wrapped.test.metrics


# --- language models ---------------------------------------------------------------------------


def test_windows_cut_a_stream_into_inputs_and_the_next_characters() -> None:
    split = windows(torch.arange(11), 5)
    assert split.x.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert split.y.tolist() == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    assert split.x.dtype == torch.int64
    assert len(windows(torch.arange(5), 5)) == 0  # no next character for a full window


def test_the_language_model_loss_is_cross_entropy_at_every_position() -> None:
    data = _text_splits("abcabcabd" * 30)
    recipe = LanguageModelRecipe(_char_model(len(data.info.vocabulary or []), 8), 8)
    recipe.configure(TrainConfig(device="cpu"), torch.device("cpu"))
    logits = torch.randn(3, 8, 4)
    target = torch.randint(0, 4, (3, 8))
    manual = sum(F.cross_entropy(logits[b, t : t + 1], target[b, t : t + 1]) for b in range(3) for t in range(8)) / 24
    assert float(recipe.loss_fn(logits, target)) == pytest.approx(float(manual), rel=1e-5)


def test_language_model_metrics_are_perplexity_and_bits_per_character() -> None:
    metrics = language_model_metrics(math.log(4))
    assert metrics["perplexity"] == pytest.approx(4.0)
    assert metrics["bits_per_char"] == pytest.approx(2.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_character_lstm_learns_a_repetitive_text_far_below_guessing(seed: int) -> None:
    text = "the cat sat on the mat. " * 60
    data = _text_splits(text)
    vocab = len(data.info.vocabulary or [])
    torch.manual_seed(seed)
    recipe = LanguageModelRecipe(_char_model(vocab, 16, units=48), 16)
    config = TrainConfig(epochs=25, batch_size=16, learning_rate=0.01, device="cpu", seed=seed, telemetry=False)
    state = fit(recipe, data, config)
    assert set(state.history[-1]) >= {"loss", "perplexity", "bits_per_char", "val_loss", "val_perplexity"}
    assert state.test is not None and set(state.test.metrics) == {"loss", "perplexity", "bits_per_char"}
    # guessing uniformly costs log(vocab) nats; the text is almost deterministic
    assert state.test.metrics["loss"] < 0.35 * math.log(vocab)
    assert state.data is not None and state.data.input_shape == (16,)
    assert state.data.train.x.dtype == torch.int64


def test_a_language_model_run_emits_no_accuracy_and_no_confusion_matrix() -> None:
    data = _text_splits("hello there. " * 40)
    recipe = LanguageModelRecipe(_char_model(len(data.info.vocabulary or []), 12), 12)
    events: list[Event] = []
    fit(recipe, data, TrainConfig(epochs=1, batch_size=8, device="cpu"), [EventEmitter("r", events.append)])
    types = {e.type for e in events}
    assert "confusion_matrix" not in types
    epoch = next(e for e in events if e.type == "epoch")
    assert "accuracy" not in epoch.train and set(epoch.val) == {"loss", "perplexity", "bits_per_char"}  # type: ignore[union-attr]


class CountingLanguageModel(LanguageModelRecipe):
    """Records the name of every split it evaluates."""

    def __init__(self, model: nn.Module, sequence_length: int) -> None:
        super().__init__(model, sequence_length)
        self.evaluated: list[str] = []

    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        self.evaluated.append(name)
        return super().evaluate(split, name, autocast)


def _one_split_for_val_and_test(data: DatasetSplits) -> DatasetSplits:
    return DatasetSplits(info=data.info, train=data.train, val=data.val, test=data.val)


def test_a_split_that_is_both_validation_and_test_is_evaluated_once_at_the_end() -> None:
    data = _one_split_for_val_and_test(_text_splits("hello there. " * 40))
    torch.manual_seed(0)
    recipe = CountingLanguageModel(_char_model(len(data.info.vocabulary or []), 12), 12)
    state = fit(recipe, data, TrainConfig(epochs=2, batch_size=8, device="cpu", seed=0, telemetry=False))
    assert recipe.evaluated == ["val", "val"]
    assert state.test is not None and state.test.split == "test"
    assert state.test.metrics == {k[4:]: v for k, v in state.history[-1].items() if k.startswith("val_")}
    # two splits of the same text: both are evaluated, to the same numbers
    torch.manual_seed(0)
    separate = CountingLanguageModel(_char_model(len(data.info.vocabulary or []), 12), 12)
    again = fit(
        separate,
        _text_splits("hello there. " * 40),
        TrainConfig(epochs=2, batch_size=8, device="cpu", seed=0, telemetry=False),
    )
    assert separate.evaluated == ["val", "val", "test"]
    assert again.test is not None and again.test.metrics == pytest.approx(state.test.metrics)


def test_weights_restored_by_early_stopping_are_evaluated_again_on_the_shared_split() -> None:
    data = _one_split_for_val_and_test(_text_splits("hello there. " * 40))
    torch.manual_seed(0)
    recipe = CountingLanguageModel(_char_model(len(data.info.vocabulary or []), 12), 12)
    never_better = EarlyStoppingConfig(monitor="val_loss", patience=1, min_delta=100.0)  # epoch 1 stays the best
    config = TrainConfig(epochs=5, batch_size=8, device="cpu", seed=0, telemetry=False, early_stopping=never_better)
    state = fit(recipe, data, config)
    assert recipe.evaluated == ["val", "val", "test"] and len(state.history) == 2
    assert state.test is not None
    assert state.test.metrics["loss"] == pytest.approx(state.history[0]["val_loss"])
    assert state.test.metrics["loss"] != pytest.approx(state.history[1]["val_loss"])


# --- forecasting --------------------------------------------------------------------------------


def test_the_naive_baseline_repeats_the_last_value_of_the_window() -> None:
    x = torch.tensor([[[1.0], [2.0]], [[3.0], [5.0]]])  # two windows of 2
    y = torch.tensor([[2.0, 4.0], [5.0, 5.0]])  # horizon 2
    metrics = naive_metrics(Split(x, y))
    # errors: (2-2, 2-4) and (5-5, 5-5) → squared 0, 4, 0, 0
    assert metrics == {"naive_mse": pytest.approx(1.0), "naive_mae": pytest.approx(0.5)}


def test_a_forecast_without_validation_holds_out_the_end_of_train_not_a_random_part() -> None:
    data = _series_splits()
    no_val = DatasetSplits(data.info, data.train, Split(data.val.x[:0], data.val.y[:0]), data.test)
    prepared = ForecastRecipe(_forecaster(16)).prepare(no_val, TrainConfig(validation_split=0.2), seed=0)
    n = len(data.train)
    assert len(prepared.val) == round(n * 0.2)
    assert torch.equal(prepared.val.x, data.train.x[n - len(prepared.val) :])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_lstm_forecasts_a_sine_wave_with_r2_above_095(seed: int) -> None:
    data = _series_splits(seed=seed)
    torch.manual_seed(seed)
    recipe = ForecastRecipe(_forecaster(16))
    state = fit(recipe, data, TrainConfig(epochs=8, batch_size=32, learning_rate=0.01, device="cpu", seed=seed))
    assert state.test is not None
    metrics = state.test.metrics
    assert set(metrics) == {"loss", "mse", "mae", "r2", "naive_mse", "naive_mae"}
    assert metrics["r2"] > 0.95
    assert "accuracy" not in state.history[-1]


def test_the_forecast_view_has_one_step_predictions_and_a_rollout_over_the_validation_range() -> None:
    data = _series_splits(horizon=3)
    model = _forecaster(16, horizon=3)
    series = forecast_series(model, data.train.y, data.val.x, data.val.y)
    n = len(data.val)
    assert len(series["actual"]) == len(series["one_step"]) == len(series["rollout"]) == n
    assert series["actual"] == [pytest.approx(v, abs=1e-4) for v in data.val.y[:, 0].tolist()]
    assert len(series["context"]) == 200
    assert model.training  # the mode is restored


def test_a_forecast_run_reports_the_view_after_the_first_epoch_and_at_the_end() -> None:
    data = _series_splits()
    events: list[Event] = []
    emitter = EventEmitter("r", events.append, producers=[ForecastProducer(min_interval_s=3600)])
    fit(ForecastRecipe(_forecaster(16)), data, TrainConfig(epochs=3, device="cpu"), [emitter])
    samples = [e for e in events if e.type == "samples"]
    assert [s.kind for s in samples] == ["forecast", "forecast"]  # type: ignore[union-attr]
    assert [s.items[0]["epoch"] for s in samples] == [1, 3]  # type: ignore[union-attr]


# --- a recipe with two networks plugs in without touching the loop -------------------------------


class _TwoNetworks(Recipe):
    """Two regressors on the same batches, each with its own optimizer (the shape a GAN needs)."""

    name = "two_networks"
    task = "regression"

    def __init__(self) -> None:
        super().__init__(nn.Linear(2, 1))
        self.other = nn.Linear(2, 1)
        self.steps = 0

    @property
    def models(self) -> dict[str, nn.Module]:
        return {"first": self.model, "second": self.other}

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [self._a, self._b]

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        self._a = torch.optim.SGD(self.model.parameters(), lr=config.learning_rate)
        self._b = torch.optim.SGD(self.other.parameters(), lr=config.learning_rate)

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(output, target)

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        self.steps += 1
        first = self.loss_fn(self.model(x), y)
        tools.update(first, self._a, list(self.model.parameters()))
        second = self.loss_fn(self.other(x), y)
        tools.update(second, self._b, list(self.other.parameters()))
        return StepResult(loss=(first + second).detach(), losses={"first": first.detach(), "second": second.detach()})

    def train_metrics(self, loss: float, outputs: Sequence[torch.Tensor], targets: torch.Tensor) -> dict[str, float]:
        return {"loss": loss}

    def evaluate(self, split: Split, name: str, autocast: Autocast = torch.no_grad) -> Evaluation:  # type: ignore[assignment]
        with torch.no_grad():
            return Evaluation(split=name, metrics={"loss": float(self.loss_fn(self.model(split.x), split.y))})


def _regression_splits() -> DatasetSplits:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g)
    y = (x[:, :1] - 2 * x[:, 1:]).float()
    info = DatasetInfo(
        name="plane", title="p", description="d", task="regression", kind="2d", input_shape=[2], output_size=1
    )
    return DatasetSplits(info, Split(x[:150], y[:150]), Split(x[150:175], y[150:175]), Split(x[175:], y[175:]))


def test_a_recipe_with_two_optimizers_gets_the_live_learning_rate_and_the_stop_on_both() -> None:
    recipe = _TwoNetworks()
    control = RunControl()
    control.set_learning_rate(0.05)
    seen: list[dict[str, torch.Tensor] | None] = []

    class Watch(EventEmitter):
        def on_batch_end(self, state):  # type: ignore[no-untyped-def]
            seen.append(state.loss_tensors)
            if state.step == 7:
                control.stop()

    state = fit(
        recipe,
        _regression_splits(),
        TrainConfig(epochs=50, batch_size=10, device="cpu"),
        [Watch("r", lambda e: None)],
        control=control,
    )
    assert [group["lr"] for opt in recipe.optimizers for group in opt.param_groups] == [0.05, 0.05]
    assert recipe.steps == 7 and state.stop_reason is not None and state.stop_reason.value == "user"
    assert seen[0] is not None and set(seen[0]) == {"first", "second"}
