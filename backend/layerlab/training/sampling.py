"""A language model's text samples: autoregressive character sampling, the attention maps, and their producer.

:func:`generate` continues a prompt one character at a time: the model reads the last
``context`` (= the run's ``T``) characters as ids ``(1, t)``, the logits of the last position
``(V,)`` are divided by the temperature and softmaxed, and the next character is drawn from that
distribution with a ``torch.Generator`` (so a seed reproduces a sample, and training's own random
state is never touched). A recurrent model (position-wise layers and one-way recurrent layers
only, checked on a probe) reads the prompt's last ``context`` characters once and then one new
character a step, its recurrent layers carrying their state, as a char-RNN samples: about
``context`` times fewer positions computed per character. Below 1 the temperature sharpens the
distribution towards the likeliest character (0.05 is close to always picking it); above 1 it
flattens it.

:func:`attention_maps` runs the model once on the last (at most 64) characters and asks every
node whose module has ``attention_weights`` for its softmaxed weights ``(heads, L, L)`` (row i:
how much character i looked at each character j), 8-bit quantized.

:class:`TextSamplesProducer` sends them while a language model trains, as ``samples`` events of
kind ``text`` (``docs/contract.md`` §4): soon after the start, then about every
``training.sampling.every_s`` seconds, at once after the user changes the sampling settings, and
once at the end. A sample costs ``length`` forward passes, so the producer measures each one and
waits at least ``cost / budget`` seconds of training before the next: samples never take more than
``budget`` of the training time (the interval grows when they are expensive), except the one
right after a change and the final one.

Asking a trained run: :func:`language_model_vocabulary` tells whether a stored run is a language
model (and gives its characters), :func:`text_prompts` checks the prompts of a prediction and
:func:`predict_text` continues them (``POST /api/runs/{id}/predict``).

Example::

    text = generate(model, vocabulary, prompt="ROMEO:", length=100, temperature=0.8, context=64,
                    generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from pydantic import JsonValue
from torch import nn

from layerlab.datasets import get_dataset_info
from layerlab.datasets.text import unknown_characters
from layerlab.errors import GraphIssue
from layerlab.layers.modules import (
    AddLayer,
    ConcatLayer,
    DenseLayer,
    EmbeddingLayer,
    RecurrentLayer,
    SequenceBatchNorm,
)
from layerlab.settings import Settings
from layerlab.training.callbacks import TelemetryProducer, TrainState
from layerlab.training.config import SamplingConfig
from layerlab.training.events import SamplesEvent
from layerlab.training.inference import InputError, LoadedModel, quantize
from layerlab.training.request import RunRequest

__all__ = [
    "MAX_ATTENTION_TOKENS",
    "MAX_ATTENTION_VALUES",
    "TextSamplesProducer",
    "attention_maps",
    "generate",
    "language_model_vocabulary",
    "predict_text",
    "prompt_issue",
    "sample_text",
    "sampling_limits",
    "start_token",
    "text_prompts",
]

logger = logging.getLogger(__name__)

#: The attention maps cover at most this many of the last characters.
MAX_ATTENTION_TOKENS = 64
#: At most this many attention weights (all nodes together) go into one sample (about 175 KB of JSON).
MAX_ATTENTION_VALUES = 131_072


def sampling_limits(name: str) -> dict[str, Any]:
    """The range of :class:`~layerlab.training.config.SamplingConfig`'s field ``name`` as ``Field`` keywords,
    so that an API body takes exactly the values a run's settings do.

    >>> sampling_limits("temperature")
    {'ge': 0.05, 'le': 5.0}
    """
    limits: dict[str, Any] = {}
    for constraint in SamplingConfig.model_fields[name].metadata:
        for key in ("gt", "ge", "lt", "le", "min_length", "max_length"):
            if hasattr(constraint, key):
                limits[key] = getattr(constraint, key)
    return limits


def start_token(vocabulary: Sequence[str]) -> int:
    """The id an empty prompt starts from: the newline when the vocabulary has one, else the first character."""
    return vocabulary.index("\n") if "\n" in vocabulary else 0


def _ids(text: str, vocabulary: Sequence[str]) -> list[int]:
    index = {char: i for i, char in enumerate(vocabulary)}
    unknown = [char for char in dict.fromkeys(text) if char not in index]
    if unknown:
        raise ValueError(f"characters outside the vocabulary: {', '.join(repr(c) for c in unknown)}")
    return [index[char] for char in text]


def prompt_issue(text: str, vocabulary: Sequence[str], field: str) -> GraphIssue | None:
    """A ``prompt_out_of_vocabulary`` issue naming ``field`` when ``text`` has characters outside ``vocabulary``.

    >>> prompt_issue("hi!", ["h", "i"], "prompt").message
    "The prompt has 1 character the data set does not have: '!'."
    >>> prompt_issue("hi", ["h", "i"], "prompt") is None
    True
    """
    unknown = unknown_characters(text, vocabulary)
    if not unknown:
        return None
    listed = ", ".join(repr(char) for char in unknown[:20]) + (" …" if len(unknown) > 20 else "")
    plural = "s" if len(unknown) > 1 else ""
    return GraphIssue(
        code="prompt_out_of_vocabulary",
        message=f"The prompt has {len(unknown)} character{plural} the data set does not have: {listed}.",
        field=field,
        hint="Use only characters of the data set's vocabulary (GET /api/datasets lists it), or leave them out.",
    )


def _device(model: nn.Module) -> torch.device:
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


class _Window:
    """Feeds the model its last ``context`` ids; a model that only takes exactly ``context`` of them
    (a Flatten inside, say) gets a short window left-padded with the start token."""

    def __init__(self, model: nn.Module, context: int, pad: int, device: torch.device) -> None:
        self.model, self.context, self.pad, self.device = model, context, pad, device
        self.padded = False

    def __call__(self, ids: Sequence[int]) -> tuple[torch.Tensor, int]:
        """The model's raw output ``(1, t', V)`` for the window, and how many leading positions are padding."""
        window = list(ids[-self.context :])
        if not self.padded:
            try:
                return self.model(torch.tensor([window], dtype=torch.int64, device=self.device)), 0
            except RuntimeError:
                if len(window) == self.context:
                    raise
                self.padded = True
        padding = self.context - len(window)
        full = [self.pad] * padding + window
        return self.model(torch.tensor([full], dtype=torch.int64, device=self.device)), padding


# Modules whose output at position t depends only on their inputs at position t, on ``(N, T, F)``
# (in eval mode: dropout off, batch norm a fixed affine map). Softmax and Concat qualify off the
# time axis only.
_POSITION_WISE = (
    EmbeddingLayer, DenseLayer, AddLayer, SequenceBatchNorm, nn.LayerNorm, nn.Dropout, nn.Identity,
    nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.Sigmoid, nn.Tanh,
)  # fmt: skip


def _recurrent_layers(model: nn.Module) -> list[RecurrentLayer] | None:
    """The recurrent layers of a compiled model made only of position-wise layers and one-way
    recurrent ones that return sequences; ``None`` for any other model."""
    node_modules = getattr(model, "node_modules", None)
    if not isinstance(node_modules, dict):
        return None
    recurrent: list[RecurrentLayer] = []
    for module in node_modules.values():
        if isinstance(module, RecurrentLayer) and module.return_sequences and module.directions == 1:
            recurrent.append(module)
        elif isinstance(module, (nn.Softmax, ConcatLayer)):
            if module.dim is None or module.dim < 2:
                return None
        elif not isinstance(module, _POSITION_WISE):
            return None
    return recurrent or None


class _Carried:
    """Feeds a recurrent model only the ids it has not seen: its recurrent layers carry their
    state from one call to the next (one forward of length 1 per character instead of ``context``).

    Use as a context manager; the layers stop carrying (and forget the state) on leaving.
    """

    def __init__(self, model: nn.Module, layers: Sequence[RecurrentLayer], device: torch.device) -> None:
        self.model, self.layers, self.device = model, layers, device

    def __enter__(self) -> _Carried:
        self.reset()
        for layer in self.layers:
            layer.carrying = True
        # On the CPU, oneDNN's recurrent kernels cost ~0.6 ms a call at length 1, torch's own ~0.2 ms.
        # The switch is process-wide: in a worker, nothing else computes meanwhile (this is the
        # training thread); in the API process, a prediction running beside it is slower, not wrong.
        self._onednn = torch._C._get_mkldnn_enabled()
        if self.device.type == "cpu":
            torch._C._set_mkldnn_enabled(False)
        return self

    def __exit__(self, *exc: object) -> None:
        torch._C._set_mkldnn_enabled(self._onednn)
        for layer in self.layers:
            layer.carrying, layer.carried = False, None

    def reset(self) -> None:
        """Start again from the zero state."""
        for layer in self.layers:
            layer.carried = None

    def __call__(self, ids: Sequence[int]) -> torch.Tensor:
        """The model's raw output ``(1, len(ids), V)`` for ``ids`` following those already fed."""
        out: torch.Tensor = self.model(torch.tensor([list(ids)], dtype=torch.int64, device=self.device))
        return out


