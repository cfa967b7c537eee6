"""The GAN recipe: a generator and a discriminator trained against each other on the one loop.

The generator ``G`` maps a latent batch ``z ~ N(0, I)`` ``(B, latent_dim)`` to samples of the
data's shape; the discriminator ``D`` maps a sample to one logit, "how real". One loop step is
one generator step (the step counter, ``max_steps`` and the steps/s are the generator's):

    ``d_steps`` times:  L_D = softplus(-D(x)) + softplus(D(G(z)))   (the same real batch x, new z)
    once:               L_G = softplus(-D(G(z)))                    (the non-saturating loss)

``softplus(-l) = -log σ(l)``: L_D is binary cross-entropy with real = 1 and fake = 0, and L_G
is Goodfellow et al.'s non-saturating generator loss (−log D(G(z)) instead of log(1 − D(G(z))),
which gives the generator a strong gradient while the discriminator still wins). Each network
has its own Adam (β1 = 0.5 by default, as DCGAN) and may have its own learning rate
(``learning_rates``; the run's otherwise): the loop's schedule and live changes scale both,
keeping their ratio.

``mode`` (``both``, ``discriminator``, ``generator``; it may change between steps) trains
only one side, as GAN Lab does: with ``discriminator`` the generator's points stay where they
are while the discriminator's verdict sharpens; with ``generator`` the generator chases a fixed
discriminator and overshoots. The step's ``loss`` is L_D + L_G (what the loop's NaN check and
epoch mean see); ``losses`` has each one. A side that was not trained in a step reports its
loss on that step's batch all the same, so the curves stay continuous.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from layerlab.datasets.base import Split
from layerlab.training.callbacks import Evaluation, non_finite_error
from layerlab.training.config import TrainConfig
from layerlab.training.recipes.base import Autocast, Recipe, StepResult, StepTools
from layerlab.training.recipes.supervised import EVAL_BATCH_SIZE

__all__ = ["GanMode", "GanRecipe", "discriminator_loss", "generator_loss"]

GanMode = Literal["both", "discriminator", "generator"]
DEFAULT_BETA1 = 0.5


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Mean BCE of real → 1 and fake → 0, summed over the two halves: ``softplus(-real) + softplus(fake)``."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss ``-log σ(D(G(z)))`` = ``softplus(-fake)``, mean over the batch."""
    return F.softplus(-fake_logits).mean()


