"""The inside-of-the-network producer: activations, weights and gradients snapshots, their rates and limits."""

from __future__ import annotations

import base64
import math
from typing import Any

import pytest
import torch

from layerlab.datasets import load_dataset
from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.graph import compile_graph
from layerlab.graph.compile import GraphModule
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.boundary import plane_grid
from layerlab.training.callbacks import EventEmitter, TrainState
from layerlab.training.events import Event, LayerStats, Quantized, parse_event
from layerlab.training.job import request_issues, run_job
from layerlab.training.request import RunRequest
from layerlab.training.telemetry import InsideProducer, fixed_edges, histogram

INSIDE = ("activations", "weights", "gradients")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _chain(*layers: dict[str, Any]) -> GraphSpec:
    nodes = [{"id": "in", "type": "Input"}, *layers]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges})


def _dense(node_id: str, units: int, activation: str = "none") -> dict[str, Any]:
    return {"id": node_id, "type": "Dense", "params": {"units": units, "activation": activation}}


def _data(x: torch.Tensor, y: torch.Tensor, *, kind: str = "tabular", classes: int = 2) -> DatasetSplits:
    info = DatasetInfo(
        name="t", title="T", description="test", task="classification", kind=kind,
        input_shape=list(x.shape[1:]), num_classes=classes,
    )  # fmt: skip
    return DatasetSplits(info=info, train=Split(x, y), val=Split(x, y), test=Split(x[:0], y[:0]))


def _vectors(n: int = 64, features: int = 3) -> DatasetSplits:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, features, generator=generator)
    return _data(x, (x[:, 0] > 0).long())


class Harness:
    """A producer bound to an emitter that collects its events, driven hook by hook."""

    def __init__(self, model: GraphModule, data: DatasetSplits, **kwargs: Any) -> None:
        self.clock = FakeClock()
        self.producer = InsideProducer(clock=self.clock, **kwargs)
        self.events: list[Event] = []
        EventEmitter("run-t", self.events.append, producers=[self.producer])
        self.state = TrainState(epochs=1, steps_per_epoch=10, model=model, data=data, seed=0, epoch=1)
        self.producer.on_train_start(self.state)

    def batch(self, advance: float = 0.0) -> list[Event]:
        """One batch end (``advance`` seconds of training before it); the events it sent."""
        self.clock.now += advance
        self.state.step += 1
        before = len(self.events)
        self.producer.on_batch_end(self.state)
        return self.events[before:]

    def nodes(self, event_type: str) -> dict[str, LayerStats]:
        event = next(e for e in reversed(self.events) if e.type == event_type)
        assert event.type in INSIDE
        return event.nodes  # type: ignore[union-attr]


def _decode(q: Quantized) -> torch.Tensor:
    raw = torch.frombuffer(bytearray(base64.b64decode(q.data)), dtype=torch.uint8).float()
    return (q.low + raw / 255.0 * (q.high - q.low)).reshape(q.shape)


def test_weights_and_gradients_stats_match_known_tensors() -> None:
    model = compile_graph(_chain(_dense("d", 2)), (3,))
    layer = model.node_modules["d"]
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        layer.bias.copy_(torch.tensor([-1.0, -2.0]))
    for p in layer.parameters():
        p.grad = torch.full_like(p, 0.5)
    harness = Harness(model, _vectors())
    sent = harness.batch()
    assert [e.type for e in sent] == list(INSIDE)
    assert all(e.step == 1 and e.epoch == 1 for e in sent)  # type: ignore[union-attr]
    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -1.0, -2.0])
    w = harness.nodes("weights")["d"]
    assert w.mean == pytest.approx(float(values.mean()))
    assert w.std == pytest.approx(float(values.std(unbiased=False)))
    assert (w.min, w.max) == (-2.0, 6.0)
    assert w.norm == pytest.approx(math.sqrt(float((values**2).sum())))
    assert w.update_ratio == 0.0  # nothing changed since the copy
    assert w.histogram is not None and sum(w.histogram.counts) == 8
    g = harness.nodes("gradients")["d"]
    assert (g.mean, g.std, g.min, g.max) == (0.5, 0.0, 0.5, 0.5)
    assert g.norm == pytest.approx(0.5 * math.sqrt(8))
    assert g.output_grad_rms is not None and g.output_grad_rms > 0
    assert layer.weight.grad is not None and torch.equal(layer.weight.grad, torch.full((2, 3), 0.5))  # untouched


