"""DiagnosticsProducer: silent on the healthy templates, and each diagnostic on a run scripted to show it."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from layerlab.datasets import load_dataset
from layerlab.datasets.base import DatasetInfo, DatasetRef, DatasetSplits, Split
from layerlab.errors import NonFiniteLossError
from layerlab.graph import compile_graph
from layerlab.graph.compile import GraphModule
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.callbacks import EventEmitter
from layerlab.training.config import TrainConfig
from layerlab.training.diagnostics import DiagnosticsProducer
from layerlab.training.engine import fit
from layerlab.training.events import DiagnosticEvent, Event
from layerlab.training.job import run_job
from layerlab.training.request import RunRequest


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("diagnostics")  # the sets used here are generated or bundled
    return Settings(home=home, data_dir=home, allow_download=False)


@pytest.fixture(autouse=True)
def one_thread() -> Any:
    """Small models train fastest on one thread (and these tests run whole templates)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _chain(*layers: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "input", "type": "Input"}]
    nodes += [{"id": f"n{i}", "type": kind, "params": params} for i, (kind, params) in enumerate(layers, start=1)]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {"version": 1, "nodes": nodes, "edges": edges}


def _diagnose(
    graph: Any, data: DatasetSplits, producer: DiagnosticsProducer | None = None, **config: Any
) -> list[DiagnosticEvent]:
    """Train ``graph`` on ``data`` with only the diagnostics producer; its events, each (kind, node) once.

    The producer samples every time it may (no time budget), so what it reports does not depend on the
    machine's speed: the strictest setting for the healthy runs.
    """
    events: list[Event] = []
    producer = producer or DiagnosticsProducer(budget=None)
    emitter = EventEmitter("run-d", events.append, producers=[producer])
    spec = graph if isinstance(graph, GraphSpec) else GraphSpec.model_validate(graph)
    model = compile_graph(spec, data.input_shape)
    settings: dict[str, Any] = {"device": "cpu", "seed": 0}
    settings.update(config)
    try:
        fit(model, data, TrainConfig(**settings), [emitter])
    except NonFiniteLossError:
        pass
    found = [e for e in events if isinstance(e, DiagnosticEvent)]
    keys = [(d.kind, d.node_id) for d in found]
    assert len(keys) == len(set(keys)), keys
    assert all(d.message and d.hint and d.epoch is not None and d.epoch >= 1 for d in found)
    return found


def _kinds(found: list[DiagnosticEvent]) -> set[tuple[str, str | None]]:
    return {(d.kind, d.node_id) for d in found}


