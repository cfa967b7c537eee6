"""The training loop: ``fit(model, data, config, callbacks)``, one explicit loop read top to bottom.

In the order things happen (nanoGPT's ``train.py`` shape)::

    seed → data on the device → for each epoch: set lr → shuffle (seeded randperm) →
        for each batch: controls (pause/stop/lr) → forward → loss (+L1) → backward →
        clip → step → on_batch_end
    → validate → on_epoch_end → … → test evaluation → on_train_end

No DataLoader: each split is one tensor on the device and a batch is an index slice.
The loss is read from the device only when a callback asks for it (``state.batch_loss()``,
e.g. for a step event), every ``NON_FINITE_CHECK_EVERY`` steps, and at the end of each
epoch (where every batch's loss is checked), so a NaN/inf loss is reported at most that
many steps late and always before the epoch's event. Per batch, the loop only keeps
references to the (detached) loss and output; train loss and accuracy are computed from
them once per epoch.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

import numpy as np
import torch
from torch import nn

from layerlab.datasets.base import DatasetSplits, Split
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
from layerlab.training.losses import FinalActivation, LossFn, apply_final_activation, build_loss
from layerlab.training.metrics import (
    classification_metrics,
    confusion_matrix,
    per_class_metrics,
    predicted_classes,
    regression_metrics,
)
from layerlab.training.optim import (
    LearningRateSchedule,
    build_optimizer,
    l1_penalty,
    set_optimizer_lr,
    weight_tensors,
)

__all__ = ["NON_FINITE_CHECK_EVERY", "OOM_HINT", "evaluate", "fit", "is_out_of_memory", "seed_everything"]

logger = logging.getLogger(__name__)

#: At most this many steps pass between two reads of the loss (the NaN/inf check).
NON_FINITE_CHECK_EVERY = 100
#: Smallest batch used for validation/test (no gradients, so larger batches are cheap).
EVAL_BATCH_SIZE = 1024
OOM_HINT = "Reduce batch_size (or the model's size) and try again."


def seed_everything(seed: int) -> None:
    """Seed ``random``, ``numpy`` and ``torch`` (all devices) with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _class_labels(data: DatasetSplits, num_classes: int) -> list[str]:
    names = data.info.class_names
    if names and len(names) == num_classes:
        return list(names)
    return [str(i) for i in range(num_classes)]


def _with_validation(data: DatasetSplits, fraction: float, seed: int) -> DatasetSplits:
    """``data`` itself when it has a validation split; else ``fraction`` of train held out (seeded)."""
    if len(data.val) > 0 or fraction <= 0 or len(data.train) < 2:
        return data
    n = len(data.train)
    n_val = max(1, int(round(n * fraction)))
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(data.train.x.device)
    train_idx, val_idx = order[n_val:], order[:n_val]
    return DatasetSplits(
        info=data.info,
        train=Split(data.train.x[train_idx], data.train.y[train_idx]),
        val=Split(data.train.x[val_idx], data.train.y[val_idx]),
        test=data.test,
    )


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: Split,
    loss_fn: LossFn,
    *,
    task: str,
    labels: Sequence[str] = (),
    name: str = "val",
    batch_size: int = EVAL_BATCH_SIZE,
    autocast: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
) -> Evaluation:
    """Loss and metrics of ``model`` on ``split`` (eval mode, no gradients, batched).

    Classification: ``loss, accuracy, precision, recall, f1`` (macro) plus the confusion
    matrix and per-class metrics over ``labels``; regression: ``loss, mse, mae, r2``.
    The model's train/eval mode is restored afterwards.

    Raises:
        NonFiniteLossError: the loss on the split is NaN or infinite.
    """
    final_activation: FinalActivation = getattr(model, "final_activation", None)
    was_training = model.training
    model.eval()
    n = len(split)
    loss_sum = torch.zeros((), device=split.x.device, dtype=torch.float64)
    outputs: list[torch.Tensor] = []
    try:
        for start in range(0, n, batch_size):
            xb, yb = split.x[start : start + batch_size], split.y[start : start + batch_size]
            with autocast():
                output = model(xb)  # (b, k) raw outputs
                loss_sum += loss_fn(output, yb).double() * len(xb)
            output = output.float()
            if task == "classification":
                outputs.append(predicted_classes(output))  # (b,) class indices
            else:
                outputs.append(apply_final_activation(output, final_activation))  # (b, k) values
    finally:
        model.train(was_training)
    loss = float(loss_sum) / max(n, 1)
    if not math.isfinite(loss):
        raise non_finite_error(loss, epoch=0, what=f"{name} loss")
    if n == 0:
        return Evaluation(split=name, metrics={"loss": loss})
    predictions = torch.cat(outputs)
    if task == "classification":
        cm = confusion_matrix(split.y, predictions, len(labels)).cpu()
        return Evaluation(
            split=name,
            metrics={"loss": loss, **classification_metrics(cm)},
            confusion=cm.tolist(),
            per_class=per_class_metrics(cm, list(labels)),
        )
    return Evaluation(split=name, metrics={"loss": loss, **regression_metrics(predictions, split.y)})


