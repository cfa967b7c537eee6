"""TrainConfig: how a run trains (the ``training`` object of ``POST /api/runs``).

Unknown keys are rejected so a typo (``learning_rat``) is a 422 naming the field,
never silently ignored; values are taken only as the types the schema says (strict: ``0``
is not a boolean, ``"3"`` not an integer). Defaults suit a first MLP on a small data set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["EarlyStoppingConfig", "LossName", "OptimizerName", "SamplingConfig", "ScheduleName", "TrainConfig"]

OptimizerName = Literal["sgd", "adam", "adamw", "rmsprop", "adagrad"]
LossName = Literal["auto", "cross_entropy", "binary_cross_entropy", "mse", "mae", "huber"]
ScheduleName = Literal["constant", "step", "cosine"]


def _integral(value: object) -> object:
    """``3.0`` as ``3``: JSON (and JSON Schema) count a number without a fraction as an integer."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class EarlyStoppingConfig(BaseModel):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    model_config = ConfigDict(extra="forbid", strict=True)

    monitor: Literal["val_loss", "val_accuracy", "loss", "accuracy"] = "val_loss"
    patience: int = Field(default=3, ge=1, le=1000)
    min_delta: float = Field(default=0.0, ge=0.0)
    restore_best_weights: bool = True

    _integers = field_validator("patience", mode="before")(_integral)


class SamplingConfig(BaseModel):
    """How a language model's live text samples are drawn (changeable while the run trains)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    temperature: float = Field(
        default=0.8, ge=0.05, le=5.0, description="Below 1: safer, more repetitive text; above 1: wilder."
    )
    length: int = Field(default=200, ge=1, le=2000, description="Characters generated per sample.")
    prompt: str = Field(default="", max_length=500, description="Text the sample continues (empty: from a newline).")
    every_s: float = Field(default=3.0, ge=0.5, le=600.0, description="Seconds between samples while training.")

    _integers = field_validator("length", mode="before")(_integral)


class TrainConfig(BaseModel):
    """Everything about how a run trains, with ranges that become the page's form limits."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        # The schema says what _nesterov_needs_momentum checks: nesterov only with sgd and momentum > 0.
        json_schema_extra={
            "if": {"properties": {"nesterov": {"const": True}}, "required": ["nesterov"]},
            "then": {
                "properties": {"optimizer": {"const": "sgd"}, "momentum": {"exclusiveMinimum": 0}},
                "required": ["optimizer"],
            },
        },
    )

    epochs: int = Field(default=10, ge=1, le=100_000, description="Passes over the training split.")
    batch_size: int = Field(default=32, ge=1, le=1_000_000, description="Samples per training step.")
    optimizer: OptimizerName = Field(default="adam", description="The update rule.")
    learning_rate: float = Field(default=1e-3, gt=0.0, le=10.0, description="Step size of the optimizer.")
    momentum: float = Field(default=0.9, ge=0.0, lt=1.0, description="SGD/RMSprop momentum.")
    nesterov: bool = Field(default=False, description="Nesterov momentum (SGD only).")
    loss: LossName = Field(default="auto", description="auto: cross-entropy for classification, MSE for regression.")
    l1: float = Field(default=0.0, ge=0.0, le=10.0, description="L1 penalty on weights, added to the loss.")
    l2: float = Field(default=0.0, ge=0.0, le=10.0, description="L2 penalty (weight decay).")
    lr_schedule: ScheduleName = Field(default="constant", description="How the learning rate changes over epochs.")
    step_size: int = Field(default=10, ge=1, le=100_000, description="Epochs between decays (step schedule).")
    gamma: float = Field(default=0.1, gt=0.0, le=1.0, description="Decay factor (step schedule).")
    early_stopping: EarlyStoppingConfig | None = Field(
        default=None, description="Stop when validation stops improving."
    )
    clip_grad_norm: float | None = Field(
        default=None, gt=0.0, description="Clip the global gradient norm to this value."
    )
    validation_split: float = Field(
        default=0.1,
        ge=0.0,
        le=0.5,
        description="Fraction of training data held out when a set has no validation split.",
    )
    shuffle: bool = True
    seed: int | None = Field(default=0, ge=0, le=2**32 - 1, description="Same seed, same run (on the CPU).")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(default="auto", description="auto: CUDA, then MPS, then CPU.")
    mixed_precision: bool | None = Field(default=None, description="None: on for CUDA, off elsewhere.")
    max_steps: int | None = Field(
        default=None, ge=1, description="Stop after this many batches in all (for quick tries)."
    )
    boundary_resolution: int = Field(default=60, ge=10, le=200, description="Grid size of the decision-boundary view.")
    telemetry: bool = Field(
        default=True, description="Stream the inside of the network (activations, weights, gradients)."
    )
    probe_index: int = Field(
        default=0, ge=0, description="The validation example whose values the activation views show."
    )
    sequence_length: int | None = Field(
        default=None,
        ge=2,
        le=100_000,
        description="Language models: characters per training window (default 64; the server sets a limit).",
    )
    sampling: SamplingConfig = Field(
        default_factory=SamplingConfig, description="Language models: the live text samples."
    )

    _integers = field_validator(
        "epochs",
        "batch_size",
        "step_size",
        "seed",
        "max_steps",
        "boundary_resolution",
        "probe_index",
        "sequence_length",
        mode="before",
    )(_integral)

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> TrainConfig:
        if self.nesterov and (self.optimizer != "sgd" or self.momentum == 0.0):
            raise ValueError("nesterov needs optimizer 'sgd' and a momentum above 0")
        return self
