"""Asking a run's model: ``POST /api/runs/{id}/predict``, the gallery ``GET /api/runs/{id}/predictions``, the live probe.

A language-model run answers ``POST /api/runs/{id}/predict`` with text: each input is a prompt the
model continues (:func:`~layerlab.training.sampling.predict_text`), with the attention maps.

Predictions come from the run's saved weights (:mod:`layerlab.training.weights`), rebuilt on the
CPU in the API process (:mod:`layerlab.training.inference`; the few most recently used models are
cached, and the torch work runs in a thread, never on the event loop). They work on a finished run
and after a restart of the server, and during a run on the weights of its last saved epoch.

``POST /api/runs/{id}/probe`` picks the validation example the run's live activations follow; it
travels like a new learning rate (runner → worker → :class:`~layerlab.training.control.RunControl`).
"""

from __future__ import annotations

import logging
import random
import threading
from collections import OrderedDict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from layerlab.api.deps import RunnerDep, SettingsDep, StoreDep
from layerlab.api.handlers import ApiError
from layerlab.api.routes.runs import load_row
from layerlab.api.schemas import ErrorResponse
from layerlab.errors import GraphIssue, LayerLabError
from layerlab.runs.runner import RunConflictError, RunNotFoundError
from layerlab.runs.threads import in_api_threads
from layerlab.settings import Settings
from layerlab.storage.store import RunRow
from layerlab.training.inference import (
    GalleryIndex,
    InputError,
    LoadedModel,
    ModelCache,
    NodeActivation,
    Quantized,
    coerce_inputs,
    gallery_index,
    load_split,
    monitor_split_size,
    predict,
)
from layerlab.training.request import RunRequest
from layerlab.training.sampling import language_model_vocabulary, predict_text, sampling_limits, text_prompts
from layerlab.training.weights import read_error, weights_path

__all__ = [
    "AttentionMap",
    "GalleryItem",
    "MAX_TEXT_PROMPTS",
    "PredictBody",
    "PredictResponse",
    "PredictionsPage",
    "ProbeBody",
    "ProbeResponse",
    "TextPredictResponse",
    "TextSample",
    "router",
]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["predict"])

#: Models kept ready in the API process (LRU), and gallery rankings (per run, split and weights file).
MODEL_CACHE_SIZE = 4
GALLERY_CACHE_SIZE = 4
#: Prompts one prediction of a language model may continue (each costs ``length`` forward passes).
MAX_TEXT_PROMPTS = 8
_models = ModelCache(MODEL_CACHE_SIZE)
_galleries: OrderedDict[tuple[str, str, tuple[int, int]], GalleryIndex] = OrderedDict()
_galleries_lock = threading.Lock()

_SCALING = (
    "Inputs are in the scale of the data set's own `x`: 2-D sets `[x, y]` as plotted; `digits` 8×8 pixels "
    "and `mnist`/`fashion_mnist` 28×28 pixels in [0, 1], 0 = background (digits' 0–16 divided by 16, "
    "the others' 0–255 divided by 255); `cifar10` (3, 32, 32) RGB in [0, 1]; the tabular sets "
    "(`iris`, `wine`, `breast_cancer`) standardized with the training split's mean and standard deviation. "
    "Each input has the data set's per-sample shape (`input_shape` in `GET /api/datasets`, e.g. (1, 8, 8)), "
    "that shape without its leading 1s ((8, 8)), or is flat (64 values)."
)

_NO_WEIGHTS = "The run has no trained weights (`no_weights`): it is still queued, failed before it trained, or its weights could not be saved; `detail` says which."
_PREDICT_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "There is no such run (`not_found`)."},
    409: {"model": ErrorResponse, "description": _NO_WEIGHTS},
    422: {
        "model": ErrorResponse,
        "description": "An input of the wrong shape (the issue names `inputs[i]`, with the expected and the given "
        "shape), too many inputs, or a `target` the model does not have (`invalid_request`). For a language "
        "model: an input that is not a string (`inputs.<i>`), or one with characters outside the data set's "
        "vocabulary (issue code `prompt_out_of_vocabulary`, field `inputs.<i>`, the characters listed).",
    },
}
_GALLERY_ERRORS: dict[int | str, dict[str, Any]] = {
    **_PREDICT_ERRORS,
    422: {
        "model": ErrorResponse,
        "description": "The run is not a classification run, or a filter is out of range (`invalid_request`).",
    },
}
_PROBE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "There is no such run (`not_found`)."},
    409: {"model": ErrorResponse, "description": "The run is not running or paused (`conflict`)."},
    422: {
        "model": ErrorResponse,
        "description": "The index is outside the run's validation split; the issue names `index` (`invalid_request`).",
    },
}


