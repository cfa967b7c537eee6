"""The layer registry: one spec per type, a catalogue the page can build forms from, shapes that match torch."""

from __future__ import annotations

import json
from types import ModuleType

import pytest
import torch
from pydantic import ValidationError

import layerlab.graph
import layerlab.layers
import layerlab.templates
from layerlab.layers import CATEGORIES, LayerSpec, ShapeError, all_specs, get_spec, layer_catalogue
from layerlab.layers.spec import Shape

#: The layer types of docs/contract.md §1.3.
CONTRACT_TYPES = {
    "Input", "Flatten", "Reshape", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool2D", "Conv1D",
    "ConvTranspose2D", "Upsample", "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax", "Dropout",
    "BatchNorm", "LayerNorm", "Embedding", "SimpleRNN", "LSTM", "GRU", "MultiHeadAttention",
    "TransformerEncoderLayer", "PositionalEncoding", "Add", "Concat",
}  # fmt: skip


@pytest.mark.parametrize("module", [layerlab.layers, layerlab.graph, layerlab.templates])
def test_package_exports_are_sorted_and_importable(module: ModuleType) -> None:
    names = list(module.__all__)
    assert names == sorted(names)
    for name in names:
        assert hasattr(module, name), name


def test_registry_holds_every_layer_type_of_the_contract() -> None:
    types = [spec.type for spec in all_specs()]
    assert len(types) == len(set(types))
    assert set(types) == CONTRACT_TYPES


def test_registry_lists_types_in_palette_order() -> None:
    ranks = [CATEGORIES.index(spec.category) for spec in all_specs()]
    assert ranks == sorted(ranks)


def test_get_spec_returns_none_for_unknown_type() -> None:
    assert get_spec("Dense") is not None
    assert get_spec("dense") is None


def test_catalogue_is_json_with_the_agreed_keys() -> None:
    catalogue = json.loads(json.dumps(layer_catalogue()))
    for item in catalogue:
        assert set(item) == {
            "type",
            "category",
            "description",
            "explanation",
            "params_schema",
            "inputs",
            "role",
            "ordered_inputs",
            "final_activation",
            "activation_axis",
            "units_field",
            "takes_token_ids",
        }
        assert item["category"] in CATEGORIES
        assert item["description"] and item["explanation"]
        assert item["params_schema"]["type"] == "object"
        assert item["params_schema"]["additionalProperties"] is False
        assert set(item["inputs"]) == {"min", "max"}


def test_dense_schema_carries_defaults_ranges_and_choices() -> None:
    entry = next(item for item in layer_catalogue() if item["type"] == "Dense")
    schema = entry["params_schema"]
    assert isinstance(schema, dict)
    props = schema["properties"]
    assert props["units"]["default"] == 32
    assert props["units"]["minimum"] == 1
    assert "relu" in props["activation"]["enum"] and "softmax" in props["activation"]["enum"]
    assert props["use_bias"]["default"] is True
    assert all(prop.get("description") for prop in props.values())


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.type)
def test_every_layer_has_valid_defaults_and_rejects_unknown_params(spec: LayerSpec) -> None:
    spec.parse_params({})
    with pytest.raises(ValidationError):
        spec.parse_params({"no_such_param": 1})


def _cases() -> list[tuple[LayerSpec, tuple[Shape, ...]]]:
    return [(spec, example) for spec in all_specs() for example in spec.example_inputs]