def _carries_exactly(carried: _Carried, probe: Sequence[int]) -> bool:
    """Whether feeding ``probe`` in two parts gives the last position the logits one pass gives it
    (a layer that reads positions, such as a positional encoding or a Dense over the ids, does not)."""
    try:
        carried.reset()
        whole = carried(probe)[0, -1]
        carried.reset()
        carried(probe[:-1])
        last = carried(probe[-1:])[0, -1]
    except RuntimeError:  # the model wants exactly ``context`` positions
        return False
    finally:
        carried.reset()
    return whole.shape == last.shape and torch.allclose(whole.float(), last.float(), rtol=1e-3, atol=1e-4)


def _draw(model: nn.Module, logits: torch.Tensor, temperature: float, generator: torch.Generator) -> int:
    """A token drawn from the last position's logits ``(V,)`` at ``temperature``."""
    scores = _log_scores(model, logits)  # (V,)
    probabilities = torch.softmax(scores / temperature, dim=-1).cpu()  # (V,)
    return int(torch.multinomial(probabilities, 1, generator=generator))


def _log_scores(model: nn.Module, logits: torch.Tensor) -> torch.Tensor:
    """Scores whose softmax is the model's distribution: the logits, or log σ(x) for a final sigmoid."""
    logits = torch.nan_to_num(logits.float(), nan=0.0, posinf=1e4, neginf=-1e4)
    if getattr(model, "final_activation", None) == "sigmoid":
        return F.logsigmoid(logits)
    return logits