class PredictBody(BaseModel):
    """``POST /api/runs/{id}/predict``."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[Any] = Field(
        min_length=1,
        description="The inputs, each nested lists of numbers of the data set's input shape (or flat). " + _SCALING,
    )
    saliency: bool = Field(
        default=False,
        description="Also send each input's saliency map: |gradient| of the chosen class's score with respect to "
        "the input, divided by its maximum (so in [0, 1]), in the input's shape.",
    )
    target: int | None = Field(
        default=None,
        ge=0,
        description="The class (or output unit) the saliency map is for; default: each input's predicted class.",
    )
    temperature: float | None = Field(
        default=None,
        **sampling_limits("temperature"),
        description="Language models: below 1 safer, more repetitive text, above 1 wilder; default: the run's "
        "`training.sampling.temperature`.",
    )
    length: int | None = Field(
        default=None,
        **sampling_limits("length"),
        description="Language models: characters generated per prompt; default: the run's `training.sampling.length`.",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**32 - 1,
        description="Language models: the same seed gives the same text (default: a random one, sent back).",
    )


class PredictResponse(BaseModel):
    """What the run's model makes of the inputs."""

    predictions: list[int | float | list[float]] = Field(
        description="Per input: the predicted class index (classification) or the predicted value(s) (regression)."
    )
    probabilities: list[list[float]] | None = Field(
        description="Per input, every class's probability (classification); null for regression."
    )
    labels: list[str] | None = Field(description="The class names, by index (classification).")
    outputs: list[list[float]] = Field(description="Per input, the raw outputs (before the final softmax/sigmoid).")
    activations: list[dict[str, NodeActivation]] = Field(
        description="Per input, every node's output by node id: statistics, and the values (1-D outputs) or "
        "the feature maps (convolution outputs, quantized)."
    )
    saliency: list[Quantized] | None = Field(description="Per input, the saliency map (when asked for).")
    input_shape: list[int] = Field(description="The per-sample input shape the model takes.")
    epoch: int = Field(description="The epoch the weights are from.")
    step: int = Field(description="The training step the weights are from.")


class AttentionMap(BaseModel):
    """One attention node's weights over the last characters of prompt + text."""

    node_id: str
    num_heads: int
    tokens: list[str] = Field(description="The characters the map covers (the last at most 64 of prompt + text).")
    weights: Quantized = Field(
        description="Shape [heads, L, L]: row i is how much character i looked at each character j (causal: j ≤ i)."
    )


class TextSample(BaseModel):
    """One prompt and the model's continuation."""

    prompt: str
    text: str = Field(description="The generated characters (the prompt not included).")
    attention: list[AttentionMap] = Field(description="Per attention node; empty when the graph has none.")


class TextPredictResponse(BaseModel):
    """What a language model writes after each prompt."""

    kind: Literal["text"] = "text"
    samples: list[TextSample] = Field(description="Per input, in order.")
    temperature: float
    length: int
    seed: int = Field(description="The seed the characters were drawn with (send it again for the same text).")
    epoch: int = Field(description="The epoch the weights are from.")
    step: int = Field(description="The training step the weights are from.")


class GalleryItem(BaseModel):
    """One example of the split, with the model's prediction."""

    index: int = Field(description="Its index in the split.")
    label: int = Field(description="Its true class.")
    predicted: int
    confidence: float = Field(description="The probability of the predicted class.")
    input: Quantized


class PredictionsPage(BaseModel):
    """``GET /api/runs/{id}/predictions``: a page of the split's examples, misclassified first."""

    split: Literal["train", "val", "test"]
    total: int = Field(description="Examples that match the filters.")
    misclassified: int = Field(description="Of those, how many the model gets wrong.")
    offset: int
    labels: list[str]
    epoch: int = Field(description="The epoch the weights are from.")
    items: list[GalleryItem]