def _prototypes(shape: tuple[int, ...], n: int = 512, classes: int = 10, signal: float = 0.6) -> DatasetSplits:
    """Images of ``shape`` that can be learnt: one random pattern per class plus noise, unit variance."""
    patterns = torch.randn(classes, *shape, generator=torch.Generator().manual_seed(99))

    def split(count: int, seed: int) -> Split:
        generator = torch.Generator().manual_seed(seed)
        y = torch.randint(0, classes, (count,), generator=generator)
        noise = torch.randn(count, *shape, generator=generator)
        return Split(signal * patterns[y] + (1 - signal**2) ** 0.5 * noise, y)

    info = DatasetInfo(
        name="patterns", title="Patterns", description="test", task="classification", kind="image",
        input_shape=list(shape), num_classes=classes, class_names=[str(i) for i in range(classes)],
    )  # fmt: skip
    return DatasetSplits(info=info, train=split(n, 1), val=split(n // 4, 2), test=split(n // 4, 3))


def _template(
    name: str, data: DatasetSplits | None, local: Settings, producer: DiagnosticsProducer | None = None, **override: Any
) -> list[DiagnosticEvent]:
    template = get_template(name)
    assert template is not None
    config = template.training.model_dump()
    config.update(override)
    return _diagnose(template.graph, data or load_dataset(template.dataset, local, seed=0), producer, **config)


# --- healthy runs: not one diagnostic ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "override"),
    [("spiral_mlp", {}), ("digits_mlp", {})],  # as shipped: 60 and 20 epochs on their real data
    ids=["spiral_mlp", "digits_mlp"],
)
def test_the_healthy_templates_on_their_data_get_no_diagnostic(
    name: str, override: dict[str, Any], local: Settings
) -> None:
    assert _template(name, None, local, **override) == []


def test_the_mnist_template_on_generated_mnist_shaped_data_gets_no_diagnostic(local: Settings) -> None:
    assert _template("mnist_mlp", _prototypes((1, 28, 28), n=1024), local) == []


def test_the_cifar_template_on_generated_cifar_shaped_data_gets_no_diagnostic(local: Settings) -> None:
    assert _template("cifar10_cnn", _prototypes((3, 32, 32), n=384), local, epochs=3) == []


def test_a_model_that_is_no_graph_module_is_skipped_silently(tiny_net: Any, classification: DatasetSplits) -> None:
    events: list[Event] = []
    emitter = EventEmitter("run-s", events.append, producers=[DiagnosticsProducer()])
    fit(tiny_net(4, 3), classification, TrainConfig(epochs=4, learning_rate=1e-7, device="cpu"), [emitter])
    assert [e for e in events if e.type == "diagnostic"] == []


# --- scripted bad runs: each diagnostic where it belongs ----------------------------------------


def test_a_deep_sigmoid_network_has_vanishing_gradients_and_relu_cures_it(local: Settings) -> None:
    template = get_template("deep_sigmoid_mlp")
    assert template is not None
    found = _template("deep_sigmoid_mlp", None, local, epochs=3)
    assert ("vanishing_gradients", "dense_1") in _kinds(found)
    vanishing = next(d for d in found if d.kind == "vanishing_gradients")
    assert "ReLU" in (vanishing.hint or "") and vanishing.epoch == 1
    # the lesson of the template: the same network with ReLU gets its gradients through
    relu = template.graph.model_dump()
    for node in relu["nodes"]:
        if node.get("params", {}).get("activation") == "sigmoid":
            node["params"]["activation"] = "relu"
    assert (
        _diagnose(
            relu, load_dataset(template.dataset, local, seed=0), **{**template.training.model_dump(), "epochs": 3}
        )
        == []
    )


def test_sigmoid_units_fed_huge_inputs_saturate(local: Settings) -> None:
    digits = load_dataset(DatasetRef(name="digits"), local, seed=0)
    scaled = DatasetSplits(
        info=digits.info,
        train=Split(digits.train.x * 30, digits.train.y),
        val=Split(digits.val.x * 30, digits.val.y),
        test=digits.test,
    )
    graph = _chain(
        ("Flatten", {}),
        ("Dense", {"units": 32, "activation": "sigmoid"}),
        ("Dense", {"units": 32, "activation": "tanh"}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    )
    found = _diagnose(graph, scaled, epochs=1)
    assert _kinds(found) == {("saturation", "n2")}
    assert "sigmoid" in found[0].message and "0 or 1" in found[0].message


def test_a_huge_learning_rate_kills_relu_units(local: Settings) -> None:
    spiral = load_dataset(DatasetRef(name="spiral"), local, seed=0)
    graph = _chain(
        ("Dense", {"units": 32, "activation": "relu"}),
        ("Dense", {"units": 32, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    )
    found = _diagnose(graph, spiral, epochs=2, optimizer="sgd", learning_rate=0.5, momentum=0.9)
    assert ("dead_units", "n2") in _kinds(found)
    dead = next(d for d in found if d.kind == "dead_units")
    assert "LeakyReLU" in (dead.hint or "") and " of 32 units of n2 " in dead.message
    assert "vanishing_gradients" not in {d.kind for d in found}  # dead units explain the missing gradient


def test_a_big_network_on_tiny_noisy_data_overfits() -> None:
    generator = torch.Generator().manual_seed(0)

    def noise(n: int) -> Split:  # labels that nothing in the inputs predicts
        return Split(torch.randn(n, 20, generator=generator), torch.randint(0, 2, (n,), generator=generator))

    info = DatasetInfo(
        name="noise", title="Noise", description="test", task="classification", kind="tabular",
        input_shape=[20], num_classes=2, class_names=["a", "b"],
    )  # fmt: skip
    data = DatasetSplits(info=info, train=noise(64), val=noise(64), test=noise(32))
    graph = _chain(
        ("Dense", {"units": 256, "activation": "relu"}),
        ("Dense", {"units": 256, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "softmax"}),
    )
    found = _diagnose(graph, data, epochs=12, learning_rate=3e-3, batch_size=16)
    assert _kinds(found) == {("overfitting", None)}
    assert "early stopping" in (found[0].hint or "") and found[0].epoch is not None and found[0].epoch > 3


def test_a_tiny_learning_rate_is_too_low_and_barely_moves_the_weights(local: Settings) -> None:
    found = _template("spiral_mlp", None, local, epochs=3, learning_rate=1e-7)
    kinds = _kinds(found)
    assert ("learning_rate_too_low", None) in kinds
    assert {("update_ratio", "dense_1"), ("update_ratio", "output")} <= kinds
    low = next(d for d in found if d.kind == "learning_rate_too_low")
    assert low.epoch == 3 and "1e-07" in low.message and "Raise" in (low.hint or "")


def test_a_big_learning_rate_is_too_high(local: Settings) -> None:
    found = _template("digits_mlp", None, local, epochs=3, learning_rate=0.5)
    assert ("learning_rate_too_high", None) in _kinds(found)
    high = next(d for d in found if d.kind == "learning_rate_too_high")
    assert "Lower the learning rate" in (high.hint or "")


def test_a_diverging_run_reports_exploding_gradients_then_divergence(local: Settings) -> None:
    plane = load_dataset(DatasetRef(name="plane", params={"n": 400}), local, seed=0)
    graph = _chain(("Dense", {"units": 32, "activation": "tanh"}), ("Dense", {"units": 1}))
    found = _diagnose(graph, plane, epochs=20, optimizer="sgd", learning_rate=10.0, momentum=0.9)
    kinds = [d.kind for d in found]
    assert "exploding_gradients" in kinds and kinds[-1] == "divergence"
    assert found[-1].node_id is None and "clip_grad_norm" in (found[-1].hint or "")


def test_in_a_job_the_divergence_diagnostic_comes_just_before_the_failed_status(local: Settings) -> None:
    request = RunRequest.model_validate(
        {
            "graph": _chain(("Dense", {"units": 32, "activation": "tanh"}), ("Dense", {"units": 1})),
            "dataset": {"name": "plane", "params": {"n": 400}},
            "training": {
                "epochs": 20,
                "optimizer": "sgd",
                "learning_rate": 10.0,
                "momentum": 0.9,
                "boundary_resolution": 10,
            },
        }
    )
    events: list[Event] = []
    assert run_job(request, run_id="run-j", emit=events.append, settings=local) == "failed"
    last, final = events[-2], events[-1]
    assert final.type == "status" and final.code == "non_finite_loss"
    assert isinstance(last, DiagnosticEvent) and last.kind == "divergence" and last.run_id == "run-j"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_over_its_time_budget_the_producer_skips_its_tensor_work_but_still_reads_the_loss(
    local: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    forwards: list[int] = []
    original = GraphModule.forward_with_outputs

    def counted(self: GraphModule, x: torch.Tensor) -> Any:
        forwards.append(len(x))
        return original(self, x)

    monkeypatch.setattr(GraphModule, "forward_with_outputs", counted)
    found = _template("spiral_mlp", None, local, DiagnosticsProducer(budget=0.0), epochs=3, learning_rate=1e-7)
    assert _kinds(found) == {("learning_rate_too_low", None)}  # no update_ratio: no samples were taken
    # The monitor batch before training only (beside the one-example pass that sizes it).
    assert forwards[0] == 1 and len(forwards) == 2


def test_a_big_network_gets_a_monitor_batch_as_small_as_the_telemetry_s(
    local: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    original = GraphModule.forward_with_outputs

    def counted(self: GraphModule, x: torch.Tensor) -> Any:
        sizes.append(len(x))
        return original(self, x)

    # As if each example were big: the rule gives its floor, 16 (the spiral's split has 75).
    monkeypatch.setattr("layerlab.training.telemetry.MONITOR_VALUES", 1_000)
    monkeypatch.setattr(GraphModule, "forward_with_outputs", counted)
    _template("spiral_mlp", None, local, DiagnosticsProducer(), epochs=1)
    assert max(sizes) == 16
