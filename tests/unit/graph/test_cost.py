"""The cost estimate against an oracle: what PyTorch really keeps and counts in a training step.

The oracle runs a real forward pass of the compiled graph on a small batch on the CPU and sums
the bytes of every tensor autograd saves for backward (``saved_tensors_hooks``, each storage
once, parameters and buffers apart), then a backward pass and one optimizer step for the
gradients and the optimizer's state. Parameters, gradients, buffers and optimizer state must
match exactly; activations within ``ACTIVATION_FACTOR`` either way, except attention without
dropout, where the estimate counts the ``h × T × T`` weights that PyTorch's fused CPU kernel
does not keep (an upper bound, within ``FUSED_ATTENTION_FACTOR``). FLOPs of Dense and the
convolutions are checked exactly against the formula and against ``FlopCounterMode``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from layerlab.datasets import get_dataset_info
from layerlab.datasets.text import DEFAULT_SEQUENCE_LENGTH
from layerlab.graph import CostSettings, GraphSpec, compile_graph, validate_graph
from layerlab.graph.cost import CostEstimate, format_bytes, format_flops, optimizer_state_per_param
from layerlab.layers import get_spec
from layerlab.settings import Settings
from layerlab.templates import list_templates
from layerlab.training.config import OptimizerName, TrainConfig
from layerlab.training.optim import build_optimizer

ACTIVATION_FACTOR = 1.25
FUSED_ATTENTION_FACTOR = 2.5


@dataclass(frozen=True)
class Measured:
    activations: int
    parameters: int
    gradients: int
    optimizer: int
    buffers: int


def chain(*layers: tuple[str, dict[str, Any]]) -> GraphSpec:
    nodes = [{"id": f"n{i}", "type": t, "params": p} for i, (t, p) in enumerate(layers)]
    edges = [{"source": f"n{i}", "target": f"n{i + 1}"} for i in range(len(layers) - 1)]
    return GraphSpec.model_validate({"nodes": nodes, "edges": edges})


def measure(
    spec: GraphSpec,
    input_shape: tuple[int, ...],
    batch: int,
    optimizer: OptimizerName = "adam",
    momentum: float = 0.9,
    *,
    vocabulary: int | None = None,
) -> Measured:
    """One real training step on the CPU, with every tensor autograd keeps counted once.

    ``vocabulary``: the graph reads token ids below it ``(batch, T)`` and is trained as a
    language model, on a class per position (logits ``(batch, T, V)``); otherwise it reads
    floats and is trained on one class per sample.
    """
    torch.manual_seed(0)
    model = compile_graph(spec, input_shape)
    model.train()
    own = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    kept: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in own and storage.nbytes():
            kept[storage.data_ptr()] = storage.nbytes()
        return tensor

    if vocabulary is None:
        x = torch.rand(batch, *input_shape)
    else:
        x = torch.randint(0, vocabulary, (batch, *input_shape))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        out = model(x)
        if vocabulary is None:
            loss = F.cross_entropy(out, torch.randint(0, out.shape[1], (batch,)))
        else:  # (batch, T, V) logits against a next character per position, as the recipe trains
            logits = out.reshape(-1, out.shape[-1])
            loss = F.cross_entropy(logits, torch.randint(0, logits.shape[1], (logits.shape[0],)))
    torch.autograd.backward(loss)
    opt = build_optimizer(model, TrainConfig(optimizer=optimizer, momentum=momentum))
    opt.step()
    state = [v for s in opt.state.values() for v in s.values() if isinstance(v, torch.Tensor) and v.dim() > 0]
    return Measured(
        activations=sum(kept.values()),
        parameters=sum(p.numel() * p.element_size() for p in model.parameters()),
        gradients=sum(p.grad.numel() * p.grad.element_size() for p in model.parameters() if p.grad is not None),
        optimizer=sum(v.numel() * v.element_size() for v in state),
        buffers=sum(b.numel() * b.element_size() for b in model.buffers()),
    )


def estimate(spec: GraphSpec, input_shape: tuple[int, ...], settings: CostSettings) -> CostEstimate:
    report = validate_graph(spec, input_shape, cost_settings=settings)
    assert report.valid, report.errors
    assert report.cost is not None and report.cost.complete
    return report.cost


def assert_matches(cost: CostEstimate, real: Measured, factor: float = ACTIVATION_FACTOR) -> None:
    assert cost.parameters_bytes == real.parameters
    assert cost.gradients_bytes == real.gradients
    assert cost.optimizer_bytes == real.optimizer
    assert cost.buffers_bytes == real.buffers
    assert real.activations / factor <= cost.activations_bytes <= real.activations * factor, (
        cost.activations_bytes,
        real.activations,
    )


TEMPLATE_BATCHES = {
    "mnist_mlp": 32,
    "cifar10_cnn": 64,
    "digits_mlp": 32,
    "spiral_mlp": 32,
    "deep_sigmoid_mlp": 32,
    "sine_lstm": 32,
    "sunspots_gru": 16,
}

#: Language-model templates and their batch: they read ``(batch, sequence_length)`` token ids.
LANGUAGE_MODEL_BATCHES = {"names_lstm": 16, "shakespeare_char_lstm": 16, "shakespeare_transformer": 8}


@pytest.mark.parametrize("name", sorted(TEMPLATE_BATCHES))
def test_templates_estimate_what_a_real_step_keeps(name: str, tmp_path: Path) -> None:
    [template] = [t for t in list_templates() if t.name == name]
    settings = Settings(home=tmp_path, data_dir=tmp_path, allow_download=False)
    shape = tuple(get_dataset_info(template.dataset.name, settings).input_shape)
    batch = TEMPLATE_BATCHES[name]
    cost = estimate(template.graph, shape, CostSettings(batch_size=batch))
    assert_matches(cost, measure(template.graph, shape, batch))


@pytest.mark.parametrize("name", sorted(LANGUAGE_MODEL_BATCHES))
def test_language_model_templates_estimate_what_a_real_step_keeps(name: str) -> None:
    [template] = [t for t in list_templates() if t.name == name]
    shape = (template.training.sequence_length or DEFAULT_SEQUENCE_LENGTH,)
    [embedding] = [n for n in template.graph.nodes if n.type == "Embedding"]
    batch = LANGUAGE_MODEL_BATCHES[name]
    cost = estimate(template.graph, shape, CostSettings(batch_size=batch))
    real = measure(template.graph, shape, batch, vocabulary=int(embedding.params["vocab_size"]))
    fused = any(n.type == "TransformerEncoderLayer" and not n.params.get("dropout") for n in template.graph.nodes)
    if fused:  # attention without dropout: the estimate counts weights the fused kernel does not keep
        assert_matches(cost, real, factor=FUSED_ATTENTION_FACTOR)
        assert real.activations <= cost.activations_bytes
    else:
        assert_matches(cost, real)


def test_every_template_is_estimated() -> None:
    assert {t.name for t in list_templates()} <= set(TEMPLATE_BATCHES) | set(LANGUAGE_MODEL_BATCHES)


TRANSFORMER = chain(
    ("Input", {}),
    ("Dense", {"units": 32}),
    ("PositionalEncoding", {"max_len": 64}),
    ("TransformerEncoderLayer", {"num_heads": 4, "dim_feedforward": 64}),
    ("TransformerEncoderLayer", {"num_heads": 4, "dim_feedforward": 64, "activation": "gelu", "norm_first": True}),
    ("Flatten", {}),
    ("Dense", {"units": 5}),
)


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        (TRANSFORMER, (48, 8)),
        (
            chain(
                ("Input", {}),
                ("Dense", {"units": 32}),
                ("MultiHeadAttention", {"num_heads": 4, "dropout": 0.1}),
                ("LayerNorm", {}),
                ("Flatten", {}),
                ("Dense", {"units": 3}),
            ),
            (48, 8),
        ),
        (
            chain(
                ("Input", {}),
                ("LSTM", {"units": 32, "return_sequences": True, "bidirectional": True}),
                ("GRU", {"units": 16, "return_sequences": True}),
                ("SimpleRNN", {"units": 8}),
                ("Dense", {"units": 3}),
            ),
            (20, 8),
        ),
        (
            chain(
                ("Input", {}),
                ("Conv2D", {"filters": 8, "padding": "same", "activation": "gelu"}),
                ("BatchNorm", {}),
                ("MaxPool2D", {}),
                ("Dropout", {"rate": 0.3}),
                ("Conv2D", {"filters": 8, "kernel_size": 4, "padding": "same"}),
                ("ReLU", {}),
                ("ConvTranspose2D", {"filters": 4, "activation": "relu"}),
                ("AvgPool2D", {}),
                ("GlobalAvgPool2D", {}),
                ("Dense", {"units": 3}),
            ),
            (3, 16, 16),
        ),
    ],
    ids=["transformer", "attention-dropout", "recurrent", "cnn"],
)
def test_layer_mixes_estimate_what_a_real_step_keeps(spec: GraphSpec, shape: tuple[int, ...]) -> None:
    assert_matches(estimate(spec, shape, CostSettings(batch_size=16)), measure(spec, shape, 16))


def test_attention_without_dropout_is_an_upper_bound_counting_the_weights() -> None:
    spec = chain(
        ("Input", {}),
        ("Dense", {"units": 32}),
        ("MultiHeadAttention", {"num_heads": 4}),
        ("Flatten", {}),
        ("Dense", {"units": 3}),
    )
    cost = estimate(spec, (48, 8), CostSettings(batch_size=16))
    real = measure(spec, (48, 8), 16)
    # the fused CPU kernel keeps no T × T matrix; the estimate counts B · heads · T · T weights
    assert real.activations <= cost.activations_bytes <= real.activations * FUSED_ATTENTION_FACTOR
    assert cost.nodes["n2"].activation_bytes >= 16 * 4 * 48 * 48 * 4


@pytest.mark.parametrize(
    ("optimizer", "momentum", "state"),
    [
        ("adam", 0.9, 2),
        ("adamw", 0.0, 2),
        ("sgd", 0.9, 1),
        ("sgd", 0.0, 0),
        ("rmsprop", 0.0, 1),
        ("rmsprop", 0.9, 2),
        ("adagrad", 0.9, 1),
    ],
)
def test_optimizer_state_matches_the_real_optimizer(optimizer: OptimizerName, momentum: float, state: int) -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 16, "activation": "relu"}), ("Dense", {"units": 3}))
    cost = estimate(spec, (10,), CostSettings(batch_size=8, optimizer=optimizer, momentum=momentum))
    assert optimizer_state_per_param(optimizer, momentum) == state
    assert cost.optimizer_bytes == state * 4 * ((10 * 16 + 16) + (16 * 3 + 3))
    assert cost.optimizer_bytes == measure(spec, (10,), 8, optimizer, momentum).optimizer


def test_batch_size_multiplies_the_activations_and_flops_not_the_weights() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 64, "activation": "relu"}), ("Dense", {"units": 4}))
    small = estimate(spec, (20,), CostSettings(batch_size=8))
    big = estimate(spec, (20,), CostSettings(batch_size=8192))
    assert big.activations_bytes == 1024 * small.activations_bytes
    assert big.flops_per_step == 1024 * small.flops_per_step
    assert big.parameters_bytes == small.parameters_bytes and big.optimizer_bytes == small.optimizer_bytes
    assert big.total_bytes == sum(
        (
            big.parameters_bytes,
            big.gradients_bytes,
            big.optimizer_bytes,
            big.activations_bytes,
            big.buffers_bytes,
            big.data_bytes,
        )
    )


def test_mixed_precision_halves_the_activations_and_adds_half_weights() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 64, "activation": "relu"}), ("Dense", {"units": 4}))
    full = estimate(spec, (20,), CostSettings(batch_size=32))
    half = estimate(spec, (20,), CostSettings(batch_size=32, mixed_precision=True))
    assert half.activations_bytes * 2 == full.activations_bytes
    assert half.parameters_bytes == full.parameters_bytes * 3 // 2


def test_the_data_set_counts_when_its_size_is_known() -> None:
    spec = chain(("Input", {}), ("Flatten", {}), ("Dense", {"units": 10}))
    cost = estimate(spec, (1, 28, 28), CostSettings(dataset_samples=70_000))
    assert cost.data_bytes == 70_000 * (784 * 4 + 8)
    assert estimate(spec, (1, 28, 28), CostSettings()).data_bytes == 0


@pytest.mark.parametrize(
    ("type_name", "params", "shape", "formula"),
    [
        ("Dense", {"units": 10}, (784,), 2 * 784 * 10),
        ("Dense", {"units": 7, "use_bias": False}, (5, 6), 2 * 6 * 7 * 5),
        ("Conv2D", {"filters": 8, "kernel_size": 3}, (3, 16, 16), 2 * 3 * 3 * 3 * 8 * 14 * 14),
        ("Conv2D", {"filters": 8, "kernel_size": 4, "padding": "same", "stride": 2}, (3, 17, 17), 2 * 3 * 16 * 8 * 81),
        ("Conv1D", {"filters": 4, "kernel_size": 3}, (20, 3), 2 * 3 * 3 * 4 * 18),
        ("ConvTranspose2D", {"filters": 4, "kernel_size": 3}, (8, 7, 7), 2 * 8 * 9 * 4 * 49),
    ],
)
def test_dense_and_convolution_flops_are_exact(
    type_name: str, params: dict[str, Any], shape: tuple[int, ...], formula: int
) -> None:
    spec = get_spec(type_name)
    assert spec is not None
    assert spec.cost([shape], params).flops == formula
    module = spec.build([shape], params)
    x = torch.randn(4, *shape, requires_grad=True)
    with FlopCounterMode(display=False) as forward:
        y = module(x)
    with FlopCounterMode(display=False) as backward:
        torch.autograd.backward(y.sum())
    assert forward.get_total_flops() == 4 * formula
    # a step is forward + backward ≈ 3 × forward: exactly so for these layers
    assert forward.get_total_flops() + backward.get_total_flops() == 3 * 4 * formula


def test_flops_per_step_is_three_forwards_per_sample() -> None:
    spec = chain(("Input", {}), ("Conv2D", {"filters": 4}), ("Flatten", {}), ("Dense", {"units": 10}))
    cost = estimate(spec, (1, 8, 8), CostSettings(batch_size=64))
    forward = 2 * 9 * 4 * 36 + 2 * 144 * 10
    assert cost.forward_flops_per_sample == forward
    assert cost.flops_per_step == 3 * 64 * forward
    assert cost.nodes["n1"].flops_per_step == 3 * 64 * 2 * 9 * 4 * 36


def test_a_huge_positional_table_is_counted_without_being_built() -> None:
    # 10,000 × 65,536 float32 = 2.4 GiB: built in a worker, it would take that memory; here nothing is built
    spec = chain(("Input", {}), ("Dense", {"units": 65_536}), ("PositionalEncoding", {"max_len": 10_000}))
    cost = estimate(spec, (4, 2), CostSettings(batch_size=1))
    assert cost.buffers_bytes == 10_000 * 65_536 * 4
    assert cost.nodes["n2"].buffer_bytes == cost.buffers_bytes


def test_unknown_shapes_give_no_estimate_and_a_broken_node_a_partial_one() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 8}), ("Dense", {"units": 2}))
    assert validate_graph(spec, None).cost is None
    broken = chain(("Input", {}), ("Conv2D", {"kernel_size": 9}), ("Flatten", {}))
    cost = validate_graph(broken, (3, 8, 8)).cost
    assert cost is not None and not cost.complete and set(cost.nodes) == {"n0"}


def huge_batch_graph() -> GraphSpec:
    # 2 × 64 × 64 × 64 ≈ 0.5 M values per sample: far under the per-sample activation limit
    return chain(
        ("Input", {}),
        ("Conv2D", {"filters": 16, "padding": "same", "activation": "relu"}),
        ("Upsample", {"scale_factor": 8}),
        ("Conv2D", {"filters": 64, "padding": "same", "activation": "relu"}),
        ("Conv2D", {"filters": 64, "padding": "same", "activation": "relu"}),
        ("GlobalAvgPool2D", {}),
        ("Dense", {"units": 10}),
    )


def test_a_batch_of_8192_over_the_memory_limit_is_too_much_memory_naming_the_node() -> None:
    limit = Settings().max_run_memory_mb * 2**20
    spec = huge_batch_graph()
    ok = validate_graph(spec, (1, 8, 8), cost_settings=CostSettings(batch_size=32), max_memory_bytes=limit)
    assert ok.valid
    report = validate_graph(
        spec,
        (1, 8, 8),
        max_activation_elements=Settings().max_activation_elements,
        cost_settings=CostSettings(batch_size=8192),
        max_memory_bytes=limit,
    )
    [issue] = report.errors
    assert report.cost is not None and report.cost.total_bytes > 16 * 2**30
    assert (issue.code, issue.node_id, issue.field) == ("too_much_memory", "n4", "filters")
    assert format_bytes(report.cost.total_bytes) in issue.message
    assert "limit of 8.0 GB" in issue.message
    assert "activations 18 GB (batch of 8192)" in issue.message
    assert '"n3" (Conv2D)' in issue.message and '"n4" (Conv2D)' in issue.message
    assert issue.hint is not None and "smaller batch size (now 8192)" in issue.hint


def test_too_much_memory_from_parameters_suggests_a_lighter_optimizer() -> None:
    # 3 × 4096² ≈ 50 M parameters: 16 bytes each with adam (805 MB), 8 with plain sgd (403 MB)
    wide = ("Dense", {"units": 4096})
    spec = chain(("Input", {}), wide, wide, wide, ("Dense", {"units": 2}))
    limit = 600 * 2**20
    report = validate_graph(spec, (4096,), cost_settings=CostSettings(batch_size=1), max_memory_bytes=limit)
    [issue] = report.errors
    assert (issue.code, issue.node_id, issue.field) == ("too_much_memory", "n1", "units")
    assert "optimizer state 384 MB (adam)" in issue.message
    assert issue.hint is not None and "optimizer with less state" in issue.hint
    sgd = CostSettings(batch_size=1, optimizer="sgd", momentum=0.0)
    assert validate_graph(spec, (4096,), cost_settings=sgd, max_memory_bytes=limit).valid


def test_a_big_positional_table_is_too_much_memory_on_max_len() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 65_536}), ("PositionalEncoding", {"max_len": 10_000}))
    [issue] = validate_graph(spec, (4, 2), cost_settings=CostSettings(batch_size=1), max_memory_bytes=2**30).errors
    assert (issue.code, issue.node_id, issue.field) == ("too_much_memory", "n2", "max_len")
    assert issue.hint is not None and "max_len" in issue.hint


def test_memory_limit_is_inclusive() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 8}), ("Dense", {"units": 2}))
    total = estimate(spec, (4,), CostSettings()).total_bytes
    assert validate_graph(spec, (4,), max_memory_bytes=total).valid
    assert [e.code for e in validate_graph(spec, (4,), max_memory_bytes=total - 1).errors] == ["too_much_memory"]


def test_the_response_carries_the_estimate() -> None:
    spec = chain(("Input", {}), ("Dense", {"units": 8}), ("Dense", {"units": 2}))
    body = validate_graph(spec, (4,), cost_settings=CostSettings(batch_size=16)).to_response()
    cost = body["cost"]
    assert isinstance(cost, dict) and cost["batch_size"] == 16
    assert set(cost["nodes"]) == {"n0", "n1", "n2"}
    assert set(cost["nodes"]["n1"]) == {
        "params",
        "param_bytes",
        "activation_bytes",
        "buffer_bytes",
        "flops_per_step",
        "total_bytes",
    }


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (10 * 2**20, "10 MB"), (int(1.24 * 2**30), "1.2 GB")],
)
def test_format_bytes(size: int, text: str) -> None:
    assert format_bytes(size) == text


@pytest.mark.parametrize(
    ("flops", "text"),
    [(850, "850 FLOP"), (3_400_000, "3.4 MFLOP"), (999_600_000, "1.0 GFLOP"), (120 * 10**9, "120 GFLOP")],
)
def test_format_flops(flops: int, text: str) -> None:
    assert format_flops(flops) == text


def test_costs_of_every_layer_are_positive_where_they_must_be() -> None:
    # a sanity net over the registry: a node that makes a new tensor keeps something for backward
    for spec_type, params, shape in [
        ("Embedding", {"vocab_size": 50, "embedding_dim": 4}, (7,)),
        ("LSTM", {"units": 4}, (5, 3)),
        ("MultiHeadAttention", {"num_heads": 2}, (5, 4)),
    ]:
        spec = get_spec(spec_type)
        assert spec is not None
        cost = spec.cost([shape], params)
        out = spec.infer_shape([shape], params)
        assert cost.saved_values >= math.prod(out)