class ProbeBody(BaseModel):
    """``POST /api/runs/{id}/probe``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    index: int = Field(ge=0, description="The validation example the live activations follow (its index).")


class ProbeResponse(BaseModel):
    """The probe sample asked for; a later ``activations`` event follows it."""

    id: str
    status: str
    index: int


def _no_weights(row: RunRow, settings: Settings) -> ApiError:
    """The 409 for a run without a weights file, saying why."""
    status = row.status
    if status == "queued":
        reason = f"Run {row.id} is still queued; it has no trained weights yet."
    elif status in ("running", "paused"):
        reason = f"Run {row.id} is {status} and has not finished its first epoch yet; try again after it."
    elif status == "failed":
        what = (row.error or {}).get("message") if row.error else None
        reason = f"Run {row.id} failed before it trained" + (f" ({what})" if what else "") + "; it has no weights."
    elif not row.latest and read_error(settings.home, row.id) is None:
        reason = f"Run {row.id} ended {status} before its first epoch was over; it has no trained weights."
    else:
        saved = read_error(settings.home, row.id)
        why = f" ({saved})" if saved else " (the server log says why)"
        reason = f"Run {row.id} ended {status}, but its weights were not saved{why}."
    return ApiError(409, reason, code="no_weights")


async def _loaded(run_id: str, store: StoreDep, runner: RunnerDep, settings: Settings) -> LoadedModel:
    row = await load_row(store, runner, run_id)
    path = weights_path(settings.home, run_id)
    request = RunRequest.model_validate_json(row.request_json)
    try:
        return await run_in_threadpool(in_api_threads, _models.get, run_id, path, request)
    except (FileNotFoundError, NotADirectoryError):
        raise _no_weights(row, settings) from None
    except (OSError, ValueError, LayerLabError) as exc:
        logger.warning("run %s: its weights cannot be used: %s", run_id, exc)
        raise ApiError(409, f"Run {run_id}'s weights cannot be used: {exc}.", code="no_weights") from None


def _input_issue(exc: InputError) -> ApiError:
    issue = GraphIssue(code=exc.code, message=exc.message, field=exc.field, hint=exc.hint)
    return ApiError(422, exc.message, [issue])


async def _vocabulary(loaded: LoadedModel, settings: Settings) -> list[str] | None:
    """A language-model run's vocabulary, from its data set; ``None`` for other runs. 409 when it cannot be read."""
    try:
        vocabulary = await run_in_threadpool(language_model_vocabulary, loaded.request, settings)
    except LayerLabError as exc:
        raise ApiError(409, f"The run's data set cannot be read: {exc.message}", code="no_weights") from None
    if vocabulary is None:
        return None
    if not vocabulary:
        raise ApiError(409, "The run's data set does not list its characters (now); no text can be written.")
    return vocabulary


async def _predict_text(loaded: LoadedModel, body: PredictBody, vocabulary: list[str]) -> dict[str, Any]:
    if len(body.inputs) > MAX_TEXT_PROMPTS:
        message = (
            f"{len(body.inputs)} prompts were sent; a language model continues at most {MAX_TEXT_PROMPTS} per request."
        )
        hint = f"Send at most {MAX_TEXT_PROMPTS} prompts."
        raise ApiError(422, message, [GraphIssue(code="limit_exceeded", message=message, field="inputs", hint=hint)])
    sampling = loaded.request.training.sampling
    return await run_in_threadpool(
        in_api_threads,
        predict_text,
        loaded,
        text_prompts(body.inputs, vocabulary),
        vocabulary,
        temperature=body.temperature if body.temperature is not None else sampling.temperature,
        length=body.length if body.length is not None else sampling.length,
        seed=body.seed if body.seed is not None else random.SystemRandom().randrange(2**32),
    )


@router.post(
    "/api/runs/{run_id}/predict",
    response_model=PredictResponse | TextPredictResponse,
    responses=_PREDICT_ERRORS,
    description="Run inputs through the run's trained model: predictions, probabilities, every node's activations "
    "and, when asked, saliency maps. Works on a finished run (also after a restart of the server) and, during a "
    "run, on the weights of its last saved epoch. " + _SCALING + " A language-model run takes text prompts "
    '(`{"inputs": ["ROMEO:"], "temperature": 0.8, "length": 200, "seed": 1}`) and answers `kind: "text"`: '
    "each prompt's continuation and the attention maps.",
)
async def predict_run(run_id: str, body: PredictBody, store: StoreDep, runner: RunnerDep, settings: SettingsDep) -> Any:
    """Predict with a run's trained weights."""
    limit = settings.max_predict_inputs
    if len(body.inputs) > limit:
        message = f"{len(body.inputs)} inputs were sent; this server takes at most {limit} per request."
        issue = GraphIssue(code="limit_exceeded", message=message, field="inputs", hint=f"Send at most {limit} inputs.")
        raise ApiError(422, message, [issue])
    loaded = await _loaded(run_id, store, runner, settings)
    try:
        if loaded.meta.task == "language_model":
            vocabulary = await _vocabulary(loaded, settings)
            if vocabulary is not None:
                return await _predict_text(loaded, body, vocabulary)
        x = coerce_inputs(body.inputs, loaded.meta.input_shape)
        return await run_in_threadpool(in_api_threads, predict, loaded, x, saliency=body.saliency, target=body.target)
    except InputError as exc:
        raise _input_issue(exc) from None


