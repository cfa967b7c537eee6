"""The training loop: ``fit(recipe, data, config, callbacks)``, one explicit loop read top to bottom.

In the order things happen (nanoGPT's ``train.py`` shape)::

    seed → recipe.prepare (held-out split, windows) → data on the device → recipe.configure
    (loss, optimizers) → for each epoch: set lr → shuffle (seeded randperm) →
        for each batch: controls (pause/stop/lr/probe/sampling) → recipe.training_step →
        on_batch_end
    → train metrics, recipe.evaluate(val) → on_epoch_end → … → recipe.evaluate(test) → on_train_end

What one step *is* — forward, loss, backward, the optimizer update(s) — and which metrics an
epoch reports belong to the recipe (``training/recipes/``, see ``docs/recipes.md``); a plain
``nn.Module`` is trained by the supervised recipe. No DataLoader: each split is one tensor on the
device and a batch is an index slice. The loss is read from the device only when a callback asks
for it (``state.batch_loss()``, e.g. for a step event), every ``NON_FINITE_CHECK_EVERY`` steps,
and at the end of each epoch (where every batch's loss is checked), so a NaN/inf loss is
reported at most that many steps late and always before the epoch's event. Per batch, the loop
only keeps references to the (detached) loss and, when the recipe asks, the output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import random
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager

import numpy as np
import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits
from layerlab.errors import LayerLabError, OutOfMemoryError
from layerlab.training.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    EpochLogs,
    Evaluation,
    StopReason,
    TrainState,
    non_finite_error,
)
from layerlab.training.config import TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.device import describe_device, resolve_device
from layerlab.training.optim import LearningRateSchedule, set_optimizer_lr
from layerlab.training.recipes import Recipe, StepTools, SupervisedRecipe
from layerlab.training.recipes.supervised import EVAL_BATCH_SIZE, evaluate, with_validation

__all__ = [
    "EVAL_BATCH_SIZE",
    "NON_FINITE_CHECK_EVERY",
    "OOM_HINT",
    "evaluate",
    "fit",
    "is_out_of_memory",
    "seed_everything",
]

logger = logging.getLogger(__name__)

#: At most this many steps pass between two reads of the loss (the NaN/inf check).
NON_FINITE_CHECK_EVERY = 100
OOM_HINT = "Reduce batch_size (or the model's size) and try again."

#: The held-out split of a set without one (kept under its old name for the inference module).
_with_validation = with_validation


def seed_everything(seed: int) -> None:
    """Seed ``random``, ``numpy`` and ``torch`` (all devices) with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _weights_version(recipe: Recipe) -> int:
    """A number that grows whenever a parameter or buffer of the recipe's networks changes in
    place (an optimizer step, ``load_state_dict``): the sum of their autograd version counters."""
    return sum(t._version for m in recipe.models.values() for t in (*m.parameters(), *m.buffers()))