def generate(
    model: nn.Module,
    vocabulary: Sequence[str],
    *,
    prompt: str,
    length: int,
    temperature: float,
    context: int,
    generator: torch.Generator,
) -> str:
    """``length`` characters continuing ``prompt`` (the prompt itself is not included).

    ``model`` takes ids ``(1, t)`` (``t ≤ context``) and returns logits ``(1, t, V)`` (a final
    softmax folded, as a compiled language model's); it runs in eval mode without gradients
    and its train/eval mode is restored. An empty prompt starts from :func:`start_token`.
    ``generator`` (a CPU one) draws every character, so the same seed gives the same text.

    Raises:
        ValueError: ``prompt`` has characters outside ``vocabulary`` (check with :func:`prompt_issue`).
    """
    assert length >= 0 and temperature > 0 and context >= 1
    ids = _ids(prompt, vocabulary) or [start_token(vocabulary)]
    was_training = model.training
    model.eval()
    device = _device(model)
    recurrent = _recurrent_layers(model)
    out: list[int] = []
    try:
        with torch.no_grad():
            if recurrent is not None and length > 0:
                with _Carried(model, recurrent, device) as carried:
                    if _carries_exactly(carried, (ids * 2)[-max(2, min(8, context)) :]):
                        logits = carried(ids[-context:])  # (1, t, V): the prompt, from the zero state
                        for i in range(length):
                            if i > 0:
                                logits = carried(out[-1:])  # (1, 1, V)
                            out.append(_draw(model, logits[0, -1], temperature, generator))
                        return "".join(vocabulary[i] for i in out)
            window = _Window(model, context, start_token(vocabulary), device)
            for _ in range(length):
                logits, _padding = window(ids)  # (1, t, V)
                token = _draw(model, logits[0, -1], temperature, generator)
                ids.append(token)
                out.append(token)
    finally:
        model.train(was_training)
    return "".join(vocabulary[i] for i in out)


