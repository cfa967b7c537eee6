"""Device choice: ``auto`` → CUDA, then MPS, then CPU; and the name events carry (``cpu``, ``cuda:0``)."""

from __future__ import annotations

import torch

from layerlab.errors import TrainingError

__all__ = ["describe_device", "resolve_device", "resolve_device_name"]


def _has_mps() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device_name(requested: str = "auto", fallback: str = "auto") -> str:
    """The device kind a run trains on (``cuda``, ``mps`` or ``cpu``), checked, without touching the device.

    ``requested == "auto"`` defers to ``fallback`` (the server's ``settings.device``);
    when both are ``auto`` the first available of CUDA, MPS, CPU wins. Cheap enough for
    the API process: it asks whether CUDA is available but creates no CUDA context.

    Raises:
        TrainingError: code ``device_unavailable`` when ``cuda``/``mps`` is asked for
            explicitly but this machine has none.

    >>> resolve_device_name("cpu")
    'cpu'
    """
    name = requested if requested != "auto" else fallback
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "mps" if _has_mps() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError(
                "CUDA was requested but this machine has no usable CUDA GPU.",
                code="device_unavailable",
                field="training.device",
                hint='Set training.device to "auto" or "cpu".',
            )
        return "cuda"
    if name == "mps":
        if not _has_mps():
            raise TrainingError(
                "MPS (Apple GPU) was requested but is not available here.",
                code="device_unavailable",
                field="training.device",
                hint='Set training.device to "auto" or "cpu".',
            )
        return "mps"
    if name == "cpu":
        return "cpu"
    raise TrainingError(
        f"Unknown device {name!r}. Use one of: auto, cpu, cuda, mps.",
        code="device_unavailable",
        field="training.device",
    )


def resolve_device(requested: str = "auto", fallback: str = "auto") -> torch.device:
    """The torch device for ``requested`` (a run's ``training.device``): :func:`resolve_device_name` as a device.

    Raises:
        TrainingError: code ``device_unavailable`` (see :func:`resolve_device_name`).

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    name = resolve_device_name(requested, fallback)
    if name == "cuda":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device(name)


def describe_device(device: torch.device) -> str:
    """The device as events and ``/api/health`` show it: ``cpu``, ``cuda:0``, ``mps``.

    >>> describe_device(torch.device("cpu"))
    'cpu'
    """
    if device.type == "cuda":
        return f"cuda:{device.index if device.index is not None else torch.cuda.current_device()}"
    return device.type
