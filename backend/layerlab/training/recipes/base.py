"""The recipe seam: what "training" means for a run, plugged into the one loop of ``engine.fit``.

A recipe (Lightning's ``LightningModule.training_step``, Keras 3's ``Model.train_step``) owns
the model(s) built from the request's graph(s), their optimizer(s), one training step, the
metrics of an epoch and of an evaluation. The loop in :func:`layerlab.training.engine.fit`
keeps everything else: seeding, the data on the device, shuffling and batching, the controls
(pause, step, stop, live learning rate), the callbacks and their events, timing, the NaN check,
out-of-memory handling and when to evaluate. See ``docs/recipes.md``.

The loop calls, in order::

    prepare(data, config, seed)  → the splits to train on (held-out validation, windows …)
    configure(config, device)    → loss and optimizer(s), the model(s) on the device
    per batch:  training_step(x, y, tools) → StepResult
    per epoch:  train_metrics(loss, outputs, targets) ; evaluate(val)
    at the end: evaluate(test)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split, Task
from layerlab.training.callbacks import Evaluation
from layerlab.training.config import TrainConfig
from layerlab.training.optim import build_optimizer, l1_penalty, weight_tensors

__all__ = ["Autocast", "OneNetworkRecipe", "Recipe", "RecipeTask", "StepResult", "StepTools"]

#: What a run's model does: a data set's task, or ``generative`` (a GAN, an autoencoder: no prediction to score).
RecipeTask = Task | Literal["generative"]

#: A context manager factory: mixed precision on CUDA, nothing elsewhere.
Autocast = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class StepResult:
    """What one training step leaves for the loop: references only, nothing read from the device.

    Attributes:
        loss: the step's loss, detached (``()``); the loop reads it lazily.
        output: the model's detached raw output when the recipe needs it for its epoch metrics
            (the train accuracy), else ``None``.
        losses: for recipes with several networks, each one's detached loss (``step.losses``).
    """

    loss: torch.Tensor
    output: torch.Tensor | None = None
    losses: dict[str, torch.Tensor] | None = None


class StepTools:
    """What the loop lends a training step: mixed precision and one optimizer update.

    ``update`` is ``zero_grad → backward (scaled under AMP) → clip → step``; the loop calls the
    scaler's ``update`` once after the step, so a recipe may update several optimizers.
    """

    def __init__(self, scaler: torch.amp.GradScaler, autocast: Autocast, clip_grad_norm: float | None) -> None:
        self.scaler = scaler
        self.autocast = autocast
        self.clip_grad_norm = clip_grad_norm

    def update(
        self, objective: torch.Tensor, optimizer: torch.optim.Optimizer, parameters: Sequence[nn.Parameter]
    ) -> None:
        """Back-propagate ``objective`` and take one step of ``optimizer`` over ``parameters``."""
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(self.scaler.scale(objective))  # = objective.backward(), scaled under AMP
        if self.clip_grad_norm is not None:
            self.scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(parameters, self.clip_grad_norm)
        self.scaler.step(optimizer)


class Recipe:
    """Base of every recipe. Subclasses set ``name`` and ``task`` and implement the hooks.

    Attributes:
        model: the network the views follow (telemetry, weights, early stopping's best weights).
        labels: class names for the confusion matrix and per-class metrics (classification only).
        keeps_outputs: whether :meth:`training_step` returns outputs for :meth:`train_metrics`.
    """

    name: str = "recipe"
    task: RecipeTask = "classification"
    labels: list[str]
    keeps_outputs: bool = False

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.labels = []

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The training loss of ``model``'s raw ``output`` against ``target`` for one batch (after
        :meth:`configure`); probes outside the step (the telemetry's gradients) use it too."""
        raise NotImplementedError

    @property
    def models(self) -> dict[str, nn.Module]:
        """Every network this recipe trains, by name (one: ``{"model": …}``)."""
        return {"model": self.model}

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        """Every optimizer (the loop sets the learning rate of each)."""
        raise NotImplementedError

    @property
    def learning_rate_scales(self) -> list[float]:
        """Each optimizer's learning rate as a multiple of the run's (after :meth:`configure`): the
        loop sets ``run rate × scale`` at each epoch and on a live change, so ratios stay put."""
        return [1.0] * len(self.optimizers)

    def prepare(self, data: DatasetSplits, config: TrainConfig, seed: int) -> DatasetSplits:
        """The splits to train on, still on the host (the loop moves them to the device)."""
        return data

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        """Move the model(s) to ``device`` and build the loss and optimizer(s)."""
        raise NotImplementedError

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        """One batch: forward, loss, backward, optimizer step(s)."""
        raise NotImplementedError

    def train_metrics(self, loss: float, outputs: Sequence[torch.Tensor], targets: torch.Tensor) -> dict[str, float]:
        """The epoch's train metrics from its mean loss; with ``keeps_outputs``, also every step's output
        (in order) and the targets they were trained on (``targets`` is empty otherwise)."""
        return {"loss": loss}

    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        """Loss and metrics on ``split`` (eval mode, no gradients)."""
        raise NotImplementedError


class OneNetworkRecipe(Recipe):
    """A recipe with one network and the run's optimizer (``training.optimizer``) and L1 penalty.

    :meth:`configure` moves the model to the device and builds them; a subclass's
    :meth:`training_step` computes its loss and calls :meth:`step_optimizer`.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__(model)
        self._optimizer: torch.optim.Optimizer | None = None
        self._parameters: list[nn.Parameter] = []
        self._l1 = 0.0
        self._l1_weights: list[torch.Tensor] = []

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        assert self._optimizer is not None, "configure() first"
        return [self._optimizer]

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        self.model.to(device)
        self._optimizer = build_optimizer(self.model, config)
        self._l1 = config.l1
        self._l1_weights = weight_tensors(self.model) if config.l1 > 0 else []
        self._parameters = list(self.model.parameters())

    def step_optimizer(self, loss: torch.Tensor, tools: StepTools) -> None:
        """One update of the network on ``loss`` plus the L1 penalty (when ``training.l1`` is set)."""
        assert self._optimizer is not None, "configure() first"
        objective = loss + l1_penalty(self._l1_weights, self._l1) if self._l1_weights else loss
        tools.update(objective, self._optimizer, self._parameters)
