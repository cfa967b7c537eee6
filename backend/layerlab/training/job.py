"""One training job from request to final status: ``run_job(request, run_id=…, emit=…, settings=…)``.

The steps, each of which may end the run with a ``status: failed`` event::

    check limits and loss vs task → validate the graph (with the data set's input shape)
    → check the output size → load the data set → compile → fit → final status

Never raises for a user, data or training problem: a :class:`~layerlab.errors.LayerLabError`
becomes ``failed`` with its ``code``/``message``/``hint``/``node_id``; anything else becomes
``failed`` with code ``internal_error`` (the traceback goes to the log with the run id).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import torch

from layerlab.datasets import check_dataset_params, get_dataset_info, load_dataset
from layerlab.datasets.base import DatasetInfo, DatasetRef
from layerlab.errors import DatasetError, GraphInvalidError, GraphIssue, LayerLabError, LimitExceededError
from layerlab.graph import CostSettings, GraphReport, compile_graph, validate_graph
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter, StopReason, TrainState
from layerlab.training.config import LossName, TrainConfig
from layerlab.training.control import RunControl
from layerlab.training.device import resolve_device
from layerlab.training.engine import OOM_HINT, fit, is_out_of_memory, seed_everything
from layerlab.training.events import Event, RunState
from layerlab.training.losses import check_loss_task, resolve_loss_name
from layerlab.training.producers import build_producers
from layerlab.training.request import RunRequest

__all__ = [
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


def check_limits(config: TrainConfig, settings: Settings) -> None:
    """Raise when the training asks for more than the server allows.

    Raises:
        LimitExceededError: code ``limit_exceeded``, field ``training.epochs`` or ``training.batch_size``.
    """
    if config.epochs > settings.max_epochs:
        raise LimitExceededError(
            f"epochs is {config.epochs}, above this server's limit of {settings.max_epochs}.",
            field="training.epochs",
            hint=f"Use at most {settings.max_epochs} epochs.",
        )
    if config.batch_size > settings.max_batch_size:
        raise LimitExceededError(
            f"batch_size is {config.batch_size}, above this server's limit of {settings.max_batch_size}.",
            field="training.batch_size",
            hint=f"Use a batch_size of at most {settings.max_batch_size}.",
        )


def output_size_issue(
    graph: GraphSpec, output_id: str | None, output_shape: list[int] | None, info: DatasetInfo, loss: LossName = "auto"
) -> GraphIssue | None:
    """An ``output_size_mismatch`` issue when the output node's shape does not fit the data set.

    Classification wants ``[num_classes]`` (or ``[1]`` for two classes with binary
    cross-entropy); regression wants ``[output_size]``. ``output_id``/``output_shape``
    come from :func:`layerlab.graph.validate_graph`'s report.
    """
    if output_id is None or output_shape is None:
        return None
    if info.task == "classification":
        if not info.num_classes:
            return None
        expected = info.num_classes
        allowed = [[expected]]
        if expected == 2 and resolve_loss_name(loss, info.task) == "binary_cross_entropy":
            allowed.append([1])
        what = f"the data set {info.name!r} has {expected} classes"
    else:
        expected = info.output_size or 1
        allowed = [[expected]]
        what = f"the data set {info.name!r} has {expected} target value{'s' if expected != 1 else ''} per sample"
    if list(output_shape) in allowed:
        return None
    node = next((n for n in graph.nodes if n.id == output_id), None)
    has_units = node is not None and node.type == "Dense"
    where = f'Node "{output_id}"' + (f" ({node.type})" if node is not None else "")
    if len(output_shape) != 1:
        hint = f"Add a Flatten and a Dense with units {expected} at the end."
    elif has_units:
        hint = f'Set "units" of node "{output_id}" to {expected}.'
    else:
        hint = f"End the graph with a Dense layer with units {expected}."
    return GraphIssue(
        code="output_size_mismatch",
        message=f"{where} is the output and produces {tuple(output_shape)} per sample, but {what}: expected ({expected},).",
        node_id=output_id,
        field="units" if has_units else None,
        hint=hint,
    )


def validate_with_limits(
    graph: GraphSpec,
    input_shape: tuple[int, ...] | None,
    settings: Settings,
    training: TrainConfig | None = None,
    info: DatasetInfo | None = None,
) -> GraphReport:
    """:func:`validate_graph` with this server's limits (nodes, parameters, activation size, run memory).

    The cost estimate (and ``too_much_memory``) is for ``training`` (default ``TrainConfig()``)
    on the data set ``info`` describes (its size counts when given).
    """
    return validate_graph(
        graph,
        input_shape,
        max_nodes=settings.max_nodes,
        max_params=settings.max_params,
        max_activation_elements=settings.max_activation_elements,
        cost_settings=_cost_settings(training or TrainConfig(), settings, info),
        max_memory_bytes=settings.max_run_memory_mb * 2**20,
    )


def _cost_settings(config: TrainConfig, settings: Settings, info: DatasetInfo | None) -> CostSettings:
    """What the cost estimate needs of a run; mixed precision only counts where the engine uses it (CUDA)."""
    device = config.device if config.device != "auto" else settings.device
    on_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())  # makes no CUDA context
    return CostSettings(
        batch_size=config.batch_size,
        optimizer=config.optimizer,
        momentum=config.momentum,
        mixed_precision=on_cuda and config.mixed_precision is not False,
        dataset_samples=sum(info.sizes.values()) if info is not None else 0,
    )


def _graph_issues(
    graph: GraphSpec, info: DatasetInfo, settings: Settings, loss: LossName, training: TrainConfig | None = None
) -> tuple[GraphReport, GraphIssue | None]:
    """The graph's report on the data set's input shape, and the output-size issue when it is valid."""
    report = validate_with_limits(graph, tuple(info.input_shape), settings, training, info)
    if not report.valid or report.output_id is None or report.output_id not in report.nodes:
        return report, None
    return report, output_size_issue(graph, report.output_id, report.nodes[report.output_id].output_shape, info, loss)


def dataset_issues(ref: DatasetRef, settings: Settings) -> tuple[DatasetInfo | None, list[GraphIssue]]:
    """The data set's info, and issues (field ``dataset`` or the param) when it cannot be used.

    Unknown name, bad params and an unavailable set are issues, not exceptions; nothing is loaded.
    The info is ``None`` only when the name is unknown.
    """
    try:
        info = get_dataset_info(ref.name, settings)
    except DatasetError as exc:
        return None, [exc.to_issue()]
    issues: list[GraphIssue] = []
    try:
        check_dataset_params(ref)
    except DatasetError as exc:
        issues.append(exc.to_issue())
    if not info.available:
        issues.append(
            GraphIssue(
                code="dataset_unavailable",
                message=f'The data set "{info.name}" is not available: {info.reason or "its files are missing"}',
                field="dataset",
                hint="Pick another data set, or make its files available (LAYERLAB_DATA_DIR).",
            )
        )
    return info, issues


def check_graph_for_dataset(
    graph: GraphSpec,
    dataset: DatasetRef | None,
    settings: Settings,
    loss: LossName = "auto",
    training: TrainConfig | None = None,
) -> tuple[GraphReport, DatasetInfo | None, list[GraphIssue]]:
    """The graph's report on the data set's input shape, plus the data-set and output-size issues.

    What ``POST /api/graphs/validate`` answers; ``report.errors`` are the graph's own issues,
    the list holds the others (data set first, then the output size when the graph is valid).
    ``report.cost`` estimates a training step with ``training`` (default ``TrainConfig()``).
    """
    info, issues = dataset_issues(dataset, settings) if dataset is not None else (None, [])
    if info is None:
        return validate_with_limits(graph, None, settings, training), None, issues
    report, output_issue = _graph_issues(graph, info, settings, loss, training)
    return report, info, issues + ([output_issue] if output_issue is not None else [])


def request_issues(request: RunRequest, settings: Settings) -> list[GraphIssue]:
    """Every problem :func:`run_job` would fail on before loading data, as issues (for a 422).

    Checks limits, the data set (name, params, availability), loss vs task, the graph (with
    the data set's input shape and the server's limits) and the output size. Loads nothing.
    """
    issues: list[GraphIssue] = []
    try:
        check_limits(request.training, settings)
    except LayerLabError as exc:
        issues.append(exc.to_issue())
    report, info, other = check_graph_for_dataset(
        request.graph, request.dataset, settings, request.training.loss, request.training
    )
    if info is not None:
        try:
            check_loss_task(request.training.loss, info.task)
        except LayerLabError as exc:
            issues.append(exc.to_issue())
        if not other:
            probe_issue = _probe_index_issue(request, settings)
            if probe_issue is not None:
                issues.append(probe_issue)
    return issues + other + list(report.errors)


def _probe_index_issue(request: RunRequest, settings: Settings) -> GraphIssue | None:
    """A ``probe_index_out_of_range`` issue when ``training.probe_index`` is past the monitor split's end."""
    from layerlab.training.inference import monitor_split_size  # imports the engine and the weights store

    index = request.training.probe_index
    try:
        size = monitor_split_size(request, settings)
    except LayerLabError:
        return None  # the data set's own issue is reported already
    if index < size:
        return None
    return GraphIssue(
        code="probe_index_out_of_range",
        message=(
            f"training.probe_index is {index}, but the validation split of {request.dataset.name!r} has {size} "
            f"examples: use 0 to {size - 1}."
        ),
        field="training.probe_index",
        hint=f"Pick a probe example between 0 and {size - 1}.",
    )


def _check_graph(request: RunRequest, info: DatasetInfo, settings: Settings) -> None:
    report, output_issue = _graph_issues(request.graph, info, settings, request.training.loss, request.training)
    if not report.valid:
        raise GraphInvalidError(list(report.errors))
    if output_issue is not None:
        raise LayerLabError(
            output_issue.message,
            code=output_issue.code,
            hint=output_issue.hint,
            node_id=output_issue.node_id,
            field=output_issue.field,
        )


def _train(request: RunRequest, emitter: EventEmitter, settings: Settings, control: RunControl | None) -> TrainState:
    config = request.training
    if config.seed is None:  # one random seed, shared by data, init and shuffling
        config = config.model_copy(update={"seed": random.SystemRandom().randrange(2**32)})
    assert config.seed is not None
    check_limits(config, settings)
    device = resolve_device(config.device, settings.device)
    info = get_dataset_info(request.dataset.name, settings)
    check_loss_task(config.loss, info.task)
    _check_graph(request, info, settings)

    data = load_dataset(request.dataset, settings, seed=config.seed)
    if data.input_shape != tuple(info.input_shape):  # params (e.g. a window) can change the shape
        _check_graph(request, data.info, settings)
    seed_everything(config.seed)  # the weights' initialisation is part of the run's seed
    model = compile_graph(request.graph, data.input_shape)
    return fit(model, data, config, [emitter], control=control, device=device)


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