def is_out_of_memory(exc: BaseException) -> bool:
    """True for an allocation failure: a device OOM, ``MemoryError``, or torch's CPU allocator giving up."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def fit(
    model: nn.Module,
    data: DatasetSplits,
    config: TrainConfig,
    callbacks: Sequence[Callback] = (),
    control: RunControl | None = None,
    device: torch.device | str | None = None,
) -> TrainState:
    """Train ``model`` on ``data`` as ``config`` says, calling ``callbacks`` along the way.

    ``model`` returns raw outputs ``(B, k)``; a ``final_activation`` attribute
    (``softmax``/``sigmoid``, as :class:`~layerlab.graph.GraphModule` has) tells the loss
    and the metrics what it stands for. ``device`` defaults to ``config.device``
    (``auto``: CUDA, MPS, CPU). ``control`` (optional) is polled between batches:
    pause blocks (``on_pause``/``on_resume``), stop ends the fit with
    ``StopReason.USER``, a new learning rate applies from the next batch. An
    ``EarlyStopping`` callback is added when ``config.early_stopping`` is set.

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
    # --- setup: seed, device, data, loss, optimizer ----------------------------------------
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
    seed_everything(seed)
    device = resolve_device(config.device) if device is None else torch.device(device)
    task = data.task
    final_activation: FinalActivation = getattr(model, "final_activation", None)
    loss_fn = build_loss(config.loss, task, final_activation)
    model.to(device)

    data = _with_validation(data, config.validation_split, seed)
    train, val, test = data.train.to(device), data.val.to(device), data.test.to(device)
    x_train, y_train = train.x, train.y  # (N, *input_shape), (N,) int64 or (N, k) float32
    n_train, batch_size = len(train), config.batch_size
    steps_per_epoch = max(1, math.ceil(n_train / batch_size))
    num_classes = data.info.num_classes or 0
    labels = _class_labels(data, num_classes) if task == "classification" else []

    optimizer = build_optimizer(model, config)
    schedule = LearningRateSchedule.from_config(config)
    l1_weights = weight_tensors(model) if config.l1 > 0 else []
    use_amp = device.type == "cuda" and config.mixed_precision is not False
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    def autocast() -> AbstractContextManager[object]:
        if use_amp:
            return torch.autocast(device_type="cuda", dtype=torch.float16)
        return contextlib.nullcontext()

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
        labels=labels,
        lr=config.learning_rate,
        seed=seed,
        probe_index=config.probe_index,
        model=model,
        data=DatasetSplits(info=data.info, train=train, val=val, test=test),
    )
    is_classification = task == "classification"
    logger.info(
        "fit: %d samples, %d epochs × %d steps on %s (seed %d, amp %s)",
        n_train, config.epochs, steps_per_epoch, state.device, seed, use_amp,
    )  # fmt: skip

    try:
        hooks.on_train_start(state)
        for epoch in range(1, config.epochs + 1):
            state.epoch = epoch
            state.lr = schedule.lr(epoch)
            set_optimizer_lr(optimizer, state.lr)
            hooks.on_epoch_start(state)
            model.train()
            epoch_started = time.perf_counter()
            order = torch.randperm(n_train, generator=generator, device=device) if config.shuffle else None
            # kept on the device and read once at the end of the epoch (no per-step host sync)
            batch_losses: list[torch.Tensor] = []  # () per batch
            batch_outputs: list[torch.Tensor] = []  # (b, k) per batch, for the train accuracy
            seen = 0

            for batch in range(1, steps_per_epoch + 1):
                # --- controls between batches: pause/step, stop, live learning rate and probe --
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
                        set_optimizer_lr(optimizer, new_lr)
                    new_probe = control.take_probe_index()
                    if new_probe is not None:
                        state.probe_index = new_probe

                # --- one step ------------------------------------------------------------
                state.batch = batch  # errors in this step name it
                start = (batch - 1) * batch_size
                if order is not None:
                    index = order[start : start + batch_size]
                    xb, yb = x_train[index], y_train[index]  # (b, *input_shape), (b,) | (b, k)
                else:
                    xb, yb = x_train[start : start + batch_size], y_train[start : start + batch_size]
                with autocast():
                    output = model(xb)  # (b, k) raw outputs (logits)
                    loss = loss_fn(output, yb)  # () mean over the batch
                objective = loss + l1_penalty(l1_weights, config.l1) if l1_weights else loss
                optimizer.zero_grad(set_to_none=True)
                torch.autograd.backward(scaler.scale(objective))  # = objective.backward(), scaled under AMP
                if config.clip_grad_norm is not None:
                    scaler.unscale_(optimizer)
                    nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
                scaler.step(optimizer)
                scaler.update()

                # --- bookkeeping: references only, no device work or host sync -------------
                b = len(xb)
                batch_losses.append(loss.detach())
                if is_classification:
                    batch_outputs.append(output.detach())
                seen += b
                state.step += 1
                state.batch_samples, state.loss_tensor = b, loss.detach()
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
            train_logs = {"loss": train_loss}
            if is_classification:
                targets = y_train[order[:seen]] if order is not None else y_train[:seen]  # (seen,)
                predictions = predicted_classes(torch.cat(batch_outputs).float())  # (seen,)
                train_logs["accuracy"] = int((predictions == targets).sum()) / seen
            del batch_losses, batch_outputs
            val_eval = (
                evaluate(model, val, loss_fn, task=task, labels=labels, name="val", autocast=autocast)
                if len(val) > 0
                else None
            )
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
            state.test = evaluate(model, test, loss_fn, task=task, labels=labels, name="test", autocast=autocast)
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
