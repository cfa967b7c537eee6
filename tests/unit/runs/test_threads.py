"""The torch threads a run trains with: one for a tiny model, the worker's share for a big one."""

from __future__ import annotations

from layerlab.runs.threads import SINGLE_THREAD_FLOPS, flops_per_step, threads_for
from layerlab.settings import Settings
from layerlab.templates import get_template
from layerlab.training.request import RunRequest


def _spiral(units: int = 0, batch_size: int = 32) -> RunRequest:
    template = get_template("spiral_mlp")
    assert template is not None
    graph = template.graph.model_dump()
    if units:
        for node in graph["nodes"]:
            if node["type"] == "Dense" and node["id"] != "output":
                node["params"] = {**node.get("params", {}), "units": units}
    training = template.training.model_copy(update={"batch_size": batch_size})
    return RunRequest.model_validate({"graph": graph, "dataset": template.dataset, "training": training})


def test_the_spiral_template_trains_on_one_thread(settings: Settings) -> None:
    request = _spiral()
    flops = flops_per_step(request, settings)
    assert flops is not None and 0 < flops < SINGLE_THREAD_FLOPS
    assert threads_for(request, settings, pool_threads=2) == 1


def test_a_big_model_gets_the_workers_share(settings: Settings) -> None:
    request = _spiral(units=1024, batch_size=256)
    flops = flops_per_step(request, settings)
    assert flops is not None and flops > SINGLE_THREAD_FLOPS
    assert threads_for(request, settings, pool_threads=2) == 2
    assert threads_for(request, settings, pool_threads=1) == 1


def test_a_request_without_an_estimate_keeps_the_workers_share(settings: Settings) -> None:
    request = _spiral().model_copy(update={"dataset": {"name": "no-such-set"}})
    assert threads_for(request, settings, pool_threads=2) == 2