def test_update_ratio_is_the_change_over_the_weights_before_the_step() -> None:
    model = compile_graph(_chain(_dense("d", 2)), (3,))
    layer = model.node_modules["d"]
    harness = Harness(model, _vectors())  # the weights are copied at the start: before step 1
    before = torch.cat([layer.weight.detach().reshape(-1), layer.bias.detach().reshape(-1)]).clone()
    with torch.no_grad():  # "the optimizer step"
        layer.weight.add_(0.01)
        layer.bias.sub_(0.02)
    after = torch.cat([layer.weight.detach().reshape(-1), layer.bias.detach().reshape(-1)])
    harness.batch()
    expected = float(torch.linalg.vector_norm(after - before) / torch.linalg.vector_norm(before))
    assert harness.nodes("weights")["d"].update_ratio == pytest.approx(expected, rel=1e-5)


def test_dead_fraction_of_a_relu_with_a_big_negative_bias() -> None:
    model = compile_graph(_chain(_dense("alive", 16, "relu"), _dense("dead", 8, "relu"), _dense("out", 2)), (3,))
    with torch.no_grad():
        model.node_modules["dead"].bias.fill_(-100.0)
    harness = Harness(model, _vectors())
    harness.batch()
    nodes = harness.nodes("activations")
    assert nodes["dead"].dead_fraction == 1.0
    assert nodes["alive"].dead_fraction is not None and nodes["alive"].dead_fraction < 0.5
    assert nodes["out"].dead_fraction is None and nodes["out"].saturated_fraction is None


def test_saturation_of_a_sigmoid_with_huge_weights_and_a_tanh_layer() -> None:
    graph = _chain(
        _dense("big", 8, "sigmoid"), _dense("calm", 8, "sigmoid"), {"id": "t", "type": "Tanh"}, _dense("out", 2)
    )
    model = compile_graph(graph, (3,))
    with torch.no_grad():
        model.node_modules["big"].weight.mul_(1000.0)
        model.node_modules["calm"].weight.mul_(0.001)
    harness = Harness(model, _vectors())
    harness.batch()
    nodes = harness.nodes("activations")
    assert nodes["big"].saturated_fraction is not None and nodes["big"].saturated_fraction > 0.9
    assert nodes["calm"].saturated_fraction == 0.0
    assert nodes["t"].saturated_fraction is not None and nodes["big"].dead_fraction is None


def test_histogram_edges_stay_fixed_across_snapshots() -> None:
    model = compile_graph(_chain(_dense("h", 8, "tanh"), _dense("out", 2)), (3,))
    harness = Harness(model, _vectors(), events_per_s=1000, budget=1.0)
    harness.batch()
    first = {kind: harness.nodes(kind)["h"].histogram for kind in ("activations", "weights")}
    with torch.no_grad():
        model.node_modules["h"].weight.mul_(3.0)  # far outside the first range
    harness.batch(1.0)  # arms
    harness.batch(1.0)  # sends
    assert len([e for e in harness.events if e.type == "weights"]) == 2
    for kind, hist in first.items():
        now = harness.nodes(kind)["h"].histogram
        assert hist is not None and now is not None and now.edges == hist.edges
        assert sum(now.counts) == sum(hist.counts)
    weights = harness.nodes("weights")["h"].histogram
    assert weights is not None and weights.counts[0] + weights.counts[-1] > 0  # outside values in the end bins
    assert fixed_edges(-1.0, 3.0, bins=4) == [-3.0, -1.5, 0.0, 1.5, 3.0]  # symmetric when both signs


def test_feature_maps_are_8_bit_and_round_trip_within_one_step_of_the_range() -> None:
    graph = _chain(
        {
            "id": "c",
            "type": "Conv2D",
            "params": {"filters": 20, "kernel_size": 3, "padding": "same", "activation": "relu"},
        },
        {"id": "f", "type": "Flatten"},
        _dense("out", 2),
    )
    model = compile_graph(graph, (1, 40, 40))
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(12, 1, 40, 40, generator=generator)
    harness = Harness(model, _data(x, torch.zeros(12, dtype=torch.long), kind="image"))
    harness.state.probe_index = 5
    harness.batch()
    event = next(e for e in harness.events if e.type == "activations")
    assert event.type == "activations" and event.probe is not None
    assert event.probe.index == 5 and event.probe.split == "val" and event.probe.label == 0
    conv = event.nodes["c"]
    assert conv.feature_maps_q is not None and conv.feature_maps_q.shape == [16, 32, 32]
    assert conv.omitted is not None and "4 of 20 feature maps" in conv.omitted and "40×40" in conv.omitted
    model.eval()
    expected = torch.nn.functional.adaptive_avg_pool2d(model.node_modules["c"](x[5:6]), (32, 32))[0, :16].detach()
    q = conv.feature_maps_q
    assert torch.allclose(_decode(q), expected, atol=(q.high - q.low) / 255 + 1e-6)
    assert event.nodes["f"].values is not None and len(event.nodes["f"].values) == 256