_WeightsOf = Callable[[torch.Tensor], torch.Tensor]


def _attention_modules(model: nn.Module) -> dict[str, tuple[nn.Module, _WeightsOf]]:
    """Node id → module and its ``attention_weights``, for every module that has one (a GraphModule's node ids;
    for another model, its module names)."""
    node_modules = getattr(model, "node_modules", None)
    named: dict[str, nn.Module] = node_modules if isinstance(node_modules, dict) else dict(model.named_modules())
    found: dict[str, tuple[nn.Module, _WeightsOf]] = {}
    for name, module in named.items():
        weights_of = getattr(module, "attention_weights", None)
        if callable(weights_of):
            found[name] = (module, weights_of)
    return found


def attention_maps(
    model: nn.Module, tokens: Sequence[int], vocabulary: Sequence[str], *, context: int = MAX_ATTENTION_TOKENS
) -> list[dict[str, JsonValue]]:
    """Every attention node's weights on the last ``min(64, context)`` of ``tokens`` (ids).

    One forward pass in eval mode, without gradients (train/eval mode restored): a forward hook
    keeps each attention module's *input*, and its ``attention_weights(x)`` ``(1, heads, L, L)``
    gives the map. Each entry: ``node_id``, ``num_heads``, ``tokens`` (the L characters) and
    ``weights``, a :class:`~layerlab.training.events.Quantized` ``[heads, L, L]`` as a dict.
    ``[]`` when the model has no attention node or ``tokens`` is empty. Maps that would take
    the sample past :data:`MAX_ATTENTION_VALUES` weights are left out (later nodes first).
    """
    modules = _attention_modules(model)
    ids = list(tokens[-min(MAX_ATTENTION_TOKENS, context) :])
    if not modules or not ids:
        return []
    inputs: dict[str, torch.Tensor] = {}

    def keep(node_id: str) -> Callable[[nn.Module, tuple[torch.Tensor, ...], torch.Tensor], None]:
        def hook(_module: nn.Module, args: tuple[torch.Tensor, ...], _output: torch.Tensor) -> None:
            inputs[node_id] = args[0].detach()

        return hook

    handles = [module.register_forward_hook(keep(node_id)) for node_id, (module, _) in modules.items()]
    was_training = model.training
    model.eval()
    maps: list[dict[str, JsonValue]] = []
    try:
        with torch.no_grad():
            _, padding = _Window(model, context, start_token(vocabulary), _device(model))(ids)
            values = 0
            for node_id, (_, weights_of) in modules.items():
                if node_id not in inputs:
                    continue
                weights = weights_of(inputs[node_id])[0, :, padding:, padding:]  # (heads, L, L)
                values += weights.numel()
                if values > MAX_ATTENTION_VALUES:
                    break
                maps.append(
                    {
                        "node_id": node_id,
                        "num_heads": int(weights.shape[0]),
                        "tokens": [vocabulary[i] for i in ids],
                        "weights": quantize(weights.float()).model_dump(),
                    }
                )
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return maps


