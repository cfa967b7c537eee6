"""The compiler against oracles: hand-written torch modules with the same weights give the same numbers."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from layerlab.errors import GraphInvalidError
from layerlab.graph import GraphModule, GraphSpec, compile_graph
from layerlab.templates import get_template

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "graphs"


def load(name: str) -> GraphSpec:
    return GraphSpec.model_validate(json.loads((FIXTURES / name).read_text()))


def copy_weights(source: nn.Module, target: GraphModule) -> None:
    """Copy parameters in registration order (the graph registers its nodes in topological order)."""
    src, dst = list(source.parameters()), list(target.parameters())
    assert [p.shape for p in src] == [p.shape for p in dst]
    with torch.no_grad():
        for s, d in zip(src, dst, strict=True):
            d.copy_(s)


def assert_same_outputs_and_gradients(
    reference: nn.Module, model: GraphModule, x: torch.Tensor, y: torch.Tensor
) -> None:
    reference.eval()
    model.eval()
    copy_weights(reference, model)
    ref_out, out = reference(x), model(x)
    torch.testing.assert_close(out, ref_out, rtol=0, atol=0)
    torch.autograd.backward(nn.functional.cross_entropy(ref_out, y))
    torch.autograd.backward(nn.functional.cross_entropy(out, y))
    for p_ref, p in zip(reference.parameters(), model.parameters(), strict=True):
        assert p_ref.grad is not None and p.grad is not None
        torch.testing.assert_close(p.grad, p_ref.grad, rtol=0, atol=0)


def test_mnist_mlp_template_matches_hand_written_sequential() -> None:
    template = get_template("mnist_mlp")
    assert template is not None
    torch.manual_seed(0)
    model = compile_graph(template.graph, (1, 28, 28))
    reference = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    assert_same_outputs_and_gradients(reference, model, x, y)
    assert model.final_activation == "softmax"
    assert sum(p.numel() for p in model.parameters()) == 101_770


def test_cifar_cnn_template_matches_hand_written_sequential() -> None:
    template = get_template("cifar10_cnn")
    assert template is not None
    torch.manual_seed(0)
    model = compile_graph(template.graph, (3, 32, 32))
    reference = nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, 10),
    )  # fmt: skip
    x, y = torch.rand(4, 3, 32, 32), torch.randint(0, 10, (4,))
    assert_same_outputs_and_gradients(reference, model, x, y)
    assert sum(p.numel() for p in model.parameters()) == 122_570  # as in the Keras tutorial


class Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(2, 16)
        self.block_1 = nn.Linear(16, 16)
        self.block_2 = nn.Linear(16, 16)
        self.out = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.stem(x))
        r = self.block_2(torch.relu(self.block_1(h)))
        out: torch.Tensor = self.out(torch.relu(r + h))
        return out


def test_residual_block_with_add_matches_hand_written_module() -> None:
    torch.manual_seed(0)
    model = compile_graph(load("residual.json"), (2,))
    assert model._chain is None  # the branching plan, not the chain fast path
    x, y = torch.rand(8, 2), torch.randint(0, 2, (8,))
    assert_same_outputs_and_gradients(Residual(), model, x, y)


def test_concat_branch_keeps_port_order() -> None:
    spec = GraphSpec.model_validate(
        {
            "nodes": [
                {"id": "in", "type": "Input"},
                {"id": "wide", "type": "Conv2D", "params": {"filters": 3, "kernel_size": 3, "padding": "same"}},
                {"id": "narrow", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 1}},
                {"id": "cat", "type": "Concat"},
                {"id": "gap", "type": "GlobalAvgPool2D"},
            ],
            "edges": [
                {"source": "in", "target": "wide"},
                {"source": "in", "target": "narrow"},
                {"source": "wide", "target": "cat", "target_port": 1},
                {"source": "narrow", "target": "cat", "target_port": 0},
                {"source": "cat", "target": "gap"},
            ],
        }
    )
    model = compile_graph(spec, (1, 6, 6)).eval()
    x = torch.rand(2, 1, 6, 6)
    mods = model.node_modules
    expected = torch.cat([mods["narrow"](x), mods["wide"](x)], dim=1).mean(dim=(2, 3))
    torch.testing.assert_close(model(x), expected)
    assert model.output_shape == (5,)


def _mlp(out_layers: list[dict[str, Any]]) -> GraphSpec:
    nodes: list[dict[str, Any]] = [{"id": "in", "type": "Input"}, {"id": "h", "type": "Dense", "params": {"units": 5}}]
    nodes += out_layers
    ids = [n["id"] for n in nodes]
    return GraphSpec.model_validate(
        {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]}
    )


def test_softmax_at_the_output_is_not_applied_in_forward_so_cross_entropy_sees_logits() -> None:
    torch.manual_seed(0)
    logits_model = compile_graph(_mlp([{"id": "out", "type": "Dense", "params": {"units": 3}}]), (4,))
    softmax_layer = compile_graph(
        _mlp([{"id": "out", "type": "Dense", "params": {"units": 3}}, {"id": "sm", "type": "Softmax"}]), (4,)
    )
    softmax_param = compile_graph(
        _mlp([{"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}}]), (4,)
    )
    x, y = torch.rand(6, 4), torch.randint(0, 3, (6,))
    for model in (softmax_layer, softmax_param):
        copy_weights(logits_model, model)
        assert model.final_activation == "softmax"
        torch.testing.assert_close(model(x), logits_model(x))
        loss = nn.functional.cross_entropy(model(x), y)
        torch.testing.assert_close(loss, nn.functional.cross_entropy(logits_model(x), y))
        probabilities = model.predict(x)
        torch.testing.assert_close(probabilities, torch.softmax(logits_model(x), dim=1))
        torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(6))
    assert logits_model.final_activation is None
    torch.testing.assert_close(logits_model.predict(x), logits_model(x))


def test_sigmoid_output_is_left_to_predict() -> None:
    model = compile_graph(_mlp([{"id": "out", "type": "Dense", "params": {"units": 1, "activation": "sigmoid"}}]), (4,))
    x = torch.rand(3, 4)
    assert model.final_activation == "sigmoid"
    torch.testing.assert_close(model.predict(x), torch.sigmoid(model(x)))


def test_softmax_inside_the_network_is_applied() -> None:
    model = compile_graph(
        _mlp([{"id": "sm", "type": "Softmax"}, {"id": "out", "type": "Dense", "params": {"units": 2}}]), (4,)
    )
    assert model.final_activation is None
    outputs = model.forward_with_outputs(torch.rand(3, 4))[1]
    torch.testing.assert_close(outputs["sm"].sum(dim=1), torch.ones(3))


def test_forward_with_outputs_returns_every_node() -> None:
    model = compile_graph(load("residual.json"), (2,))
    x = torch.rand(3, 2)
    out, outputs = model.forward_with_outputs(x)
    assert set(outputs) == set(model.order)
    torch.testing.assert_close(out, model(x))
    assert outputs["add"].shape == (3, 16)
    assert outputs["input"] is x


def test_node_modules_are_keyed_by_node_id_even_for_awkward_ids() -> None:
    spec = GraphSpec.model_validate(
        {
            "nodes": [
                {"id": "in put", "type": "Input"},
                {"id": "dense.1", "type": "Dense", "params": {"units": 3}},
                {"id": "dense_1", "type": "ReLU"},
                {"id": "keys", "type": "Dense", "params": {"units": 2}},
            ],
            "edges": [
                {"source": "in put", "target": "dense.1"},
                {"source": "dense.1", "target": "dense_1"},
                {"source": "dense_1", "target": "keys"},
            ],
        }
    )
    model = compile_graph(spec, (4,))
    assert set(model.node_modules) == {"dense.1", "dense_1", "keys"}
    assert len(set(model.module_keys.values())) == 4
    assert model(torch.rand(2, 4)).shape == (2, 2)


def test_invalid_graph_raises_with_every_issue() -> None:
    with pytest.raises(GraphInvalidError) as info:
        compile_graph(load("invalid_shapes.json"), (1, 8, 8))
    assert [issue.code for issue in info.value.issues] == ["shape_mismatch"]
    assert info.value.node_id == "dense_1"


def test_compiled_module_deep_copies_and_moves_with_its_plan() -> None:
    model = compile_graph(load("residual.json"), (2,))
    clone = copy.deepcopy(model)
    with torch.no_grad():
        for p in clone.parameters():
            p.add_(1.0)
    x = torch.rand(2, 2)
    assert not torch.allclose(clone(x), model(x))  # the copy's plan runs the copy's modules
    state = model.state_dict()
    assert any(key.startswith("layers.stem.") for key in state)
    restored = pickle.loads(pickle.dumps(model))
    torch.testing.assert_close(restored(x), model(x))
    assert model.double()(x.double()).dtype == torch.float64


def test_compiled_mlp_trains() -> None:
    torch.manual_seed(0)
    model = compile_graph(load("mlp_tiny.json"), (2,))
    x = torch.randn(64, 2)
    y = (x[:, 0] * x[:, 1] > 0).long()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    first = nn.functional.cross_entropy(model(x), y).item()
    for _ in range(40):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        torch.autograd.backward(loss)
        optimizer.step()
    assert loss.item() < first * 0.8


def test_compile_graph_applies_the_activation_limit() -> None:
    spec = load("cnn_tiny.json")
    with pytest.raises(GraphInvalidError) as info:
        compile_graph(spec, (1, 8, 8), max_activation_elements=100)
    assert [issue.code for issue in info.value.issues] == ["too_large_activations"]
    assert info.value.node_id == "conv"
    model = compile_graph(spec, (1, 8, 8), max_activation_elements=10_000)
    assert model(torch.rand(2, 1, 8, 8)).shape[0] == 2
