"""The compiler: a valid :class:`GraphSpec` → :class:`GraphModule`, a ``torch.nn.Module`` running the DAG.

The module runs the nodes in topological order from a plan precomputed at build time
(module, input slots, output slot), so ``forward`` does no string lookups; a plain chain of
layers runs as a loop over its modules, exactly like ``nn.Sequential``.

**Final activation.** When the *output* node is a ``Softmax`` or ``Sigmoid`` layer, or a layer
whose ``activation`` param is ``softmax``/``sigmoid`` (Dense, Conv2D …), that activation is left
out of ``forward``, which returns raw scores (logits), and recorded in ``final_activation``:
training feeds the logits to the numerically stable cross-entropy / BCE-with-logits, and
:meth:`GraphModule.predict` applies the activation. Softmax anywhere else runs normally.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Literal

import torch
from torch import Tensor, nn

from layerlab.errors import GraphInvalidError
from layerlab.graph.spec import GraphSpec
from layerlab.graph.validate import ValidatedNode, analyse_graph
from layerlab.layers import Shape

__all__ = ["FinalActivation", "GraphModule", "compile_graph"]

logger = logging.getLogger(__name__)

FinalActivation = Literal["softmax", "sigmoid"]

# Batched dim over which an ``activation="softmax"`` param runs, per layer type (default: the last).

_PlanStep = tuple[nn.Module, tuple[int, ...], int]  # (module, input slots, output slot)


class GraphModule(nn.Module):
    """A compiled graph. Build it with :func:`compile_graph`.

    Attributes:
        layers: the node modules in an ``nn.ModuleDict`` (keys are sanitised node ids, see ``module_keys``).
        module_keys: node id → key in ``layers``.
        order: node ids in topological order (the Input first).
        input_id / output_id: the Input node and the output node.
        input_shape / output_shape: per-sample shapes (no batch).
        final_activation: ``"softmax"``, ``"sigmoid"`` or ``None``; not applied by ``forward``.
        final_activation_dim: the batched dim the final softmax runs over.
    """

    def __init__(
        self,
        *,
        nodes: Sequence[ValidatedNode],
        modules: dict[str, nn.Module],
        input_id: str,
        output_id: str,
        input_shape: Shape,
        output_shape: Shape,
        final_activation: FinalActivation | None,
        final_activation_dim: int,
    ) -> None:
        super().__init__()
        self.order: list[str] = [node.id for node in nodes]
        self.input_id = input_id
        self.output_id = output_id
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(output_shape)
        self.final_activation: FinalActivation | None = final_activation
        self.final_activation_dim = final_activation_dim
        self.module_keys: dict[str, str] = {}
        self.layers = nn.ModuleDict()
        for node in nodes:
            if node.id in modules:
                key = _module_key(node.id, self.layers)
                self.module_keys[node.id] = key
                self.layers[key] = modules[node.id]

        # The plan: slot 0 holds the input; each computing node writes one new slot. Identity
        # nodes (the Input, a stripped final Softmax) share their input's slot and cost nothing.
        self._slots: dict[str, int] = {input_id: 0}
        plan: list[_PlanStep] = []
        for node in nodes:
            if node.id == input_id:
                continue
            module = modules[node.id]
            in_slots = tuple(self._slots[src] for src in node.inputs)
            if isinstance(module, nn.Identity) and len(in_slots) == 1:
                self._slots[node.id] = in_slots[0]
                continue
            slot = len(plan) + 1
            self._slots[node.id] = slot
            plan.append((module, in_slots, slot))
        self._plan = plan
        self._n_slots = len(plan) + 1
        self._output_slot = self._slots[output_id]
        is_chain = all(ins == (slot - 1,) for _, ins, slot in plan) and self._output_slot == len(plan)
        self._chain: list[nn.Module] | None = [module for module, _, _ in plan] if is_chain else None

    @property
    def node_modules(self) -> dict[str, nn.Module]:
        """Node id → its module (every node but the Input; a stripped final Softmax/Sigmoid is an ``nn.Identity``)."""
        return {node_id: self.layers[key] for node_id, key in self.module_keys.items() if node_id != self.input_id}

    def forward(self, x: Tensor) -> Tensor:
        """Run the network on a batch ``(N, *input_shape)``; returns ``(N, *output_shape)`` *without* the final activation."""
        if self._chain is not None:
            for module in self._chain:
                x = module(x)
            return x
        values: list[Tensor] = [x] * self._n_slots
        for module, in_slots, out_slot in self._plan:
            if len(in_slots) == 1:
                values[out_slot] = module(values[in_slots[0]])
            else:
                values[out_slot] = module(*[values[i] for i in in_slots])
        return values[self._output_slot]

    def forward_with_outputs(self, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """Like :meth:`forward`, also returning every node's output by node id (for activation views).

        The output node's entry is, like the return value, before the final activation.
        """
        values: list[Tensor] = [x] * self._n_slots
        for module, in_slots, out_slot in self._plan:
            values[out_slot] = module(*[values[i] for i in in_slots])
        return values[self._output_slot], {node_id: values[slot] for node_id, slot in self._slots.items()}

    def apply_final_activation(self, output: Tensor) -> Tensor:
        """The final activation (if any) applied to the raw output of :meth:`forward`."""
        if self.final_activation == "softmax":
            return torch.softmax(output, dim=self.final_activation_dim)
        if self.final_activation == "sigmoid":
            return torch.sigmoid(output)
        return output

    def predict(self, x: Tensor) -> Tensor:
        """Forward plus the final activation: probabilities for a softmax/sigmoid output.

        Runs in the module's current mode and with the caller's grad setting; wrap in
        ``torch.no_grad()`` and call ``eval()`` for inference.
        """
        return self.apply_final_activation(self(x))

    def extra_repr(self) -> str:
        return f"input_shape={self.input_shape}, output_shape={self.output_shape}, final_activation={self.final_activation}"


def compile_graph(
    graph: GraphSpec,
    input_shape: tuple[int, ...],
    *,
    max_nodes: int | None = None,
    max_params: int | None = None,
    max_activation_elements: int | None = None,
) -> GraphModule:
    """Validate ``graph`` for this per-sample ``input_shape`` and build it as a torch module.

    The limits (``None``: none) are those of :func:`~layerlab.graph.validate_graph`.

    Raises:
        GraphInvalidError: carrying every issue when the graph is not valid.

    Example::

        model = compile_graph(GraphSpec.model_validate(mnist_mlp_json), (1, 28, 28))
        logits = model(torch.rand(32, 1, 28, 28))      # (32, 10)
        probabilities = model.predict(torch.rand(32, 1, 28, 28))
    """
    analysis = analyse_graph(
        graph,
        input_shape,
        max_nodes=max_nodes,
        max_params=max_params,
        max_activation_elements=max_activation_elements,
    )
    report = analysis.report
    if not report.valid:
        raise GraphInvalidError(report.errors)
    assert report.input_id is not None and report.output_id is not None
    nodes = [analysis.nodes[node_id] for node_id in report.order]
    output = analysis.nodes[report.output_id]
    assert output.output_shape is not None

    final: FinalActivation | None = None
    final_dim = -1
    modules: dict[str, nn.Module] = {}
    for node in nodes:
        params = node.params
        if node.id == output.id:
            activation = getattr(params, "activation", None)
            if node.spec.final_activation is not None:
                final = node.spec.final_activation
                if final == "softmax":
                    axis = int(getattr(params, "axis", -1))
                    final_dim = axis % len(output.output_shape) + 1
                modules[node.id] = nn.Identity()
                continue
            if activation in ("softmax", "sigmoid"):
                final = "softmax" if activation == "softmax" else "sigmoid"
                final_dim = node.spec.activation_axis if node.spec.activation_axis is not None else -1
                params = params.model_copy(update={"activation": "none"})
        modules[node.id] = node.spec.build(node.in_shapes, params)
    logger.debug("compiled graph: %d nodes, %d parameters, final activation %s", len(nodes), report.total_params, final)
    return GraphModule(
        nodes=nodes,
        modules=modules,
        input_id=report.input_id,
        output_id=report.output_id,
        input_shape=tuple(input_shape),
        output_shape=output.output_shape,
        final_activation=final,
        final_activation_dim=final_dim,
    )


def _module_key(node_id: str, taken: nn.ModuleDict) -> str:
    """A ModuleDict key for a node id: letters, digits and ``_`` only, unique, not an attribute name."""
    base = re.sub(r"\W", "_", node_id, flags=re.ASCII) or "node"
    key = base
    suffix = 2
    while key in taken or hasattr(taken, key):
        key = f"{base}_{suffix}"
        suffix += 1
    return key
