"""The torch threads a run trains with: one for a tiny model, the worker's share for a big one."""

from __future__ import annotations

import threading

import pytest
import torch

from layerlab.runs.threads import SINGLE_THREAD_FLOPS, api_threads, flops_per_step, in_api_threads, threads_for
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


def test_the_api_process_uses_one_thread_per_eight_cores() -> None:
    assert [api_threads(n) for n in (None, 1, 2, 8, 16, 64)] == [1, 1, 1, 1, 2, 8]


@pytest.mark.parametrize(("cores", "expected"), [(2, 1), (16, 2)])
def test_api_work_runs_with_the_api_thread_count_in_its_own_thread(
    monkeypatch: pytest.MonkeyPatch, cores: int, expected: int
) -> None:
    monkeypatch.setattr("layerlab.runs.threads.os.cpu_count", lambda: cores)
    seen: list[tuple[int, str]] = []

    def work(tag: str) -> str:
        seen.append((torch.get_num_threads(), tag))
        return tag

    before = torch.get_num_threads()
    results: list[str] = []
    pool_thread = threading.Thread(target=lambda: results.append(in_api_threads(work, tag="predict")))
    pool_thread.start()
    pool_thread.join()
    torch.set_num_threads(before)
    assert results == ["predict"] and seen == [(expected, "predict")]
