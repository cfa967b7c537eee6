"""LayerSpec: everything the product knows about one layer type, declared once.

A layer type (``Dense``) is one :class:`LayerSpec`: its name, palette category, a
one-line description, a longer plain-language explanation for learners, a pydantic
params model (published as the JSON Schema the page's forms are generated from),
how many inputs it takes, how it infers its output shape, how it builds its
torch module and what one node of it costs (:class:`LayerCost`: parameters, buffers,
values kept for backward, FLOPs), from shapes alone.

Shapes are **per sample, without the batch dimension**: images ``(C, H, W)``,
vectors ``(F,)``, sequences ``(T, F)``. A layer that cannot accept its input shapes
raises :class:`ShapeError`; validation turns that into a :class:`~layerlab.errors.GraphIssue`
naming the node (the layer itself never knows node ids).

Example::

    spec = get_spec("Dense")
    params = spec.parse_params({"units": 10})
    spec.infer_shape([(784,)], params)      # (10,)
    spec.build([(784,)], params)            # DenseLayer(in_features=784, out_features=10, ...)
    spec.param_count([(784,)], params)      # 7850
    spec.cost([(784,)], params)             # LayerCost(params=7850, saved_values=10, flops=15680, field='units')
"""

from __future__ import annotations

import builtins
import copy
import functools
import math
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn

__all__ = [
    "CATEGORIES",
    "Category",
    "FinalActivation",
    "LayerCost",
    "LayerParams",
    "LayerSpec",
    "Role",
    "Shape",
    "ShapeError",
    "define_layer",
    "format_shape",
    "module_cost",
]

Shape = tuple[int, ...]
"""A per-sample shape, without the batch dimension, e.g. ``(1, 28, 28)``."""

Category = Literal["input", "dense", "convolution", "activation", "regularization", "sequence", "attention", "merge"]
CATEGORIES: tuple[Category, ...] = (
    "input",
    "dense",
    "convolution",
    "activation",
    "regularization",
    "sequence",
    "attention",
    "merge",
)
"""The palette groups, in palette order."""

Role = Literal["input", "layer", "merge"]
"""What a layer type is in a graph: where the data enters, one step, or a join of several inputs."""

FinalActivation = Literal["softmax", "sigmoid"]
"""An activation that can end a classifier (applied when predicting, folded into the loss when training)."""

ShapeCode = Literal["shape_mismatch", "invalid_shape"]