def sample_text(
    model: nn.Module,
    vocabulary: Sequence[str],
    *,
    prompt: str,
    length: int,
    temperature: float,
    context: int,
    generator: torch.Generator,
) -> dict[str, JsonValue]:
    """``{"prompt", "text", "attention"}``: :func:`generate`'s continuation and the attention maps of prompt + text."""
    text = generate(
        model, vocabulary, prompt=prompt, length=length, temperature=temperature, context=context, generator=generator
    )
    attention = attention_maps(model, _ids(prompt + text, vocabulary), vocabulary, context=context)
    maps: list[JsonValue] = [*attention]
    return {"prompt": prompt, "text": text, "attention": maps}


# --- asking a finished run: text from prompts -------------------------------------------------


def language_model_vocabulary(request: RunRequest, settings: Settings) -> list[str] | None:
    """The characters of a language-model run's data set (token id = index); ``None`` for any other run.

    A run is a language model when its data set's task is ``language_model`` and its recipe is
    ``auto`` or ``language_model`` (the only one such a set trains with). Loads nothing.

    Raises:
        DatasetError: the run's data set is not known (any more).
    """
    info = get_dataset_info(request.dataset.name, settings)
    if info.task != "language_model" or request.recipe not in ("auto", "language_model"):
        return None
    return list(info.vocabulary or [])


def text_prompts(inputs: Sequence[Any], vocabulary: Sequence[str]) -> list[str]:
    """The inputs of a prediction as a language model's prompts: strings of the vocabulary's characters.

    Raises:
        InputError: field ``inputs.<i>``: not a string, longer than a sample's prompt may be, or
            (code ``prompt_out_of_vocabulary``) with characters outside ``vocabulary``, listed.
    """
    limit = int(sampling_limits("prompt")["max_length"])
    prompts = []
    for i, item in enumerate(inputs):
        field = f"inputs.{i}"
        if not isinstance(item, str):
            raise InputError(
                field,
                f"{field} is not a text prompt; this run is a language model, which continues text.",
                'Send each input as a string, e.g. "ROMEO:" (an empty string starts from a new line).',
            )
        if len(item) > limit:
            raise InputError(field, f"{field} has {len(item)} characters; a prompt may have at most {limit}.")
        issue = prompt_issue(item, vocabulary, field)
        if issue is not None:
            raise InputError(field, issue.message, issue.hint, code=issue.code)
        prompts.append(item)
    return prompts


def predict_text(
    loaded: LoadedModel,
    prompts: Sequence[str],
    vocabulary: Sequence[str],
    *,
    temperature: float,
    length: int,
    seed: int,
) -> dict[str, Any]:
    """The answer of ``POST /api/runs/{id}/predict`` for a language model: a continuation of each prompt.

    Keys: ``kind`` (``"text"``), ``samples`` (per prompt ``{"prompt", "text", "attention"}``, see
    :func:`~layerlab.training.sampling.sample_text`), ``temperature``, ``length``, ``seed``, ``epoch``,
    ``step``. The model reads the last ``T`` characters (its input shape, the run's sequence length);
    one generator seeded with ``seed`` draws every character, so the same seed gives the same answer.
    """
    generator = torch.Generator().manual_seed(seed)
    context = int(loaded.meta.input_shape[0])
    with loaded.lock:
        samples = [
            sample_text(
                loaded.model,
                vocabulary,
                prompt=prompt,
                length=length,
                temperature=temperature,
                context=context,
                generator=generator,
            )
            for prompt in prompts
        ]
    return {
        "kind": "text",
        "samples": samples,
        "temperature": temperature,
        "length": length,
        "seed": seed,
        "epoch": loaded.meta.epoch,
        "step": loaded.meta.step,
    }


