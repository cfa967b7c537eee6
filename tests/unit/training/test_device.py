"""Device choice: auto falls back to the CPU; an explicit missing GPU is a clear error."""

from __future__ import annotations

import pytest
import torch

from layerlab.errors import TrainingError
from layerlab.training.device import describe_device, resolve_device


def test_cpu_is_always_available() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert describe_device(torch.device("cpu")) == "cpu"


def test_auto_defers_to_the_server_setting() -> None:
    assert resolve_device("auto", fallback="cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_auto_without_a_gpu_is_the_cpu_and_cuda_is_an_error() -> None:
    assert resolve_device("auto").type in ("cpu", "mps")
    with pytest.raises(TrainingError) as info:
        resolve_device("cuda")
    assert info.value.code == "device_unavailable" and info.value.field == "training.device"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_is_described_with_its_index() -> None:
    assert describe_device(resolve_device("cuda")).startswith("cuda:")