def _gallery(run_id: str, loaded: LoadedModel, settings: Settings, split: str) -> GalleryIndex:
    key = (run_id, split, loaded.version)
    with _galleries_lock:
        hit = _galleries.get(key)
        if hit is not None:
            _galleries.move_to_end(key)
            return hit
    index = gallery_index(loaded, load_split(loaded.request, loaded.meta, settings, split))
    with _galleries_lock:
        _galleries[key] = index
        while len(_galleries) > GALLERY_CACHE_SIZE:
            _galleries.popitem(last=False)
    return index


def _gallery_page(
    run_id: str,
    loaded: LoadedModel,
    settings: Settings,
    split: Literal["train", "val", "test"],
    true: int | None,
    predicted: int | None,
    limit: int,
    offset: int,
) -> PredictionsPage:
    index = _gallery(run_id, loaded, settings, split)
    order = index.order
    if true is not None:
        order = order[index.labels[order] == true]
    if predicted is not None:
        order = order[index.predicted[order] == predicted]
    wrong = int((index.labels[order] != index.predicted[order]).sum())
    items = [
        GalleryItem(
            index=i,
            label=int(index.labels[i]),
            predicted=int(index.predicted[i]),
            confidence=round(float(index.confidence[i]), 6),
            input=index.input(i),
        )
        for i in order[offset : offset + limit].tolist()
    ]
    return PredictionsPage(
        split=split,
        total=len(order),
        misclassified=wrong,
        offset=offset,
        labels=list(loaded.meta.labels),
        epoch=loaded.meta.epoch,
        items=items,
    )


@router.get("/api/runs/{run_id}/predictions", response_model=PredictionsPage, responses=_GALLERY_ERRORS)
async def list_predictions(
    run_id: str,
    store: StoreDep,
    runner: RunnerDep,
    settings: SettingsDep,
    split: Annotated[Literal["train", "val", "test"], Query(description="Which split's examples.")] = "test",
    true: Annotated[int | None, Query(ge=0, description="Only examples of this true class.")] = None,
    predicted: Annotated[int | None, Query(ge=0, description="Only examples predicted as this class.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Examples per page.")] = 48,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PredictionsPage:
    """The gallery: a split's examples with the model's predictions, misclassified first, then the least confident.

    ``true`` and ``predicted`` together pick one cell of the confusion matrix. Classification runs only;
    from the run's saved weights (the ranking is kept until the weights change).
    """
    loaded = await _loaded(run_id, store, runner, settings)
    if loaded.meta.task != "classification":
        raise ApiError(
            422,
            f"Run {run_id} is a {loaded.meta.task} run; the gallery of predictions is for classification runs only.",
        )
    classes = len(loaded.meta.labels)
    for name, value in (("true", true), ("predicted", predicted)):
        if value is not None and value >= classes:
            message = f"{name} is {value}, but the run has {classes} classes (0 to {classes - 1})."
            raise ApiError(422, message, [GraphIssue(code="invalid_value", message=message, field=name)])
    try:
        return await run_in_threadpool(
            in_api_threads, _gallery_page, run_id, loaded, settings, split, true, predicted, limit, offset
        )
    except LayerLabError as exc:
        raise ApiError(409, f"The run's data set cannot be loaded: {exc.message}", code="no_weights") from None


@router.post("/api/runs/{run_id}/probe", status_code=202, response_model=ProbeResponse, responses=_PROBE_ERRORS)
async def set_probe(
    run_id: str, body: ProbeBody, store: StoreDep, runner: RunnerDep, settings: SettingsDep
) -> ProbeResponse:
    """Follow another validation example in the live activations (from the next batch on). 409 unless running or paused."""
    row = await load_row(store, runner, run_id)
    request = RunRequest.model_validate_json(row.request_json)
    try:
        size = await run_in_threadpool(monitor_split_size, request, settings)
    except LayerLabError:
        size = None
    if size is not None and body.index >= size:
        message = f"index is {body.index}, but the run's validation split has {size} examples (0 to {size - 1})."
        issue = GraphIssue(
            code="invalid_value", message=message, field="index", hint=f"Pick an index from 0 to {size - 1}."
        )
        raise ApiError(422, message, [issue])
    try:
        status = runner.control(run_id, "probe", body.index)
    except RunConflictError as exc:
        raise ApiError(409, str(exc)) from None
    except RunNotFoundError:
        raise ApiError(
            409, f"Run {run_id} has ended ({row.status}); its probe sample cannot change any more."
        ) from None
    return ProbeResponse(id=run_id, status=status, index=body.index)


def forget_run(run_id: str) -> None:
    """Drop what is cached for a deleted run."""
    _models.forget(run_id)
    with _galleries_lock:
        for key in [k for k in _galleries if k[0] == run_id]:
            del _galleries[key]