def test_plane_maps_on_spiral_are_each_hidden_units_output_over_the_boundary_grid(settings: Settings) -> None:
    data = load_dataset(DatasetRef(name="spiral"), settings, seed=0)
    model = compile_graph(_chain(_dense("h1", 20, "tanh"), _dense("h2", 4, "relu"), _dense("out", 2)), (2,))
    harness = Harness(model, data, plane_resolution=12)
    harness.batch()
    event = next(e for e in harness.events if e.type == "activations")
    assert event.type == "activations" and event.plane is not None and event.plane.resolution == 12
    (x_low, y_low), (x_high, y_high), points = plane_grid(data, 12)
    assert event.plane.x_range == (x_low, x_high) and event.plane.y_range == (y_low, y_high)
    h1, h2 = event.nodes["h1"].plane_q, event.nodes["h2"].plane_q
    assert h1 is not None and h1.shape == [16, 12, 12]  # at most 16 units
    assert h2 is not None and h2.shape == [4, 12, 12]
    assert event.nodes["out"].plane_q is None
    model.eval()
    expected = model.node_modules["h1"](points).detach()[:, :16].T.reshape(16, 12, 12)
    assert torch.allclose(_decode(h1), expected, atol=(h1.high - h1.low) / 255 + 1e-6)


def test_rates_follow_time_and_the_cost_budget_with_a_fake_clock() -> None:
    model = compile_graph(_chain(_dense("h", 4, "relu"), _dense("out", 2)), (3,))
    harness = Harness(model, _vectors(), events_per_s=2.0, budget=0.05)
    assert len(harness.batch(0.01)) == 3  # the first step, at once
    assert harness.batch(0.1) == []  # not due by time (0.5 s)
    assert harness.batch(0.5) == []  # due: the weights are copied, the snapshot goes with the next step
    assert [e.type for e in harness.batch(0.01)] == list(INSIDE)
    assert harness.events[-1].step == 4  # type: ignore[union-attr]

    # after a snapshot that costs 1 s (fake), the next (as costly) waits until 2 s are within 5 %
    # of the training time: 40 s of training
    original = harness.producer._snapshot

    def slow(state: TrainState) -> None:
        original(state)
        harness.clock.now += 1.0

    harness.producer._snapshot = slow  # type: ignore[method-assign]
    harness.batch(1.0)  # arms
    assert len(harness.batch(0.01)) == 3
    assert harness.batch(5.0) == [] and harness.batch(20.0) == []  # due by time, not by budget
    harness.batch(15.0)  # 40.6 s of training (42.6 - 2 s of telemetry): arms
    assert len(harness.batch(0.01)) == 3
    assert harness.producer.snapshots == 4

    # an epoch without a snapshot gets one at its first batch (within the budget)
    harness.producer._snapshot = original  # type: ignore[method-assign]
    harness.state.epoch = 2
    harness.producer.on_epoch_start(harness.state)
    harness.clock.now += 30.0
    harness.state.epoch = 3
    harness.producer.on_epoch_start(harness.state)
    assert len(harness.batch(0.01)) == 3
    harness.state.epoch = 4  # epoch 3 had one: nothing at the start of epoch 4
    harness.producer.on_epoch_start(harness.state)
    assert harness.batch(0.01) == []
    harness.state.epoch = 5  # epoch 4 had none, but only 0.11 s passed: not above twice the time rate
    harness.clock.now += 0.1
    harness.producer.on_epoch_start(harness.state)
    assert harness.batch(0.01) == []


def test_an_event_over_the_byte_limit_leaves_out_maps_and_says_why() -> None:
    conv = {"type": "Conv2D", "params": {"filters": 16, "kernel_size": 3, "padding": "same"}}
    graph = _chain(
        {"id": "c1", **conv},
        {"id": "c2", **conv},
        {"id": "c3", **conv},
        {"id": "f", "type": "Flatten"},
        _dense("out", 2),
    )
    model = compile_graph(graph, (1, 32, 32))
    x = torch.rand(4, 1, 32, 32)
    harness = Harness(model, _data(x, torch.zeros(4, dtype=torch.long), kind="image"), max_event_bytes=40_000)
    harness.batch()
    event = next(e for e in harness.events if e.type == "activations")
    nodes = event.nodes  # type: ignore[union-attr]
    assert nodes["c1"].feature_maps_q is not None and nodes["c1"].omitted is None
    assert nodes["c2"].feature_maps_q is None and nodes["c3"].feature_maps_q is None
    assert (
        nodes["c3"].omitted == "feature maps left out: 16 maps of 32×32 exceed the 40 KB event limit; statistics only"
    )
    assert nodes["c3"].histogram is not None  # statistics stay
    assert len(event.model_dump_json()) < 40_000


