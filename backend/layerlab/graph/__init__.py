"""Graphs: the editor's JSON (:mod:`.spec`), validation with shape inference, the cost estimate, and the compiler.

``validate_graph`` reports every problem at once, with an estimate of one training step's
memory and FLOPs (:mod:`.cost`); ``compile_graph`` turns a valid graph into a
``GraphModule`` (a ``torch.nn.Module``).
"""

from layerlab.graph.compile import FinalActivation, GraphModule, compile_graph
from layerlab.graph.cost import CostEstimate, CostSettings, NodeCost
from layerlab.graph.spec import EdgeSpec, GraphSpec, NodeSpec, Position
from layerlab.graph.validate import (
    GraphReport,
    NodeReport,
    ValidatedGraph,
    ValidatedNode,
    analyse_graph,
    validate_graph,
)

__all__ = [
    "CostEstimate",
    "CostSettings",
    "EdgeSpec",
    "FinalActivation",
    "GraphModule",
    "GraphReport",
    "GraphSpec",
    "NodeCost",
    "NodeReport",
    "NodeSpec",
    "Position",
    "ValidatedGraph",
    "ValidatedNode",
    "analyse_graph",
    "compile_graph",
    "validate_graph",
]