class GanRecipe(Recipe):
    """A generator and a discriminator (see the module docstring).

    ``model`` is the generator (the network whose samples the views show); ``models`` has both.
    """

    name = "gan"
    task = "generative"

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        *,
        latent_dim: int,
        d_steps: int = 1,
        beta1: float = DEFAULT_BETA1,
        learning_rates: dict[str, float] | None = None,
    ) -> None:
        assert latent_dim >= 1 and d_steps >= 1 and 0 <= beta1 < 1
        assert learning_rates is None or (set(learning_rates) <= {"generator", "discriminator"})
        super().__init__(generator)
        self.learning_rates = dict(learning_rates or {})
        self._scales = [1.0, 1.0]
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.beta1 = beta1
        self.mode: GanMode = "both"
        self._g_optimizer: torch.optim.Optimizer | None = None
        self._d_optimizer: torch.optim.Optimizer | None = None
        self._g_parameters: list[nn.Parameter] = []
        self._d_parameters: list[nn.Parameter] = []
        self._device = torch.device("cpu")
        self._sums: torch.Tensor | None = None  # (2,) the epoch's summed L_G and L_D, on the device
        self._steps = 0

    # --- the seam -------------------------------------------------------------------------------
    @property
    def generator(self) -> nn.Module:
        """The generator (the same module as ``model``)."""
        return self.model

    @property
    def models(self) -> dict[str, nn.Module]:
        return {"generator": self.model, "discriminator": self.discriminator}

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        assert self._g_optimizer is not None and self._d_optimizer is not None, "configure() first"
        return [self._g_optimizer, self._d_optimizer]

    def configure(self, config: TrainConfig, device: torch.device) -> None:
        self._device = device
        self.model.to(device)
        self.discriminator.to(device)
        self._g_parameters = list(self.model.parameters())
        self._d_parameters = list(self.discriminator.parameters())
        betas = (self.beta1, 0.999)
        run_lr = config.learning_rate
        g_lr = self.learning_rates.get("generator", run_lr)
        d_lr = self.learning_rates.get("discriminator", run_lr)
        self._scales = [g_lr / run_lr, d_lr / run_lr]
        self._g_optimizer = torch.optim.Adam(self._g_parameters, lr=g_lr, betas=betas)
        self._d_optimizer = torch.optim.Adam(self._d_parameters, lr=d_lr, betas=betas)

    @property
    def learning_rate_scales(self) -> list[float]:
        return list(self._scales)

    def latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A latent batch ``(n, latent_dim)`` from N(0, I) on the recipe's device."""
        return torch.randn(n, self.latent_dim, device=self._device, generator=generator)

    def loss_fn(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The discriminator's loss of logits ``output`` ``(B, 1)`` against real (1) / fake (0) ``target``."""
        return F.binary_cross_entropy_with_logits(output.reshape(-1), target.reshape(-1).to(output.dtype))

    def training_step(self, x: torch.Tensor, y: torch.Tensor, tools: StepTools) -> StepResult:
        assert self._g_optimizer is not None and self._d_optimizer is not None
        b = len(x)
        mode = self.mode
        d_loss: torch.Tensor | None = None
        for _ in range(self.d_steps if mode != "generator" else 0):
            with tools.autocast():
                fake = self.model(self.latent(b)).detach()  # (b, *data shape)
                d_loss = discriminator_loss(self.discriminator(x), self.discriminator(fake))
            tools.update(d_loss, self._d_optimizer, self._d_parameters)
        z = self.latent(b)
        if mode != "discriminator":
            for p in self._d_parameters:  # D's gradients are not needed for G's step
                p.requires_grad_(False)
            try:
                with tools.autocast():
                    fake = self.model(z)
                    fake_logits = self.discriminator(fake)
                    g_loss = generator_loss(fake_logits)
                tools.update(g_loss, self._g_optimizer, self._g_parameters)
            finally:
                for p in self._d_parameters:
                    p.requires_grad_(True)
            if d_loss is None:  # the discriminator was not trained: its loss on this batch, for the curve
                with torch.no_grad(), tools.autocast():
                    d_loss = discriminator_loss(self.discriminator(x), fake_logits.detach())
        else:
            with torch.no_grad(), tools.autocast():
                g_loss = generator_loss(self.discriminator(self.model(z)))
        assert d_loss is not None
        g, d = g_loss.detach().float(), d_loss.detach().float()
        pair = torch.stack([g, d])  # (2,)
        self._sums = pair if self._sums is None else self._sums + pair
        self._steps += 1
        return StepResult(loss=g + d, losses={"generator": g, "discriminator": d})

    def train_metrics(self, loss: float, outputs: Sequence[torch.Tensor], targets: torch.Tensor) -> dict[str, float]:
        """``loss`` (L_G + L_D) and each network's mean loss over the epoch's steps."""
        metrics = {"loss": loss}
        if self._sums is not None and self._steps:
            g, d = (self._sums / self._steps).tolist()
            metrics.update({"generator_loss": g, "discriminator_loss": d})
        self._sums, self._steps = None, 0
        return metrics

    @torch.no_grad()
    def evaluate(self, split: Split, name: str, autocast: Autocast = contextlib.nullcontext) -> Evaluation:
        """Both losses on ``split``'s real samples against as many fresh fakes (a fixed seed, so
        epochs compare), and the discriminator's mean verdict on each: ``d_real``, ``d_fake``
        (σ of its logits; 0.5 each when it cannot tell them apart)."""
        was = (self.model.training, self.discriminator.training)
        self.model.eval()
        self.discriminator.eval()
        n = len(split)
        seed = torch.Generator(device=self._device).manual_seed(0)
        sums = torch.zeros(4, dtype=torch.float64, device=self._device)  # L_G, L_D, σ real, σ fake (summed)
        try:
            for start in range(0, n, EVAL_BATCH_SIZE):
                x = split.x[start : start + EVAL_BATCH_SIZE]
                b = len(x)
                with autocast():
                    real = self.discriminator(x).float().reshape(-1)
                    fake = self.discriminator(self.model(self.latent(b, seed))).float().reshape(-1)
                parts = torch.stack(
                    [
                        generator_loss(fake),
                        discriminator_loss(real, fake),
                        torch.sigmoid(real).mean(),
                        torch.sigmoid(fake).mean(),
                    ]
                )
                sums += parts.double() * b
        finally:
            self.model.train(was[0])
            self.discriminator.train(was[1])
        g, d, d_real, d_fake = (sums / max(n, 1)).tolist()
        if not (math.isfinite(g) and math.isfinite(d)):
            raise non_finite_error(g if not math.isfinite(g) else d, epoch=0, what=f"{name} loss")
        metrics = {"loss": g + d, "generator_loss": g, "discriminator_loss": d, "d_real": d_real, "d_fake": d_fake}
        return Evaluation(split=name, metrics=metrics)
