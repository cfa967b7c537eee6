"""Optimizers, the L1 penalty and learning-rate schedules, all read from a :class:`TrainConfig`.

L2 is the optimizer's ``weight_decay`` (coupled for ``adam``, decoupled for ``adamw``);
L1 is a penalty added to the loss over weight tensors only (not biases or norm scales).
Schedules change the learning rate once per epoch.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from layerlab.training.config import TrainConfig

__all__ = ["LearningRateSchedule", "build_optimizer", "l1_penalty", "set_optimizer_lr", "weight_tensors"]


def build_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer ``config.optimizer`` over the model's trainable parameters.

    ``momentum``/``nesterov`` apply to SGD (``momentum`` also to RMSprop); ``l2`` is
    the weight decay of every optimizer.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    lr, l2 = config.learning_rate, config.l2
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum, nesterov=config.nesterov, weight_decay=l2)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=l2)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=l2)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=config.momentum, weight_decay=l2)
    assert config.optimizer == "adagrad", config.optimizer
    return torch.optim.Adagrad(params, lr=lr, weight_decay=l2)


def weight_tensors(model: nn.Module) -> list[torch.Tensor]:
    """The trainable tensors L1 applies to: matrices and kernels (``ndim >= 2``), not biases or norm scales."""
    return [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]


def l1_penalty(weights: list[torch.Tensor], l1: float) -> torch.Tensor:
    """``l1 * sum(|w|)`` over ``weights`` (a 0-d tensor on their device)."""
    return l1 * torch.stack([w.abs().sum() for w in weights]).sum()


class LearningRateSchedule:
    """The learning rate of each epoch: constant, step decay, or cosine over all epochs.

    ``lr(epoch) = base_lr * factor(epoch)`` with epochs counted from 1;
    step: ``gamma ** ((epoch - 1) // step_size)``; cosine: ``(1 + cos(pi * (epoch - 1) / epochs)) / 2``.
    A live change (:meth:`set_current`) takes effect at once and the schedule goes on
    from it: the base becomes ``lr / factor(epoch)``.

    >>> s = LearningRateSchedule(0.1, "step", epochs=10, step_size=2, gamma=0.5)
    >>> [s.lr(e) for e in (1, 2, 3, 5)]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, base_lr: float, kind: str, *, epochs: int, step_size: int = 10, gamma: float = 0.1) -> None:
        self.base_lr = base_lr
        self.kind = kind
        self.epochs = max(1, epochs)
        self.step_size = step_size
        self.gamma = gamma

    @classmethod
    def from_config(cls, config: TrainConfig) -> LearningRateSchedule:
        """The schedule ``config`` asks for."""
        return cls(
            config.learning_rate,
            config.lr_schedule,
            epochs=config.epochs,
            step_size=config.step_size,
            gamma=config.gamma,
        )

    def factor(self, epoch: int) -> float:
        """The multiplier of the base rate in ``epoch`` (1-based)."""
        if self.kind == "step":
            return float(self.gamma ** ((epoch - 1) // self.step_size))
        if self.kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / self.epochs))
        return 1.0

    def lr(self, epoch: int) -> float:
        """The learning rate of ``epoch`` (1-based)."""
        return self.base_lr * self.factor(epoch)

    def set_current(self, lr: float, epoch: int) -> None:
        """Make ``lr`` the rate of ``epoch`` now; later epochs follow the schedule from it."""
        self.base_lr = lr / max(self.factor(epoch), 1e-12)


def set_optimizer_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set ``lr`` on every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr
