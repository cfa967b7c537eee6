"""Pre-flight: a run's request turned, once, into a resolved :class:`RunPlan`, or into its issues.

Everything a run can fail on before it loads its data is checked here, in one place that
``POST /api/graphs/validate``, ``POST /api/runs`` (a 422), the CLI and the worker all use::

    limits (epochs, batch size, sequence length) → the data set (name, params, availability)
    → the recipe (from the data set's task, or the one asked for) → the loss for that task
    → the device → the graph on the recipe's input shape, with the server's limits
    → recipe-specific checks (output size, an Embedding's vocabulary) → the probe sample

:func:`plan_request` returns the plan and every issue at once; :func:`resolve_plan` raises on
the first problem (as the worker needs). The job then loads the data, compiles the graph for
``plan.input_shape``, builds ``plan.recipe`` and fits (``training/job.py``). See
``docs/recipes.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from layerlab.datasets import check_dataset_params, get_dataset_info
from layerlab.datasets.base import DatasetInfo, DatasetRef, Task
from layerlab.errors import GraphInvalidError, GraphIssue, LayerLabError, LimitExceededError
from layerlab.graph import CostSettings, GraphReport, validate_graph
from layerlab.graph.spec import GraphSpec
from layerlab.layers import get_spec
from layerlab.settings import Settings
from layerlab.training.config import LossName, TrainConfig
from layerlab.training.device import resolve_device_name
from layerlab.training.losses import check_loss_task, resolve_loss_name
from layerlab.training.recipes.language_model import DEFAULT_SEQUENCE_LENGTH
from layerlab.training.request import RecipeName, RunRequest
from layerlab.training.sampling import prompt_issue

__all__ = [
    "RECIPE_OF_TASK",
    "ResolvedRecipe",
    "RunPlan",
    "check_graph_for_dataset",
    "check_limits",
    "dataset_issues",
    "output_size_issue",
    "plan_request",
    "request_issues",
    "resolve_plan",
    "validate_with_limits",
]

ResolvedRecipe = Literal["supervised", "forecast", "language_model"]

#: The recipe ``auto`` picks for a data set's task.
RECIPE_OF_TASK: dict[Task, ResolvedRecipe] = {
    "classification": "supervised",
    "regression": "supervised",
    "forecast": "forecast",
    "language_model": "language_model",
}

_TASK_WORDS: dict[str, str] = {
    "classification": "a classification set",
    "regression": "a regression set",
    "forecast": "a time series (forecasting)",
    "language_model": "a text set (language model)",
}
_RECIPE_NEEDS: dict[ResolvedRecipe, tuple[str, str]] = {
    "supervised": ("a classification or regression data set", "iris, spiral, mnist …"),
    "forecast": ("a time series", "sine or sunspots"),
    "language_model": ("a text data set", "shakespeare or names"),
}


@dataclass(frozen=True)
class RunPlan:
    """A request, resolved and checked: what the job builds and fits.

    Attributes:
        request: the request as sent (``training.seed`` may still be ``None``).
        recipe: the recipe that trains it (``auto`` resolved).
        task: the data set's task.
        info: the data set's info for the request's params, ``input_shape`` being what the
            graph's ``Input`` receives (a language model's is ``[sequence_length]``).
        loss: the loss name, ``auto`` resolved for the task.
        device: ``cpu``, ``cuda`` or ``mps`` (checked available; no device touched).
        report: the graph's validation report on ``input_shape``.
        sequence_length: a language model's window (``None`` for other recipes).
    """

    request: RunRequest
    recipe: ResolvedRecipe
    task: Task
    info: DatasetInfo
    loss: LossName
    device: str
    report: GraphReport
    sequence_length: int | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The per-sample shape the graph is compiled for."""
        return tuple(self.info.input_shape)

    @property
    def config(self) -> TrainConfig:
        """The request's training settings."""
        return self.request.training


def check_limits(config: TrainConfig, settings: Settings) -> None:
    """Raise when the training asks for more than the server allows.

    Raises:
        LimitExceededError: code ``limit_exceeded``, field ``training.epochs``, ``training.batch_size``
            or ``training.sequence_length``.
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
    if config.sequence_length is not None and config.sequence_length > settings.max_sequence_length:
        raise LimitExceededError(
            f"sequence_length is {config.sequence_length}, above this server's limit of "
            f"{settings.max_sequence_length} characters.",
            field="training.sequence_length",
            hint=f"Use a sequence_length of at most {settings.max_sequence_length}.",
        )


def _resolve_recipe(asked: RecipeName, info: DatasetInfo) -> tuple[ResolvedRecipe | None, GraphIssue | None]:
    """The recipe for the data set's task, or a ``recipe_task_mismatch`` issue (field ``recipe``)."""
    natural = RECIPE_OF_TASK[info.task]
    if asked == "auto" or asked == natural:
        return natural, None
    needs, examples = _RECIPE_NEEDS[asked]
    return None, GraphIssue(
        code="recipe_task_mismatch",
        message=(f"The recipe {asked!r} needs {needs}, but {info.name!r} is {_TASK_WORDS[info.task]}."),
        field="recipe",
        hint=f'Pick {examples}, or set "recipe" to "auto" (for {info.name!r}: {natural!r}).',
    )


def _input_shape(recipe: ResolvedRecipe, info: DatasetInfo, config: TrainConfig) -> tuple[list[int], int | None]:
    if recipe == "language_model":
        length = config.sequence_length or DEFAULT_SEQUENCE_LENGTH
        return [length], length
    return list(info.input_shape), None


def _samples(recipe: ResolvedRecipe, info: DatasetInfo, sequence_length: int | None) -> int:
    """Samples the cost estimate counts for the data set (a language model's are windows, not characters)."""
    total = sum(info.sizes.values())
    if recipe == "language_model" and sequence_length:
        return total // sequence_length
    return total


def _node_label(graph: GraphSpec, node_id: str) -> tuple[str, str | None]:
    """``Node "out" (Dense)`` and the param that sets its output size (``units``), if its type has one."""
    node = next((n for n in graph.nodes if n.id == node_id), None)
    if node is None:
        return f'Node "{node_id}"', None
    spec = get_spec(node.type)
    field = spec.units_field if spec is not None else None
    return f'Node "{node_id}" ({node.type})', field


def output_size_issue(
    graph: GraphSpec,
    output_id: str | None,
    output_shape: list[int] | None,
    info: DatasetInfo,
    loss: LossName = "auto",
    sequence_length: int | None = None,
) -> GraphIssue | None:
    """An ``output_size_mismatch`` issue when the output node's shape does not fit the data set.

    Classification wants ``[num_classes]`` (or ``[1]`` for two classes with binary
    cross-entropy); regression ``[output_size]``; a forecast ``[horizon]``; a language model
    ``[sequence_length, vocabulary]`` (a prediction for every position).
    ``output_id``/``output_shape`` come from :func:`layerlab.graph.validate_graph`'s report.
    """
    if output_id is None or output_shape is None:
        return None
    where, units_field = _node_label(graph, output_id)
    if info.task == "language_model":
        vocab = info.num_classes or len(info.vocabulary or [])
        length = sequence_length or DEFAULT_SEQUENCE_LENGTH
        if list(output_shape) == [length, vocab] or not vocab:
            return None
        if len(output_shape) == 1:
            hint = (
                "Turn on return_sequences in the recurrent layer, so that every position predicts its next character."
            )
        else:
            hint = (
                f'Set "{units_field}" of node "{output_id}" to {vocab}.'
                if units_field
                else (f"End the graph with a Dense layer with units {vocab}.")
            )
        return GraphIssue(
            code="output_size_mismatch",
            message=(
                f"{where} is the output and produces {tuple(output_shape)} per sample, but a language model on "
                f"{info.name!r} predicts the next of its {vocab} characters at each of the {length} positions: "
                f"expected ({length}, {vocab})."
            ),
            node_id=output_id,
            field=units_field if len(output_shape) > 1 else None,
            hint=hint,
        )
    if info.task == "classification":
        if not info.num_classes:
            return None
        expected = info.num_classes
        allowed = [[expected]]
        if expected == 2 and resolve_loss_name(loss, info.task) == "binary_cross_entropy":
            allowed.append([1])
        what = f"the data set {info.name!r} has {expected} classes"
    elif info.task == "forecast":
        expected = info.output_size or 1
        allowed = [[expected]]
        what = (
            f"the data set {info.name!r} forecasts {expected} value{'s' if expected != 1 else ''} ahead (its horizon)"
        )
    else:
        expected = info.output_size or 1
        allowed = [[expected]]
        what = f"the data set {info.name!r} has {expected} target value{'s' if expected != 1 else ''} per sample"
    if list(output_shape) in allowed:
        return None
    if len(output_shape) != 1:
        hint = f"Add a Flatten and a Dense with units {expected} at the end."
    elif units_field:
        hint = f'Set "{units_field}" of node "{output_id}" to {expected}.'
    else:
        hint = f"End the graph with a Dense layer with units {expected}."
    return GraphIssue(
        code="output_size_mismatch",
        message=f"{where} is the output and produces {tuple(output_shape)} per sample, but {what}: expected ({expected},).",
        node_id=output_id,
        field=units_field,
        hint=hint,
    )


def _vocabulary_issues(graph: GraphSpec, info: DatasetInfo) -> list[GraphIssue]:
    """``vocabulary_too_small`` for each token-id layer (``takes_token_ids``) whose ``vocab_size`` is below
    the data set's vocabulary."""
    vocab = len(info.vocabulary or [])
    if not vocab:
        return []
    issues: list[GraphIssue] = []
    for node in graph.nodes:
        spec = get_spec(node.type)
        if spec is None or not spec.takes_token_ids:
            continue
        try:
            size = getattr(spec.parse_params(node.params), "vocab_size", None)
        except ValueError:  # the graph's own report names bad params
            continue
        if isinstance(size, int) and size < vocab:
            issues.append(
                GraphIssue(
                    code="vocabulary_too_small",
                    message=(
                        f'Node "{node.id}" ({node.type}) has vocab_size {size}, but {info.name!r} has {vocab} '
                        f"distinct characters (token ids 0 … {vocab - 1})."
                    ),
                    node_id=node.id,
                    field="vocab_size",
                    hint=f'Set "vocab_size" of node "{node.id}" to at least {vocab}.',
                )
            )
    return issues


def validate_with_limits(
    graph: GraphSpec,
    input_shape: tuple[int, ...] | None,
    settings: Settings,
    training: TrainConfig | None = None,
    info: DatasetInfo | None = None,
    samples: int | None = None,
) -> GraphReport:
    """:func:`validate_graph` with this server's limits (nodes, parameters, activation size, run memory).

    The cost estimate (and ``too_much_memory``) is for ``training`` (default ``TrainConfig()``)
    on the data set ``info`` describes (``samples`` of it, default all its splits' sizes).
    """
    return validate_graph(
        graph,
        input_shape,
        max_nodes=settings.max_nodes,
        max_params=settings.max_params,
        max_activation_elements=settings.max_activation_elements,
        cost_settings=_cost_settings(training or TrainConfig(), settings, info, samples),
        max_memory_bytes=settings.max_run_memory_mb * 2**20,
    )


def _cost_settings(
    config: TrainConfig, settings: Settings, info: DatasetInfo | None, samples: int | None
) -> CostSettings:
    """What the cost estimate needs of a run; mixed precision only counts where the engine uses it (CUDA)."""
    device = config.device if config.device != "auto" else settings.device
    on_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())  # makes no CUDA context
    if samples is None:
        samples = sum(info.sizes.values()) if info is not None else 0
    return CostSettings(
        batch_size=config.batch_size,
        optimizer=config.optimizer,
        momentum=config.momentum,
        mixed_precision=on_cuda and config.mixed_precision is not False,
        dataset_samples=samples,
    )


def dataset_issues(ref: DatasetRef, settings: Settings) -> tuple[DatasetInfo | None, list[GraphIssue]]:
    """The data set's info (for the request's params), and issues (field ``dataset`` or the param).

    Unknown name, bad params and an unavailable set are issues, not exceptions; nothing is loaded.
    The info is ``None`` only when the name is unknown.
    """
    try:
        info = get_dataset_info(ref.name, settings)
    except LayerLabError as exc:
        return None, [exc.to_issue()]
    issues: list[GraphIssue] = []
    try:
        check_dataset_params(ref)
    except LayerLabError as exc:
        issues.append(exc.to_issue())
    else:
        info = _info_for_params(ref, settings, info)
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


def _info_for_params(ref: DatasetRef, settings: Settings, info: DatasetInfo) -> DatasetInfo:
    """The info for ``ref``'s params (a window changes the input shape), when the registry can say."""
    from layerlab.datasets import registry

    info_for = getattr(registry, "dataset_info_for", None)
    if info_for is None or not ref.params:
        return info
    resolved: DatasetInfo = info_for(ref, settings)
    return resolved


def _check(request: RunRequest, settings: Settings) -> tuple[RunPlan | None, list[GraphIssue], list[GraphIssue]]:
    """The plan (``None`` when anything is wrong), the request's own issues, and the graph's."""
    issues: list[GraphIssue] = []
    config = request.training
    try:
        check_limits(config, settings)
    except LayerLabError as exc:
        issues.append(exc.to_issue())
    device = "cpu"
    try:
        device = resolve_device_name(config.device, settings.device)
    except LayerLabError as exc:
        issues.append(exc.to_issue())

    info, data_issues = dataset_issues(request.dataset, settings)
    if info is None:
        report = validate_with_limits(request.graph, None, settings, config)
        return None, issues + data_issues, list(report.errors)

    recipe, recipe_issue = _resolve_recipe(request.recipe, info)
    if recipe_issue is not None:
        issues.append(recipe_issue)
    recipe = recipe or RECIPE_OF_TASK[info.task]
    try:
        check_loss_task(config.loss, info.task)
    except LayerLabError as exc:
        issues.append(exc.to_issue())

    shape, sequence_length = _input_shape(recipe, info, config)
    info = info.model_copy(update={"input_shape": shape})
    report = validate_with_limits(
        request.graph, tuple(shape), settings, config, info, _samples(recipe, info, sequence_length)
    )
    other: list[GraphIssue] = list(data_issues)
    if report.valid and report.output_id is not None and report.output_id in report.nodes:
        output_shape = report.nodes[report.output_id].output_shape
        output_issue = output_size_issue(
            request.graph, report.output_id, output_shape, info, config.loss, sequence_length
        )
        if output_issue is not None:
            other.append(output_issue)
    other.extend(_vocabulary_issues(request.graph, info))
    if recipe == "language_model" and config.sampling.prompt and info.vocabulary:
        prompt = prompt_issue(config.sampling.prompt, info.vocabulary, "training.sampling.prompt")
        if prompt is not None:
            issues.append(prompt)
    if not other and not issues and report.valid:
        probe_issue = _probe_index_issue(request, info, recipe, sequence_length)
        if probe_issue is not None:
            issues.append(probe_issue)
    if issues or other or not report.valid:
        return None, issues + other, list(report.errors)
    plan = RunPlan(
        request=request,
        recipe=recipe,
        task=info.task,
        info=info,
        loss=resolve_loss_name(config.loss, info.task),
        device=device,
        report=report,
        sequence_length=sequence_length,
    )
    return plan, [], []


def plan_request(request: RunRequest, settings: Settings) -> tuple[RunPlan | None, list[GraphIssue]]:
    """The request's plan and every problem :func:`~layerlab.training.job.run_job` would fail on
    before loading data, as issues (for a 422; the plan is ``None`` when there is any).

    Loads nothing: data sets are described by their info. The request's own issues (limits,
    device, data set, recipe, loss, output size, vocabulary, probe) come before the graph's.
    """
    plan, issues, graph_issues = _check(request, settings)
    return plan, issues + graph_issues


def request_issues(request: RunRequest, settings: Settings) -> list[GraphIssue]:
    """Every problem of ``request`` before it loads data, as issues (``[]``: it can start). See :func:`plan_request`."""
    return plan_request(request, settings)[1]


def resolve_plan(request: RunRequest, settings: Settings) -> RunPlan:
    """The request's plan, or an exception for its first problem.

    Raises:
        LayerLabError: the request's first own problem, with its ``code``, ``field``, ``node_id``
            and ``hint`` (a limit, the data set, the recipe, the loss, the output size …).
        GraphInvalidError: otherwise, the graph itself is invalid (carrying every issue in it).
    """
    plan, issues, graph_issues = _check(request, settings)
    if plan is not None:
        return plan
    if issues:
        first = issues[0]
        raise LayerLabError(first.message, code=first.code, hint=first.hint, node_id=first.node_id, field=first.field)
    raise GraphInvalidError(graph_issues)


def check_graph_for_dataset(
    graph: GraphSpec,
    dataset: DatasetRef | None,
    settings: Settings,
    loss: LossName = "auto",
    training: TrainConfig | None = None,
    recipe: RecipeName = "auto",
) -> tuple[GraphReport, DatasetInfo | None, list[GraphIssue]]:
    """The graph's report on the data set's input shape, plus the data-set, recipe and output-size issues.

    What ``POST /api/graphs/validate`` answers; ``report.errors`` are the graph's own issues,
    the list holds the others (data set first, then the output size when the graph is valid).
    ``report.cost`` estimates a training step with ``training`` (default ``TrainConfig()``).
    The info's ``input_shape`` is what the graph's ``Input`` receives.
    """
    config = training or TrainConfig()
    info, issues = dataset_issues(dataset, settings) if dataset is not None else (None, [])
    if info is None:
        return validate_with_limits(graph, None, settings, config), None, issues
    resolved, recipe_issue = _resolve_recipe(recipe, info)
    if recipe_issue is not None:
        issues.append(recipe_issue)
    shape, sequence_length = _input_shape(resolved or RECIPE_OF_TASK[info.task], info, config)
    info = info.model_copy(update={"input_shape": shape})
    samples = _samples(resolved or RECIPE_OF_TASK[info.task], info, sequence_length)
    report = validate_with_limits(graph, tuple(shape), settings, config, info, samples)
    if report.valid and report.output_id is not None and report.output_id in report.nodes:
        output_issue = output_size_issue(
            graph, report.output_id, report.nodes[report.output_id].output_shape, info, loss, sequence_length
        )
        if output_issue is not None:
            issues.append(output_issue)
    issues.extend(_vocabulary_issues(graph, info))
    return report, info, issues


def _probe_index_issue(
    request: RunRequest, info: DatasetInfo, recipe: ResolvedRecipe, sequence_length: int | None
) -> GraphIssue | None:
    """A ``probe_index_out_of_range`` issue when ``training.probe_index`` is past the monitor split's end."""
    index = request.training.probe_index
    size = _monitor_size(request, info, recipe, sequence_length)
    if size is None or index < size:
        return None
    return GraphIssue(
        code="probe_index_out_of_range",
        message=(
            f"training.probe_index is {index}, but the validation split of {request.dataset.name!r} has {size} "
            f"examples: use 0 to {size - 1}."
        ),
        field="training.probe_index",
        hint=f"Pick a probe example between 0 and {max(size - 1, 0)}.",
    )


def _monitor_size(
    request: RunRequest, info: DatasetInfo, recipe: ResolvedRecipe, sequence_length: int | None
) -> int | None:
    """How many examples the monitor (validation) split has, as the recipe will cut it; loads nothing."""
    val, train = int(info.sizes.get("val", 0)), int(info.sizes.get("train", 0))
    if recipe == "language_model":
        return max(0, (val - 1) // (sequence_length or DEFAULT_SEQUENCE_LENGTH)) if val else None
    if val > 0:
        return val
    fraction = request.training.validation_split
    if fraction > 0 and train >= 2:
        return max(1, int(round(train * fraction)))
    return train
