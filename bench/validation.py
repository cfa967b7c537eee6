"""Validation time on 10,000-node pathological graphs (target: each well under a second, 0.5 s).

The graphs, all of ``GraphSpec``'s maximum size (10,000 nodes):

* ``chain → cycle``: Input → 9,997 Dense nodes in a chain whose last two nodes form a cycle
  (the chain before it is ordered and shape-inferred; the cycle is found at the end);
* ``cycle → chain``: a two-node cycle right after the Input, with a 9,997-node chain hanging
  off it (nothing after the cycle can be ordered, so every node is left to the cycle search);
* ``bad params``: Input → 9,999 Dense nodes each with an out-of-range ``units`` (one issue per node);
* ``many outputs``: Input → 9,999 Dense nodes side by side, each an output (one
  ``multiple_outputs`` issue per node, each naming the others).

Each is validated with no node limit (``max_nodes=None``: the whole graph is analysed) and
with the server's default limit (``Settings().max_nodes``: validation stops at
``too_many_nodes``). Prints the best wall-clock and CPU time of a few repetitions per case
(the best, because other processes share the machine) and PASS/MISS on the wall time.

Run: ``.venv/bin/python bench/validation.py`` (``--repeat N`` to change the repetitions).
To measure another checkout (e.g. an older commit in a ``git worktree``), put its
``backend`` first on ``PYTHONPATH``; the script prints which ``layerlab`` it imported.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import layerlab
from layerlab.graph import GraphSpec, validate_graph
from layerlab.settings import Settings

TARGET_S = 0.5
NODES = 10_000


def _graph(nodes: list[dict[str, Any]], edges: list[tuple[str, str]]) -> GraphSpec:
    return GraphSpec.model_validate({"nodes": nodes, "edges": [{"source": s, "target": t} for s, t in edges]})


def chain_then_cycle() -> GraphSpec:
    """Input → d1 → … → d9999, plus d9999 → d9998: a long chain whose end is a cycle."""
    ids = ["in"] + [f"d{i}" for i in range(1, NODES)]
    nodes = [{"id": "in", "type": "Input"}] + [{"id": i, "type": "Dense", "params": {"units": 4}} for i in ids[1:]]
    edges = list(zip(ids, ids[1:], strict=False)) + [(ids[-1], ids[-2])]
    return _graph(nodes, edges)


def cycle_then_chain() -> GraphSpec:
    """Input → a ⇄ b → c1 → … → c9997: a long chain hanging off a cycle."""
    chain = [f"c{i}" for i in range(1, NODES - 2)]
    nodes: list[dict[str, Any]] = [
        {"id": "in", "type": "Input"},
        {"id": "a", "type": "Dense"},
        {"id": "b", "type": "Dense"},
    ]
    nodes += [{"id": i, "type": "Dense", "params": {"units": 4}} for i in chain]
    edges = [("in", "a"), ("a", "b"), ("b", "a"), ("b", chain[0]), *zip(chain, chain[1:], strict=False)]
    return _graph(nodes, edges)


def bad_params() -> GraphSpec:
    """Input → 9,999 Dense nodes, each with units = 0 (out of range)."""
    ids = ["in"] + [f"d{i}" for i in range(1, NODES)]
    nodes = [{"id": "in", "type": "Input"}] + [{"id": i, "type": "Dense", "params": {"units": 0}} for i in ids[1:]]
    return _graph(nodes, list(zip(ids, ids[1:], strict=False)))


def many_outputs() -> GraphSpec:
    """Input → d1 … d9999, every Dense node fed by the Input and feeding nothing."""
    ids = [f"d{i}" for i in range(1, NODES)]
    nodes = [{"id": "in", "type": "Input"}] + [{"id": i, "type": "Dense", "params": {"units": 4}} for i in ids]
    return _graph(nodes, [("in", i) for i in ids])


def _best_s(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best wall-clock and CPU seconds of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per case (median reported)")
    args = parser.parse_args()
    default_nodes = Settings().max_nodes
    print(f"layerlab from {layerlab.__file__}")
    cases = {
        "chain → cycle": chain_then_cycle(),
        "cycle → chain": cycle_then_chain(),
        "bad params": bad_params(),
        "many outputs": many_outputs(),
    }
    validate_graph(cases["chain → cycle"], (8,), max_nodes=None)  # warm up: imports, registry, schemas
    missed = 0
    for name, spec in cases.items():
        for label, max_nodes in (("no node limit", None), (f"max_nodes={default_nodes}", default_nodes)):
            codes: set[str] = set()

            def run(spec: GraphSpec = spec, max_nodes: int | None = max_nodes, codes: set[str] = codes) -> None:
                codes.update(issue.code for issue in validate_graph(spec, (8,), max_nodes=max_nodes).errors)

            wall, cpu = _best_s(run, args.repeat)
            verdict = "PASS" if wall < TARGET_S else "MISS"
            missed += verdict == "MISS"
            print(
                f"{name:14s} {label:16s} {wall * 1000:9.1f} ms wall {cpu * 1000:9.1f} ms CPU  {verdict}"
                f"  codes: {', '.join(sorted(codes))}"
            )
    print(f"{'PASS' if not missed else 'MISS'} (target: every case under {TARGET_S} s; {missed} missed)")


if __name__ == "__main__":
    main()