def is_out_of_memory(exc: BaseException) -> bool:
    """True for an allocation failure: a device OOM, ``MemoryError``, or torch's CPU allocator giving up."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def fit(
    model: nn.Module | Recipe,
    data: DatasetSplits,
    config: TrainConfig,
    callbacks: Sequence[Callback] = (),
    control: RunControl | None = None,
    device: torch.device | str | None = None,
) -> TrainState:
    """Train as ``config`` says, calling ``callbacks`` along the way.

    ``model`` is a :class:`~layerlab.training.recipes.Recipe`, or a plain module that returns
    raw outputs ``(B, k)``, trained by the supervised recipe on ``data``'s task (a
    ``final_activation`` attribute, as :class:`~layerlab.graph.GraphModule` has, tells the loss
    and the metrics what it stands for). ``device`` defaults to ``config.device``
    (``auto``: CUDA, MPS, CPU). ``control`` (optional) is polled between batches:
    pause blocks (``on_pause``/``on_resume``), stop ends the fit with
    ``StopReason.USER``, a new learning rate applies from the next batch, as do a new probe
    sample and new sampling settings. An ``EarlyStopping`` callback is added when
    ``config.early_stopping`` is set.

    Returns the final :class:`TrainState` (``history``, ``test``, ``stop_reason`` …).
    The test split is evaluated at the end unless the user stopped the run.

    Raises:
        NonFiniteLossError: the loss became NaN/inf (epoch and batch in the message).
        OutOfMemoryError: the device ran out of memory.
        TrainingError: other run-ending problems (device unavailable, bad monitor …).

    Example::

        state = fit(nn.Sequential(nn.Linear(2, 2)), splits, TrainConfig(epochs=3))
        state.history[-1]["val_accuracy"]
    """
    # --- setup: seed, device, the recipe's data, loss and optimizers ------------------------
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
    seed_everything(seed)
    device = resolve_device(config.device) if device is None else torch.device(device)
    recipe = model if isinstance(model, Recipe) else SupervisedRecipe(model, data.task, config.loss)
    task = recipe.task

    data = recipe.prepare(data, config, seed)
    train, val = data.train.to(device), data.val.to(device)
    test = val if data.test is data.val else data.test.to(device)
    recipe.configure(config, device)
    x_train, y_train = train.x, train.y  # (N, *input_shape), (N,) int64 | (N, k) float32 | (N, T) int64
    n_train, batch_size = len(train), config.batch_size
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))

    optimizers = recipe.optimizers
    scales = recipe.learning_rate_scales  # each optimizer's rate relative to the run's
    schedule = LearningRateSchedule.from_config(config)
    use_amp = device.type == "cuda" and config.mixed_precision is not False
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    def autocast() -> AbstractContextManager[object]:
        if use_amp:
            return torch.autocast(device_type="cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    tools = StepTools(scaler, autocast, config.clip_grad_norm)
    generator = torch.Generator(device=device).manual_seed(seed)  # the shuffle order only

    all_callbacks = list(callbacks)
    if config.early_stopping is not None and not any(isinstance(c, EarlyStopping) for c in all_callbacks):
        es = config.early_stopping
        all_callbacks.insert(0, EarlyStopping(es.monitor, es.patience, es.min_delta, es.restore_best_weights))
    hooks = CallbackList(all_callbacks)
    state = TrainState(
        epochs=config.epochs,
        steps_per_epoch=steps_per_epoch,
        device=describe_device(device),
        task=task,
        labels=recipe.labels,
        lr=config.learning_rate,
        seed=seed,
        probe_index=config.probe_index,
        model=recipe.model,
        data=DatasetSplits(info=data.info, train=train, val=val, test=test),
        sampling=config.sampling if task == "language_model" else None,
        loss_fn=recipe.loss_fn,
    )
    keeps_outputs = recipe.keeps_outputs
    logger.info(
        "fit (%s): %d samples, %d epochs × %d steps on %s (seed %d, amp %s)",
        recipe.name, n_train, config.epochs, steps_per_epoch, state.device, seed, use_amp,
    )  # fmt: skip

    val_eval: Evaluation | None = None  # the latest validation, and the weights' version it saw
    val_weights = -1
    try:
        hooks.on_train_start(state)
        for epoch in range(1, config.epochs + 1):
            state.epoch = epoch
            state.lr = schedule.lr(epoch)
            for optimizer, scale in zip(optimizers, scales, strict=True):
                set_optimizer_lr(optimizer, state.lr * scale)
            hooks.on_epoch_start(state)
            for module in recipe.models.values():
                module.train()
            epoch_started = time.perf_counter()
            order = torch.randperm(n_train, generator=generator, device=device) if config.shuffle else None
            # kept on the device and read once at the end of the epoch (no per-step host sync)
            batch_losses: list[torch.Tensor] = []  # () per batch
            batch_outputs: list[torch.Tensor] = []  # (b, k) per batch, when the recipe keeps them
            seen = 0

            for batch in range(1, steps_per_epoch + 1):
                # --- controls between batches: pause/step, stop, live lr, probe, sampling ------
                state.is_single_step = False
                if control is not None:
                    if control.is_paused:
                        hooks.on_pause(state)
                        control.wait_if_paused()  # blocks until resume, stop or step_once
                        state.is_single_step = control.is_paused and not control.is_stop_requested
                        if not control.is_paused and not control.is_stop_requested:
                            hooks.on_resume(state)
                    if control.is_stop_requested:
                        state.should_stop, state.stop_reason = True, StopReason.USER
                        break
                    new_lr = control.take_learning_rate()
                    if new_lr is not None:
                        schedule.set_current(new_lr, epoch)
                        state.lr = new_lr
                        for optimizer, scale in zip(optimizers, scales, strict=True):
                            set_optimizer_lr(optimizer, new_lr * scale)
                    new_probe = control.take_probe_index()
                    if new_probe is not None:
                        state.probe_index = new_probe
                    new_sampling = control.take_sampling()
                    if new_sampling and state.sampling is not None:
                        state.sampling = state.sampling.model_validate({**state.sampling.model_dump(), **new_sampling})
                        state.sampling_changed = True

                # --- one step (the recipe's) ----------------------------------------------
                state.batch = batch  # errors in this step name it
                start = (batch - 1) * batch_size
                if order is not None:
                    index = order[start : start + batch_size]
                    xb, yb = x_train[index], y_train[index]  # (b, *input_shape), targets
                else:
                    xb, yb = x_train[start : start + batch_size], y_train[start : start + batch_size]
                result = recipe.training_step(xb, yb, tools)
                scaler.update()

                # --- bookkeeping: references only, no device work or host sync -------------
                b = len(xb)
                batch_losses.append(result.loss)
                if keeps_outputs and result.output is not None:
                    batch_outputs.append(result.output)
                seen += b
                state.step += 1
                state.batch_samples, state.loss_tensor, state.loss_tensors = b, result.loss, result.losses
                hooks.on_batch_end(state)
                if state.step % NON_FINITE_CHECK_EVERY == 0:
                    state.batch_loss()  # raises NonFiniteLossError
                if config.max_steps is not None and state.step >= config.max_steps:
                    state.should_stop, state.stop_reason = True, StopReason.MAX_STEPS
                    break

            if state.stop_reason is StopReason.USER:
                break
            if seen == 0:
                break

            # --- end of epoch: train metrics, validation, callbacks ----------------------------
            losses = torch.stack(batch_losses).float()  # (batches,)
            sizes = torch.full_like(losses, batch_size)
            sizes[-1] = seen - batch_size * (len(batch_losses) - 1)  # the last batch may be short
            train_loss = float((losses * sizes).sum()) / seen  # the epoch's device read
            if not math.isfinite(train_loss):
                first_bad = int(torch.nonzero(~torch.isfinite(losses))[0, 0]) + 1
                raise non_finite_error(float(losses[first_bad - 1]), epoch=epoch, batch=first_bad)
            if keeps_outputs:
                targets = y_train[order[:seen]] if order is not None else y_train[:seen]  # (seen, …)
            else:
                targets = y_train[:0]
            train_logs = recipe.train_metrics(train_loss, batch_outputs, targets)
            del batch_losses, batch_outputs
            val_eval = recipe.evaluate(val, "val", autocast) if len(val) > 0 else None
            val_weights = _weights_version(recipe)
            history = {"epoch": float(epoch), **train_logs}
            if val_eval is not None:
                history.update({f"val_{k}": v for k, v in val_eval.metrics.items()})
            state.history.append(history)
            state.epoch_logs = EpochLogs(
                train=train_logs, val=val_eval, duration_s=time.perf_counter() - epoch_started, learning_rate=state.lr
            )
            hooks.on_epoch_end(state)
            if state.should_stop:
                break

        # --- the end: test evaluation (unless the user stopped), on_train_end ----------------
        if state.stop_reason is not StopReason.USER and len(test) > 0 and state.history:
            if test is val and val_eval is not None and val_weights == _weights_version(recipe):
                state.test = dataclasses.replace(val_eval, split="test")  # the same data, the same weights
            else:
                state.test = recipe.evaluate(test, "test", autocast)
        hooks.on_train_end(state)
    except BaseException as exc:
        error: BaseException = exc
        if not isinstance(exc, LayerLabError) and is_out_of_memory(exc):
            if device.type == "cuda":
                torch.cuda.empty_cache()
            error = OutOfMemoryError(
                f"The device {state.device} ran out of memory at epoch {state.epoch}, batch {state.batch}.",
                hint=OOM_HINT,
            )
        hooks.on_exception(state, error)
        if error is exc:
            raise
        raise error from exc
    return state