class TextSamplesProducer(TelemetryProducer):
    """Sends a language model's text samples while it trains (``samples`` kind ``text``).

    Active only when ``state.task == "language_model"`` and the data set has a vocabulary. The
    first sample comes at the first batch after ``first_after_s`` seconds of training or after
    ``first_after_steps`` steps, whichever is sooner; then one when ``sampling.every_s`` has
    passed since the last *and* at least ``cost / budget`` seconds of training have (``cost``:
    what the last sample took); one at the next batch after the user changed the settings
    (``state.sampling_changed``, which it clears); one at the end. Time spent paused does not
    count. ``clock`` (tests pass a fake one) measures both the training and the samples;
    ``samples`` and ``spent_s`` say how often it reported and what that cost.
    """

    def __init__(
        self,
        *,
        budget: float = 0.02,
        first_after_s: float = 1.0,
        first_after_steps: int = 10,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        assert 0 < budget <= 1
        self.budget = budget
        self.first_after_s = first_after_s
        self.first_after_steps = first_after_steps
        self._clock = clock
        self.samples = 0
        self.spent_s = 0.0
        self._active = False
        self._vocabulary: list[str] = []
        self._context = 1
        self._generator = torch.Generator()
        self._started = 0.0
        self._last_end: float | None = None
        self._last_cost = 0.0
        self._paused_at: float | None = None
        self._refused_prompt: str | None = None

    # --- hooks -------------------------------------------------------------------------------
    def on_train_start(self, state: TrainState) -> None:
        data = state.data
        vocabulary = data.info.vocabulary if data is not None else None
        self._active = (
            state.task == "language_model"
            and state.model is not None
            and state.sampling is not None
            and bool(vocabulary)
        )
        self.samples, self.spent_s = 0, 0.0
        self._last_end, self._last_cost, self._paused_at, self._refused_prompt = None, 0.0, None, None
        self._started = self._clock()
        if not self._active:
            return
        assert data is not None and vocabulary is not None
        self._vocabulary = list(vocabulary)
        self._context = int(data.info.input_shape[0]) if data.info.input_shape else MAX_ATTENTION_TOKENS
        self._generator = torch.Generator().manual_seed(state.seed or 0)

    def on_batch_end(self, state: TrainState) -> None:
        if not self._active:
            return
        if state.sampling_changed:
            state.sampling_changed = False
            self._sample(state)
        elif self._due(state, self._clock()):
            self._sample(state)

    def on_pause(self, state: TrainState) -> None:
        self._paused_at = self._clock()

    def on_resume(self, state: TrainState) -> None:
        if self._paused_at is None:
            return
        paused = self._clock() - self._paused_at
        self._started += paused
        if self._last_end is not None:
            self._last_end += paused
        self._paused_at = None

    def on_train_end(self, state: TrainState) -> None:
        if self._active and state.step > 0:
            self._sample(state)

    # --- rate --------------------------------------------------------------------------------
    def _due(self, state: TrainState, now: float) -> bool:
        if self._last_end is None:
            return now - self._started >= self.first_after_s or state.step >= self.first_after_steps
        assert state.sampling is not None
        return now - self._last_end >= max(state.sampling.every_s, self._last_cost / self.budget)

    # --- the sample --------------------------------------------------------------------------
    def _sample(self, state: TrainState) -> None:
        sampling, model = state.sampling, state.model
        assert sampling is not None and model is not None
        started = self._clock()
        try:
            item = sample_text(
                model,
                self._vocabulary,
                prompt=sampling.prompt,
                length=sampling.length,
                temperature=sampling.temperature,
                context=self._context,
                generator=self._generator,
            )
        except ValueError as exc:  # a prompt outside the vocabulary (the API checks it first): wait for another
            if sampling.prompt != self._refused_prompt:
                logger.warning("text samples skipped from step %d: %s", state.step, exc)
                self._refused_prompt = sampling.prompt
            self._last_end, self._last_cost = self._clock(), 0.0
            return
        except Exception:  # the run goes on without its samples (it never fails because of them)
            logger.exception("text sample failed at step %d; no more samples for this run", state.step)
            self._active = False
            return
        item = {**item, "temperature": sampling.temperature, "length": sampling.length, "step": state.step}
        self.sink.emit(SamplesEvent, epoch=state.epoch or None, kind="text", items=[item])
        end = self._clock()
        self._last_cost = end - started
        self._last_end = end
        self.spent_s += self._last_cost
        self.samples += 1