def test_a_plain_sequential_model_is_skipped_silently() -> None:
    harness = Harness(torch.nn.Sequential(torch.nn.Linear(3, 2)), _vectors())  # type: ignore[arg-type]
    assert harness.batch() == [] and harness.batch(10.0) == []


def _spiral_request(**training: Any) -> RunRequest:
    graph = _chain(_dense("h1", 8, "relu"), _dense("h2", 8, "tanh"), _dense("out", 2, "softmax"))
    return RunRequest.model_validate(
        {
            "graph": graph.model_dump(),
            "dataset": {"name": "spiral", "params": {"n": 300}},
            "training": {"epochs": 2, "batch_size": 32, "boundary_resolution": 10, **training},
        }
    )


def test_a_spiral_run_streams_snapshots_that_parse(settings: Settings) -> None:
    events: list[Event] = []
    assert run_job(_spiral_request(), run_id="r", emit=events.append, settings=settings) == "completed"
    types = [e.type for e in events]
    assert types[-6:] == ["epoch", "confusion_matrix", "decision_boundary", "evaluation", "confusion_matrix", "status"]
    inside = [e for e in events if e.type in INSIDE]
    assert [e.type for e in inside[:3]] == list(INSIDE) and inside[0].step == 1  # type: ignore[union-attr]
    for event in inside:
        assert parse_event(event.model_dump_json()) == event
    first = inside[0]
    assert first.type == "activations" and set(first.nodes) == {"h1", "h2", "out"}
    assert first.plane is not None and first.nodes["h1"].plane_q is not None and first.probe is not None
    assert inside[2].type == "gradients" and set(inside[2].nodes) == {"in", "h1", "h2", "out"}


def test_telemetry_off_sends_none(settings: Settings) -> None:
    events: list[Event] = []
    run_job(_spiral_request(telemetry=False), run_id="r", emit=events.append, settings=settings)
    assert events[-1].type == "status" and not [e for e in events if e.type in INSIDE]


def test_huge_conv_maps_still_train_and_the_event_says_what_was_left_out(settings: Settings) -> None:
    conv = {"type": "Conv2D", "params": {"filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"}}
    convs = [{"id": f"c{i}", **conv} for i in range(1, 9)]
    graph = _chain(*convs, {"id": "f", "type": "Flatten"}, _dense("out", 10, "softmax"))
    request = RunRequest.model_validate(
        {"graph": graph.model_dump(), "dataset": "digits", "training": {"epochs": 1, "batch_size": 64}}
    )
    events: list[Event] = []
    small = settings.model_copy(update={"telemetry_max_event_bytes": 10_000})
    assert run_job(request, run_id="r", emit=events.append, settings=small) == "completed"
    activations = next(e for e in events if e.type == "activations")
    assert activations.type == "activations"
    notes = [stats.omitted for stats in activations.nodes.values() if stats.omitted]
    assert any("exceed the 10 KB event limit" in note for note in notes)


def test_a_probe_index_past_the_validation_split_is_an_issue_naming_the_field(settings: Settings) -> None:
    issues = request_issues(_spiral_request(probe_index=10_000), settings)
    issue = next(i for i in issues if i.field == "training.probe_index")
    assert issue.code == "probe_index_out_of_range" and "0 to 44" in issue.message
    assert not [i for i in request_issues(_spiral_request(probe_index=44), settings) if i.field]


def test_a_failing_snapshot_ends_the_telemetry_not_the_run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: InsideProducer, model: GraphModule) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(InsideProducer, "_monitor", broken)
    events: list[Event] = []
    assert run_job(_spiral_request(), run_id="r", emit=events.append, settings=settings) == "completed"
    assert not [e for e in events if e.type in INSIDE]


def test_histogram_counts_every_value_once_as_histc_does() -> None:
    generator = torch.Generator().manual_seed(0)
    values = torch.cat([
        torch.randn(5000, generator=generator) * 2,
        torch.tensor([-1.0, 1.0, 0.0, 0.5, -100.0, 100.0, float("nan"), float("inf"), float("-inf")]),
    ])  # fmt: skip
    edges = fixed_edges(-1.0, 1.0, bins=8)
    counts = histogram(values, edges)
    assert counts.dtype == torch.int64 and counts.sum().item() == values.numel()
    cleaned = torch.nan_to_num(values, nan=-1.0, posinf=1.0, neginf=-1.0).clamp(-1.0, 1.0)
    expected = torch.histc(cleaned, bins=8, min=-1.0, max=1.0).to(torch.int64)
    assert counts.tolist() == expected.tolist()
    assert counts[0] >= 1 and counts[-1] >= 1  # the range's ends fall in the first and last bin
