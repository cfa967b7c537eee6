"""One training job from request to final status: ``run_job(request, run_id=…, emit=…, settings=…)``.

The steps, each of which may end the run with a ``status: failed`` event::

    resolve the plan (training/plan.py: limits, data set, recipe, loss, device, graph, output)
    → load the data set → compile the graph for the plan's input shape → build the recipe → fit
    → final status

Never raises for a user, data or training problem: a :class:`~layerlab.errors.LayerLabError`
becomes ``failed`` with its ``code``/``message``/``hint``/``node_id``; anything else becomes
``failed`` with code ``internal_error`` (the traceback goes to the log with the run id).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from torch import nn

from layerlab.datasets import load_dataset
from layerlab.errors import LayerLabError
from layerlab.graph import compile_graph
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter, StopReason, TrainState
from layerlab.training.control import RunControl
from layerlab.training.device import resolve_device
from layerlab.training.engine import OOM_HINT, fit, is_out_of_memory, seed_everything
from layerlab.training.events import Event, RunState
from layerlab.training.plan import (
    RunPlan,
    check_graph_for_dataset,
    check_limits,
    dataset_issues,
    output_size_issue,
    request_issues,
    resolve_plan,
    validate_with_limits,
)
from layerlab.training.producers import build_producers
from layerlab.training.recipes import ForecastRecipe, LanguageModelRecipe, Recipe, SupervisedRecipe
from layerlab.training.request import RunRequest

__all__ = [
    "RunRequest",
    "build_recipe",
    "check_graph_for_dataset",
    "check_limits",
    "dataset_issues",
    "output_size_issue",
    "request_issues",
    "run_job",
    "validate_with_limits",
]

logger = logging.getLogger(__name__)

INTERNAL_ERROR_HINT = "This is a bug in LayerLab, not in your graph; the server log has the details."


def build_recipe(plan: RunPlan, model: nn.Module) -> Recipe:
    """The plan's recipe around ``model`` (the graph compiled for ``plan.input_shape``)."""
    if plan.recipe == "language_model":
        assert plan.sequence_length is not None
        return LanguageModelRecipe(model, plan.sequence_length)
    if plan.recipe == "forecast":
        return ForecastRecipe(model, plan.loss)
    return SupervisedRecipe(model, plan.task, plan.loss)


def _train(request: RunRequest, emitter: EventEmitter, settings: Settings, control: RunControl | None) -> TrainState:
    if request.training.seed is None:  # one random seed, shared by data, init and shuffling
        training = request.training.model_copy(update={"seed": random.SystemRandom().randrange(2**32)})
        request = request.model_copy(update={"training": training})
    config = request.training
    assert config.seed is not None
    plan = resolve_plan(request, settings)
    device = resolve_device(plan.device)

    data = load_dataset(request.dataset, settings, seed=config.seed)
    # the plan's shape is the loaded one (the registry resolves params such as a window); a language
    # model's Input takes its windows, which the recipe cuts from the token stream
    input_shape = plan.input_shape if plan.recipe == "language_model" else data.input_shape
    seed_everything(config.seed)  # the weights' initialisation is part of the run's seed
    model = compile_graph(request.graph, input_shape)
    return fit(build_recipe(plan, model), data, config, [emitter], control=control, device=device)


def run_job(
    request: RunRequest,
    *,
    run_id: str,
    emit: Callable[[Event], None],
    settings: Settings,
    control: RunControl | None = None,
    first_seq: int = 1,
) -> RunState:
    """Run one training job to its end, streaming every event through ``emit``.

    Emits ``status running`` (with ``device``, ``epochs``, ``steps_per_epoch``) → step /
    epoch / confusion_matrix / decision_boundary … → evaluation → the final ``status``
    (``completed``, ``stopped`` or ``failed`` with ``code``, ``message``, ``hint``,
    ``node_id``). ``seq`` runs ``first_seq, first_seq + 1, …`` without gaps. Returns the
    final state. Runs in the calling thread; ``control`` may be driven from others.

    Example::

        events = []
        run_job(RunRequest(graph=g, dataset="spiral"), run_id="r1", emit=events.append, settings=s)
    """
    emitter = EventEmitter(
        run_id,
        emit,
        first_seq=first_seq,
        step_events_per_s=settings.step_events_per_s,
        step_events_per_epoch=settings.step_events_per_epoch,
        producers=build_producers(request, settings, run_id),
    )
    try:
        state = _train(request, emitter, settings, control)
    except LayerLabError as exc:
        logger.info("run %s failed: %s (%s)", run_id, exc.message, exc.code)
        return _fail(emitter, exc.code, exc.message, exc.hint, exc.node_id)
    except Exception as exc:
        if is_out_of_memory(exc):  # outside the loop: loading the data set, building the model
            logger.info("run %s ran out of memory outside the training loop: %s", run_id, exc)
            what = "The run ran out of memory while preparing (loading the data or building the model)."
            return _fail(emitter, "out_of_memory", what, OOM_HINT, None)
        logger.exception("run %s failed with an internal error", run_id)
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        text = f"Training failed unexpectedly ({type(exc).__name__}{': ' + detail if detail else ''})."
        return _fail(emitter, "internal_error", text, INTERNAL_ERROR_HINT, None)

    final: RunState = "stopped" if state.stop_reason is StopReason.USER else "completed"
    message: str | None = None
    if state.stop_reason is StopReason.EARLY_STOPPING:
        message = f"Stopped early at epoch {state.epoch}: the monitored value stopped improving."
    elif state.stop_reason is StopReason.MAX_STEPS:
        message = f"Stopped after max_steps ({state.step} batches)."
    elif state.stop_reason is StopReason.USER:
        message = f"Stopped by the user at epoch {state.epoch}, batch {state.batch}."
    emitter.emit_status(final, message=message)
    return final


def _fail(emitter: EventEmitter, code: str, message: str, hint: str | None, node_id: str | None) -> RunState:
    emitter.emit_status("failed", code=code, message=message, hint=hint, node_id=node_id)
    return "failed"