@pytest.mark.parametrize("spec,in_shapes", _cases(), ids=lambda v: v.type if isinstance(v, LayerSpec) else str(v))
def test_inferred_shape_and_param_count_match_the_built_module(spec: LayerSpec, in_shapes: tuple[Shape, ...]) -> None:
    torch.manual_seed(0)
    params = {"shape": [3, 5]} if spec.type == "Input" else {}
    expected = spec.infer_shape(in_shapes, params)
    module = spec.build(in_shapes, params).eval()
    inputs = [torch.rand(2, *shape) for shape in in_shapes] or [torch.rand(2, 3, 5)]
    with torch.no_grad():
        out = module(*inputs)
    assert tuple(out.shape[1:]) == expected
    assert spec.param_count(in_shapes, params) == sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    "type_name,params,in_shapes,expected",
    [
        ("Conv2D", {"filters": 8, "kernel_size": 3, "padding": "same", "stride": 2}, [(3, 9, 9)], (8, 5, 5)),
        ("Conv2D", {"filters": 8, "kernel_size": 4, "padding": "same"}, [(3, 9, 9)], (8, 9, 9)),
        ("Conv2D", {"filters": 8, "kernel_size": 5, "stride": 2}, [(3, 9, 9)], (8, 3, 3)),
        ("ConvTranspose2D", {"filters": 2, "kernel_size": 4, "stride": 2}, [(3, 5, 5)], (2, 10, 10)),
        ("ConvTranspose2D", {"filters": 2, "kernel_size": 3, "stride": 1, "padding": "valid"}, [(3, 5, 5)], (2, 7, 7)),
        ("MaxPool2D", {"pool_size": 3, "stride": 1}, [(2, 5, 5)], (2, 3, 3)),
        ("Reshape", {"shape": [28, -1]}, [(784,)], (28, 28)),
        ("Dense", {"units": 5}, [(7, 3)], (7, 5)),
        ("LSTM", {"units": 4, "bidirectional": True, "num_layers": 2}, [(6, 3)], (8,)),
        ("GRU", {"units": 4, "bidirectional": True, "return_sequences": True}, [(6, 3)], (6, 8)),
        ("BatchNorm", {}, [(5, 6)], (5, 6)),
        ("Concat", {"axis": -1}, [(5, 2), (5, 3)], (5, 5)),
        ("PositionalEncoding", {"kind": "learned", "max_len": 6}, [(6, 4)], (6, 4)),
        ("MultiHeadAttention", {"num_heads": 2, "causal": True}, [(5, 4)], (5, 4)),
        ("TransformerEncoderLayer", {"num_heads": 2, "causal": True, "dim_feedforward": 8}, [(5, 4)], (5, 4)),
        ("Upsample", {"mode": "bilinear", "scale_factor": 3}, [(1, 2, 2)], (1, 6, 6)),
    ],
)
def test_layer_variants_match_torch(
    type_name: str, params: dict[str, object], in_shapes: list[Shape], expected: Shape
) -> None:
    spec = get_spec(type_name)
    assert spec is not None
    assert spec.infer_shape(in_shapes, params) == expected
    module = spec.build(in_shapes, params).eval()
    with torch.no_grad():
        out = module(*[torch.rand(2, *s) for s in in_shapes])
    assert tuple(out.shape[1:]) == expected
    assert spec.param_count(in_shapes, params) == sum(p.numel() for p in module.parameters())


def test_bidirectional_rnn_without_sequences_returns_both_final_states() -> None:
    spec = get_spec("LSTM")
    assert spec is not None
    torch.manual_seed(0)
    module = spec.build([(5, 3)], {"units": 4, "bidirectional": True}).eval()
    full = spec.build([(5, 3)], {"units": 4, "bidirectional": True, "return_sequences": True}).eval()
    full.load_state_dict(module.state_dict())
    x = torch.rand(2, 5, 3)
    with torch.no_grad():
        last, seq = module(x), full(x)
    torch.testing.assert_close(last[:, :4], seq[:, -1, :4])  # forward direction ends at the last step
    torch.testing.assert_close(last[:, 4:], seq[:, 0, 4:])  # backward direction ends at the first step


def test_dense_rejects_images_with_a_flatten_hint() -> None:
    spec = get_spec("Dense")
    assert spec is not None
    with pytest.raises(ShapeError) as info:
        spec.infer_shape([(64, 7, 7)], {"units": 10})
    assert info.value.code == "shape_mismatch"
    assert info.value.hint is not None and "Flatten" in info.value.hint


def test_conv_that_shrinks_below_one_pixel_blames_kernel_size() -> None:
    spec = get_spec("Conv2D")
    assert spec is not None
    with pytest.raises(ShapeError) as info:
        spec.infer_shape([(3, 3, 3)], {"kernel_size": 5})
    assert info.value.code == "invalid_shape"
    assert info.value.field == "kernel_size"


def test_attention_heads_must_divide_the_features() -> None:
    spec = get_spec("MultiHeadAttention")
    assert spec is not None
    with pytest.raises(ShapeError) as info:
        spec.infer_shape([(5, 6)], {"num_heads": 4})
    assert info.value.field == "num_heads"


def test_param_count_of_a_huge_layer_allocates_nothing() -> None:
    spec = get_spec("Dense")
    assert spec is not None
    assert spec.param_count([(1_000_000,)], {"units": 65_536}) == 1_000_000 * 65_536 + 65_536


def test_embedding_accepts_float_token_ids() -> None:
    spec = get_spec("Embedding")
    assert spec is not None
    module = spec.build([(4,)], {"vocab_size": 10, "embedding_dim": 3})
    out = module(torch.tensor([[1.0, 2.0, 3.0, 9.0]]))
    assert out.shape == (1, 4, 3)