class LayerParams(BaseModel):
    """Base of every layer's params model: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ShapeError(Exception):
    """A layer cannot work on the shapes it is given.

    Attributes:
        message: what is wrong, without naming the node (validation adds that),
            e.g. ``"kernel_size 5 is larger than the 3×3 input"``.
        code: ``shape_mismatch`` (the *input* does not fit this layer) or
            ``invalid_shape`` (the layer's own params produce an impossible shape).
        hint: what to do, e.g. ``"Insert a Flatten node between them."``.
        field: the param at fault (``"kernel_size"``), when one is.
        expects: for a single input of the wrong rank, what the layer expects,
            written with the batch dimension (``"(batch, features)"``); validation
            then writes the sentence of ``docs/contract.md`` §1.4: ``Node "d" (Dense) expects input
            (batch, features) but "c" produces (batch, 64, 7, 7).``
    """

    def __init__(
        self,
        message: str,
        *,
        code: ShapeCode = "shape_mismatch",
        hint: str | None = None,
        field: str | None = None,
        expects: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code: ShapeCode = code
        self.hint = hint
        self.field = field
        self.expects = expects


def format_shape(shape: Sequence[int] | None, *, batch: bool = True) -> str:
    """A shape as learners read it: ``(batch, 64, 7, 7)`` (or ``(64, 7, 7)`` with ``batch=False``)."""
    if shape is None:
        return "(unknown)"
    parts = (["batch"] if batch else []) + [str(int(d)) for d in shape]
    if len(parts) == 1:
        return f"({parts[0]},)" if not batch else f"({parts[0]})"
    return "(" + ", ".join(parts) + ")"


@dataclass(frozen=True)
class LayerCost:
    """What one node costs in a training step, worked out from its shapes and params (an estimate).

    The per-sample fields are multiplied by the batch size in :mod:`layerlab.graph.cost`;
    nothing here allocates a tensor.

    Attributes:
        params: parameters (weights, biases, learned tables); each is a float32 with a
            gradient and the optimizer's state.
        buffer_bytes: registered buffers (BatchNorm's running statistics, a sinusoidal
            positional table): held once per model, not per sample.
        saved_values: values per sample the forward pass keeps for backward, the node's own
            output included (the next layer or the loss keeps it); 0 when the output is a view
            of the input (Flatten). Floats: 4 bytes each, 2 under mixed precision.
        saved_bytes: further bytes per sample kept in fixed-width types (MaxPool's int64
            indices, an Embedding's int64 token ids).
        flops: floating-point operations of the forward pass per sample (a multiply-add is 2).
        field: the param to shrink first when this node costs too much (``"units"``), if one is.
    """

    params: int = 0
    buffer_bytes: int = 0
    saved_values: int = 0
    saved_bytes: int = 0
    flops: int = 0
    field: str | None = None


def module_cost(module: nn.Module, out_shape: Shape) -> LayerCost:
    """The default cost of a layer type that declares none: counted on its built module.

    Parameters and buffers are those of ``module`` (build it on the ``meta`` device: no
    memory); it keeps its output for backward (``saved_values`` = output values) and does
    about two FLOPs per parameter per sample (right for a dense layer on a vector).
    """
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() * b.element_size() for b in module.buffers())
    return LayerCost(params=params, buffer_bytes=buffers, saved_values=math.prod(out_shape), flops=2 * params)


P = TypeVar("P", bound=LayerParams)

InferFn = Callable[[Sequence[Shape], LayerParams], Shape]
BuildFn = Callable[[Sequence[Shape], LayerParams], nn.Module]
CostFn = Callable[[Sequence[Shape], Shape, LayerParams], LayerCost]


@functools.cache
def _schema_of(model: builtins.type[LayerParams]) -> dict[str, object]:
    # pydantic rebuilds the schema on every call (about a millisecond): once per params model.
    return model.model_json_schema()


@dataclass(frozen=True)
class LayerSpec:
    """One layer type. Create with :func:`define_layer`, which keeps the typed callables typed.

    Attributes:
        type: the ``type`` string in the graph JSON (``"Dense"``).
        category: its palette group.
        description: one line for the palette.
        explanation: a few plain sentences for learners (what it does, when to use it).
        params_model: the pydantic model of its params (``extra="forbid"``).
        min_inputs / max_inputs: how many incoming edges it needs (``max_inputs=None``: any number).
        example_inputs: representative input shapes, used by the registry's own tests.
        role: ``"input"`` (takes no edge: where the data enters, the graph's Input), ``"merge"``
            (combines several inputs: Add, Concat) or ``"layer"`` (one input).
        ordered_inputs: the order of the incoming edges matters (Concat: its inputs are joined in
            port order); ``False`` where any order gives the same result (Add).
        final_activation: ``"softmax"`` / ``"sigmoid"`` for an activation layer that can end a
            classifier (Softmax, Sigmoid): as the output node it is left out of ``forward`` and
            folded into the loss; ``None`` for every other type.
        activation_axis: the *batched* dim a ``softmax`` given as this layer's ``activation``
            param runs over (Dense, Conv1D: ``-1``, the features; Conv2D, ConvTranspose2D: ``1``,
            the channels); ``None`` when the type has no ``activation`` param offering softmax.
        units_field: the param that sets the size of the output's features (``"units"`` for
            Dense and the recurrent layers, ``"filters"`` for convolutions), named in hints such
            as "Set units of node out to 10"; ``None`` when no param does.
        takes_token_ids: the layer reads integer token ids (int64) straight from the Input, not
            floating-point values (Embedding).
    """

    type: str
    category: Category
    description: str
    explanation: str
    params_model: builtins.type[LayerParams]
    min_inputs: int
    max_inputs: int | None
    example_inputs: tuple[tuple[Shape, ...], ...]
    role: Role
    ordered_inputs: bool
    final_activation: FinalActivation | None
    activation_axis: int | None
    units_field: str | None
    takes_token_ids: bool
    _infer: InferFn = field(repr=False)
    _build: BuildFn = field(repr=False)
    _cost: CostFn | None = field(default=None, repr=False)

    def parse_params(self, raw: Mapping[str, object] | LayerParams | None = None) -> LayerParams:
        """Check raw params (missing keys take their defaults).

        Raises:
            pydantic.ValidationError: for unknown keys, wrong types or out-of-range values.
        """
        if isinstance(raw, self.params_model):
            return raw
        if isinstance(raw, LayerParams):
            raw = raw.model_dump()
        return self.params_model.model_validate(dict(raw or {}))

    def infer_shape(
        self, in_shapes: Sequence[Shape], params: Mapping[str, object] | LayerParams | None = None
    ) -> Shape:
        """The per-sample output shape for these per-sample input shapes.

        Raises:
            ShapeError: when the inputs do not fit (or the params make the output impossible).
            pydantic.ValidationError: when ``params`` is a mapping that does not validate.
        """
        return self._infer([tuple(int(d) for d in s) for s in in_shapes], self.parse_params(params))

    def build(self, in_shapes: Sequence[Shape], params: Mapping[str, object] | LayerParams | None = None) -> nn.Module:
        """A fresh torch module for these input shapes; call :meth:`infer_shape` first.

        The module takes batched tensors (batch dimension first) and returns one tensor;
        multi-input layers take their inputs as positional arguments in port order.
        """
        return self._build([tuple(int(d) for d in s) for s in in_shapes], self.parse_params(params))

    def param_count(self, in_shapes: Sequence[Shape], params: Mapping[str, object] | LayerParams | None = None) -> int:
        """Trainable + non-trainable parameters (``sum(p.numel())`` of :meth:`build`).

        Built on the ``meta`` device, so counting a huge layer allocates no memory.
        """
        with torch.device("meta"):
            module = self.build(in_shapes, params)
        return sum(p.numel() for p in module.parameters())

    def cost(
        self,
        in_shapes: Sequence[Shape],
        params: Mapping[str, object] | LayerParams | None = None,
        *,
        out_shape: Shape | None = None,
    ) -> LayerCost:
        """What one node of this type costs for these input shapes (see :class:`LayerCost`).

        From the layer type's own cost function where it declares one (formulas on the
        shapes, no module built), else :func:`module_cost` of a module built on the ``meta``
        device. ``params`` and ``buffer_bytes`` equal those of :meth:`build`'s module (the
        registry's tests check it). ``out_shape`` saves inferring it again.

        Raises:
            ShapeError: when the inputs do not fit (as :meth:`infer_shape`).
        """
        shapes = [tuple(int(d) for d in s) for s in in_shapes]
        checked = self.parse_params(params)
        out = tuple(out_shape) if out_shape is not None else self._infer(shapes, checked)
        if self._cost is not None:
            return self._cost(shapes, out, checked)
        with torch.device("meta"):
            module = self._build(shapes, checked)
        return module_cost(module, out)

    def params_schema(self) -> dict[str, object]:
        """The params model's JSON Schema, built once per layer type (shared: do not modify it)."""
        return _schema_of(self.params_model)

    def catalogue_entry(self) -> dict[str, object]:
        """This layer type as one item of ``GET /api/layers``."""
        return {
            "type": self.type,
            "category": self.category,
            "description": self.description,
            "explanation": self.explanation,
            "params_schema": copy.deepcopy(self.params_schema()),
            "inputs": {"min": self.min_inputs, "max": self.max_inputs},
            "role": self.role,
            "ordered_inputs": self.ordered_inputs,
            "final_activation": self.final_activation,
            "activation_axis": self.activation_axis,
            "units_field": self.units_field,
            "takes_token_ids": self.takes_token_ids,
        }


def define_layer(
    type: str,
    *,
    category: Category,
    description: str,
    explanation: str,
    params: type[P],
    infer: Callable[[Sequence[Shape], P], Shape],
    build: Callable[[Sequence[Shape], P], nn.Module],
    cost: Callable[[Sequence[Shape], Shape, P], LayerCost] | None = None,
    role: Role = "layer",
    min_inputs: int | None = None,
    max_inputs: int | None | Literal["role"] = "role",
    ordered_inputs: bool = False,
    final_activation: FinalActivation | None = None,
    activation_axis: int | None = None,
    units_field: str | None = None,
    takes_token_ids: bool = False,
    examples: Sequence[Sequence[Shape]] = (),
) -> LayerSpec:
    """Make a :class:`LayerSpec` from callables typed on the layer's own params model.

    ``cost(in_shapes, out_shape, params)`` gives a node's :class:`LayerCost` from shapes;
    without it the cost is counted on a module built on the ``meta`` device
    (:func:`module_cost`), which is right for parameters and buffers but only rough for
    FLOPs and the values kept for backward.

    The incoming edges follow from ``role`` unless given: an ``"input"`` takes none, a
    ``"layer"`` exactly one, a ``"merge"`` two or more (``max_inputs=None``: any number).
    The other keywords are the :class:`LayerSpec` attributes of the same name.

    Raises:
        ValueError: when the declaration contradicts itself (a ``"merge"`` taking one input,
            ``activation_axis`` on a type whose ``activation`` param cannot be softmax, a
            ``units_field`` that is not a param …), so a wrong declaration fails at import.
    """
    low, high = _ROLE_INPUTS[role]
    min_inputs = low if min_inputs is None else min_inputs
    max_in: int | None = high if max_inputs == "role" else max_inputs
    _check_declaration(type, params, role, min_inputs, max_in, activation_axis, units_field)

    def _infer(in_shapes: Sequence[Shape], raw: LayerParams) -> Shape:
        assert isinstance(raw, params)
        return infer(in_shapes, raw)

    def _build(in_shapes: Sequence[Shape], raw: LayerParams) -> nn.Module:
        assert isinstance(raw, params)
        return build(in_shapes, raw)

    def _cost(in_shapes: Sequence[Shape], out_shape: Shape, raw: LayerParams) -> LayerCost:
        assert isinstance(raw, params) and cost is not None
        return cost(in_shapes, out_shape, raw)

    return LayerSpec(
        type=type,
        category=category,
        description=description,
        explanation=" ".join(explanation.split()),
        params_model=params,
        min_inputs=min_inputs,
        max_inputs=max_in,
        example_inputs=tuple(tuple(tuple(s) for s in ex) for ex in examples),
        role=role,
        ordered_inputs=ordered_inputs,
        final_activation=final_activation,
        activation_axis=activation_axis,
        units_field=units_field,
        takes_token_ids=takes_token_ids,
        _infer=_infer,
        _build=_build,
        _cost=_cost if cost is not None else None,
    )


_ROLE_INPUTS: dict[Role, tuple[int, int | None]] = {"input": (0, 0), "layer": (1, 1), "merge": (2, None)}


def _check_declaration(
    type_name: str,
    params: builtins.type[LayerParams],
    role: Role,
    min_inputs: int,
    max_inputs: int | None,
    activation_axis: int | None,
    units_field: str | None,
) -> None:
    """Refuse a layer declaration whose fields contradict each other (see :func:`define_layer`)."""
    counted: Role = "input" if max_inputs == 0 else "layer" if max_inputs == 1 else "merge"
    if counted != role or min_inputs > (max_inputs if max_inputs is not None else min_inputs):
        raise ValueError(f"layer type {type_name!r}: role {role!r} does not fit inputs {min_inputs}…{max_inputs}")
    fields = params.model_fields
    if units_field is not None and units_field not in fields:
        raise ValueError(f"layer type {type_name!r}: units_field {units_field!r} is not one of its params")
    activation = fields.get("activation")
    offers_softmax = activation is not None and "softmax" in typing.get_args(activation.annotation)
    if offers_softmax != (activation_axis is not None):
        raise ValueError(
            f"layer type {type_name!r}: activation_axis must be given exactly when its activation param offers softmax"
        )