COST_VARIANTS: list[tuple[str, dict[str, object], list[Shape]]] = [
    ("Dense", {"units": 5, "use_bias": False}, [(7, 3)]),
    ("Conv2D", {"filters": 3, "kernel_size": 4, "padding": "same", "use_bias": False}, [(2, 9, 9)]),
    ("Conv1D", {"filters": 3, "kernel_size": 2, "padding": "same"}, [(6, 4)]),
    ("ConvTranspose2D", {"filters": 3, "kernel_size": 4, "stride": 2, "use_bias": False}, [(2, 5, 5)]),
    ("BatchNorm", {}, [(10,)]),
    ("BatchNorm", {}, [(5, 6)]),
    ("BatchNorm", {}, [(3, 4, 4)]),
    ("LayerNorm", {}, [(5, 6)]),
    ("Embedding", {"vocab_size": 11, "embedding_dim": 3}, [(4,)]),
    ("SimpleRNN", {"units": 5, "num_layers": 2, "bidirectional": True}, [(6, 3)]),
    ("LSTM", {"units": 5, "num_layers": 3, "bidirectional": True}, [(6, 3)]),
    ("GRU", {"units": 5, "num_layers": 2}, [(6, 3)]),
    ("MultiHeadAttention", {"num_heads": 2, "dropout": 0.1}, [(5, 4)]),
    ("TransformerEncoderLayer", {"num_heads": 2, "dim_feedforward": 7, "activation": "gelu"}, [(5, 4)]),
    ("PositionalEncoding", {"kind": "learned", "max_len": 9}, [(6, 4)]),
    ("PositionalEncoding", {"kind": "sinusoidal", "max_len": 17}, [(6, 5)]),
]


def _cost_cases() -> list[tuple[str, dict[str, object], list[Shape]]]:
    cases: list[tuple[str, dict[str, object], list[Shape]]] = [
        (spec.type, {"shape": [3, 5]} if spec.type == "Input" else {}, list(example))
        for spec in all_specs()
        for example in spec.example_inputs
    ]
    return cases + COST_VARIANTS


@pytest.mark.parametrize("type_name,params,in_shapes", _cost_cases(), ids=lambda v: str(v))
def test_cost_counts_the_params_and_buffers_of_the_built_module(
    type_name: str, params: dict[str, object], in_shapes: list[Shape]
) -> None:
    spec = get_spec(type_name)
    assert spec is not None
    cost = spec.cost(in_shapes, params)
    with torch.device("meta"):
        module = spec.build(in_shapes, params)
    assert cost.params == sum(p.numel() for p in module.parameters())
    assert cost.buffer_bytes == sum(b.numel() * b.element_size() for b in module.buffers())
    assert cost.flops >= 0 and cost.saved_values >= 0 and cost.saved_bytes >= 0
    if cost.field is not None:
        assert cost.field in spec.params_model.model_fields


def test_a_layer_without_a_cost_function_is_counted_on_its_meta_module() -> None:
    from torch import nn

    from layerlab.layers import LayerParams, define_layer

    class _Params(LayerParams):
        pass

    spec = define_layer(
        "Scratch",
        category="dense",
        description="d",
        explanation="e",
        params=_Params,
        infer=lambda in_shapes, p: (3,),
        build=lambda in_shapes, p: nn.BatchNorm1d(in_shapes[0][0]),
    )
    cost = spec.cost([(4,)], {})
    assert (cost.params, cost.buffer_bytes, cost.saved_values, cost.flops) == (8, 2 * 4 * 4 + 8, 3, 16)


def test_params_schema_is_built_once_and_the_catalogue_gets_a_copy() -> None:
    spec = get_spec("Dense")
    assert spec is not None
    assert spec.params_schema() is spec.params_schema()
    entry = next(item for item in layer_catalogue() if item["type"] == "Dense")
    assert entry["params_schema"] == spec.params_schema()
    assert entry["params_schema"] is not spec.params_schema()


def test_what_the_compiler_knows_of_a_type_is_a_field_of_its_spec() -> None:
    by_type = {item["type"]: item for item in layer_catalogue()}
    assert by_type["Input"]["role"] == "input" and by_type["Add"]["role"] == "merge"
    assert by_type["Dense"]["role"] == "layer" and by_type["Dense"]["units_field"] == "units"
    assert by_type["Concat"]["ordered_inputs"] and not by_type["Add"]["ordered_inputs"]
    assert (by_type["Softmax"]["final_activation"], by_type["Sigmoid"]["final_activation"]) == ("softmax", "sigmoid")
    assert by_type["ReLU"]["final_activation"] is None
    assert by_type["Conv2D"]["activation_axis"] == 1 and by_type["Dense"]["activation_axis"] == -1


def test_no_layer_type_name_is_compared_outside_the_registry() -> None:
    import re
    from pathlib import Path

    import layerlab

    root = Path(layerlab.__file__).parent
    compare = re.compile(r"""(==|!=|\bin)\s*\(?["'](Input|Dense|Softmax|Sigmoid|Concat|Conv2D)["']""")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if "layers" not in path.relative_to(root).parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if compare.search(line)
    ]
    assert offenders == []
