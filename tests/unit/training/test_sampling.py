"""A language model's text samples: generation, attention maps, and when the producer sends them."""

from __future__ import annotations

import base64
import math
import threading
from typing import Any

import pytest
import torch
from torch import nn

from layerlab.datasets.base import DatasetInfo, DatasetSplits, Split
from layerlab.graph import GraphModule, compile_graph
from layerlab.graph.spec import GraphSpec
from layerlab.settings import Settings
from layerlab.training.callbacks import EventEmitter, TrainState
from layerlab.training.config import SamplingConfig, TrainConfig
from layerlab.training.engine import fit
from layerlab.training.events import Event, Quantized, SamplesEvent
from layerlab.training.inference import InputError, LoadedModel
from layerlab.training.recipes import LanguageModelRecipe
from layerlab.training.request import RunRequest
from layerlab.training.sampling import (
    MAX_ATTENTION_TOKENS,
    TextSamplesProducer,
    attention_maps,
    generate,
    language_model_vocabulary,
    predict_text,
    prompt_issue,
    sample_text,
    start_token,
    text_prompts,
)
from layerlab.training.weights import WeightsMeta

VOCABULARY = ["\n", " ", "a", "b", "c", "d"]


class Bigram(nn.Module):
    """Next-character logits from the current character only: ``table[id]`` at every position, ``(B, T, V)``.

    ``seen`` records each input's ids; ``on_forward`` (if set) runs on every call, e.g. to advance a fake clock.
    """

    def __init__(self, table: torch.Tensor) -> None:
        super().__init__()
        self.table = nn.Parameter(table.clone())
        self.final_activation = "softmax"
        self.seen: list[list[int]] = []
        self.on_forward: Any = None

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        assert ids.dtype == torch.int64
        self.seen.append(ids[0].tolist())
        if self.on_forward is not None:
            self.on_forward()
        return self.table[ids]  # (B, T, V)


def _cycle_table(v: int = len(VOCABULARY), margin: float = 3.0) -> torch.Tensor:
    """Character i is most likely followed by i + 1 (mod v), by ``margin`` logits."""
    table = torch.zeros(v, v)
    for i in range(v):
        table[i, (i + 1) % v] = margin
    return table


def _random_bigram(seed: int = 0) -> Bigram:
    return Bigram(torch.randn(len(VOCABULARY), len(VOCABULARY), generator=torch.Generator().manual_seed(seed)))


def _generate(model: nn.Module, prompt: str = "a", length: int = 30, temperature: float = 1.0, seed: int = 0) -> str:
    generator = torch.Generator().manual_seed(seed)
    return generate(
        model, VOCABULARY, prompt=prompt, length=length, temperature=temperature, context=8, generator=generator
    )


# --- generate -------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_text_and_another_seed_other_text() -> None:
    model = _random_bigram()
    first = _generate(model, seed=3)
    assert len(first) == 30 and set(first) <= set(VOCABULARY)
    assert _generate(model, seed=3) == first
    assert _generate(model, seed=4) != first


def test_a_low_temperature_picks_the_likeliest_character_and_a_high_one_does_not() -> None:
    model = Bigram(_cycle_table(margin=1.0))  # p(next = i + 1) is only e / (e + 5) ≈ 0.35 at temperature 1
    likeliest = "".join(VOCABULARY[(2 + 1 + i) % len(VOCABULARY)] for i in range(40))  # after "a": b, c, d, \n, …
    assert _generate(model, prompt="a", length=40, temperature=0.05) == likeliest
    hot = _generate(model, prompt="a", length=40, temperature=5.0)
    assert sum(a != b for a, b in zip(hot, likeliest, strict=True)) > 20


def test_the_model_reads_at_most_the_last_context_characters() -> None:
    model = _random_bigram()
    prompt = "abcdabcdabcd"
    text = _generate(model, prompt=prompt, length=5)
    assert len(model.seen) == 5 and all(len(ids) <= 8 for ids in model.seen)
    full = prompt + text
    assert model.seen[0] == [VOCABULARY.index(c) for c in prompt[-8:]]
    assert model.seen[-1] == [VOCABULARY.index(c) for c in full[-9:-1]]


def test_an_empty_prompt_starts_from_a_newline_or_else_the_first_character() -> None:
    model = _random_bigram()
    _generate(model, prompt="", length=1)
    assert model.seen == [[VOCABULARY.index("\n")]]
    assert start_token(["x", "y"]) == 0 and start_token(["a", "\n"]) == 1


def test_generation_restores_the_train_mode_and_leaves_the_global_random_state_alone() -> None:
    model = _random_bigram()
    model.train()
    before = torch.get_rng_state()
    _generate(model, length=10)
    assert model.training
    assert torch.equal(torch.get_rng_state(), before)
    model.eval()
    _generate(model, length=2)
    assert not model.training


def test_a_model_that_only_takes_full_windows_gets_a_left_padded_one() -> None:
    class FixedWindow(nn.Module):  # Flatten + Dense: only (B, 8) works
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(len(VOCABULARY), 2)
            self.out = nn.Linear(16, 8 * len(VOCABULARY))
            self.seen: list[int] = []

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            self.seen.append(ids.shape[1])
            logits: torch.Tensor = self.out(self.embed(ids).flatten(1))
            return logits.reshape(len(ids), 8, len(VOCABULARY))

    model = FixedWindow()
    text = _generate(model, prompt="ab", length=4)
    assert len(text) == 4
    assert model.seen[0] == 2 and all(n == 8 for n in model.seen[1:])  # the short try fails once, then padded


def test_a_prompt_outside_the_vocabulary_is_an_issue_listing_the_characters() -> None:
    issue = prompt_issue("aé!a!", VOCABULARY, "inputs.0")
    assert issue is not None and issue.code == "prompt_out_of_vocabulary" and issue.field == "inputs.0"
    assert "'é'" in issue.message and "'!'" in issue.message and "2 characters" in issue.message
    assert prompt_issue("ab cd\n", VOCABULARY, "prompt") is None
    with pytest.raises(ValueError, match="'é'"):
        _generate(_random_bigram(), prompt="é")


# --- attention maps -------------------------------------------------------------------------------


class CausalAttention(nn.Module):
    """A stand-in for an attention layer: scaled dot-product self-attention of the input with itself, 2 heads."""

    def __init__(self, causal: bool = True) -> None:
        super().__init__()
        self.causal = causal

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        b, t, e = x.shape
        heads = x.reshape(b, t, 2, e // 2).transpose(1, 2)  # (B, 2, T, E/2)
        scores = heads @ heads.transpose(-1, -2) / math.sqrt(e // 2)  # (B, 2, T, T)
        if self.causal:
            scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
        return torch.softmax(scores, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attention_weights(x)[:, 0] @ x


class TinyTransformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(len(VOCABULARY), 4)
        self.attend = CausalAttention()
        self.out = nn.Linear(4, len(VOCABULARY))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.out(self.attend(self.embed(ids)))
        return logits


def _maps(item: dict[str, Any]) -> list[dict[str, Any]]:
    maps = item["attention"]
    assert isinstance(maps, list) and all(isinstance(entry, dict) for entry in maps)
    return maps


def _weights(entry: dict[str, Any]) -> torch.Tensor:
    q = Quantized.model_validate(entry["weights"])
    data = torch.frombuffer(bytearray(base64.b64decode(q.data)), dtype=torch.uint8).float()
    return (q.low + data / 255 * (q.high - q.low)).reshape(q.shape)


def test_attention_maps_are_heads_by_tokens_by_tokens_rows_summing_to_one_and_causal() -> None:
    model = TinyTransformer()
    ids = [VOCABULARY.index(c) for c in "abc dab\ncc"]
    maps = attention_maps(model, ids, VOCABULARY, context=16)
    assert len(maps) == 1
    entry = maps[0]
    assert entry["node_id"] == "attend" and entry["num_heads"] == 2
    assert entry["tokens"] == list("abc dab\ncc")
    weights = _weights(entry)
    assert list(weights.shape) == [2, 10, 10]
    assert torch.allclose(weights.sum(-1), torch.ones(2, 10), atol=0.03)  # 8-bit: ±1/510 per value
    assert float(weights.triu(1).abs().max()) < 1e-6  # nothing after the diagonal


def test_attention_maps_cover_the_last_64_characters_at_most_and_are_empty_without_attention() -> None:
    ids = [VOCABULARY.index(c) for c in "abcd" * 30]
    (entry,) = attention_maps(TinyTransformer(), ids, VOCABULARY, context=100)
    assert entry["tokens"] == list("abcd" * 16) and _weights(entry).shape[-1] == MAX_ATTENTION_TOKENS == 64
    (short,) = attention_maps(TinyTransformer(), ids, VOCABULARY, context=16)
    assert short["tokens"] == list("abcd" * 4)
    assert attention_maps(_random_bigram(), ids, VOCABULARY) == []


def _graph(nodes: list[dict[str, object]]) -> GraphSpec:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return GraphSpec.model_validate({"version": 1, "nodes": nodes, "edges": edges})


# --- recurrent models carry their state -----------------------------------------------------------


def _recurrent_lm(
    kind: str = "LSTM", *, t: int = 64, before: tuple[dict[str, object], ...] = (), **rnn: object
) -> GraphModule:
    torch.manual_seed(0)
    v = len(VOCABULARY)
    return compile_graph(
        _graph(
            [
                {"id": "in", "type": "Input"},
                {"id": "emb", "type": "Embedding", "params": {"vocab_size": v, "embedding_dim": 8}},
                *before,
                {"id": "rnn", "type": kind, "params": {"units": 16, "return_sequences": True, **rnn}},
                {"id": "drop", "type": "Dropout", "params": {"rate": 0.2}},
                {"id": "out", "type": "Dense", "params": {"units": v}},
            ]
        ),
        (t,),
    )


def _positions_read(model: nn.Module, run: Any) -> tuple[Any, list[int]]:
    """``run()``'s result and the length of every input the model was given meanwhile."""
    lengths: list[int] = []
    handle = model.register_forward_pre_hook(lambda _m, args: lengths.append(int(args[0].shape[1])))
    try:
        return run(), lengths
    finally:
        handle.remove()


def _generated(model: nn.Module, prompt: str, length: int, *, context: int = 64, seed: int = 0) -> str:
    generator = torch.Generator().manual_seed(seed)
    return generate(
        model, VOCABULARY, prompt=prompt, length=length, temperature=1.0, context=context, generator=generator
    )


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_a_recurrent_model_reads_one_new_character_a_step_and_samples_what_rereading_would(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _recurrent_lm(kind, num_layers=2)
    carried, lengths = _positions_read(model, lambda: _generated(model, "abca", 40))
    # a probe of 8 positions (in one pass, then 7 + 1), the prompt's 4, then 1 per character
    assert lengths == [8, 7, 1, 4] + [1] * 39
    monkeypatch.setattr("layerlab.training.sampling._recurrent_layers", lambda _model: None)
    reread, lengths = _positions_read(model, lambda: _generated(model, "abca", 40))
    assert lengths == list(range(4, 44))  # the whole text so far, every character (it fits the context)
    assert carried == reread and len(carried) == 40


def test_carrying_ends_with_the_generation_and_leaves_the_model_and_the_kernels_as_they_were() -> None:
    model = _recurrent_lm(num_layers=2)
    model.train()
    onednn = torch._C._get_mkldnn_enabled()
    first = _generated(model, "ab", 100, context=16)
    rnn = model.node_modules["rnn"]
    assert not rnn.carrying and rnn.carried is None and model.training
    assert torch._C._get_mkldnn_enabled() == onednn
    assert _generated(model, "ab", 100, context=16) == first  # nothing of the last sample is left
    model.eval()
    x = torch.tensor([[2, 3, 4]])
    assert torch.equal(model(x), model(x))  # a forward starts from zeros again


def test_a_long_sample_keeps_the_state_past_the_context() -> None:
    model = _recurrent_lm(t=8)
    _, lengths = _positions_read(model, lambda: _generated(model, "abcdabcdabcd", 30, context=8))
    assert lengths[3] == 8 and max(lengths[4:]) == 1  # the prompt's last 8, then one at a time, 30 > 8


@pytest.mark.parametrize(
    ("before", "rnn"),
    [
        ((), {"bidirectional": True}),  # reads the future: no state to carry
        (({"id": "pos", "type": "PositionalEncoding", "params": {"kind": "learned", "max_len": 64}},), {}),
    ],
    ids=["bidirectional", "positional-encoding"],
)
def test_a_model_whose_positions_matter_rereads_its_window(
    before: tuple[dict[str, object], ...], rnn: dict[str, object]
) -> None:
    model = _recurrent_lm(before=before, **rnn)
    text, lengths = _positions_read(model, lambda: _generated(model, "ab", 20))
    assert lengths[-20:] == list(range(2, 22)) and len(text) == 20
    assert not model.node_modules["rnn"].carrying


def _attention_lm(v: int, t: int) -> GraphModule:
    return compile_graph(
        _graph(
            [
                {"id": "in", "type": "Input"},
                {"id": "emb", "type": "Embedding", "params": {"vocab_size": v, "embedding_dim": 8}},
                {"id": "attn", "type": "MultiHeadAttention", "params": {"num_heads": 2, "causal": True}},
                {"id": "out", "type": "Dense", "params": {"units": v}},
            ]
        ),
        (t,),
    )


def test_a_compiled_graph_names_its_attention_node_by_node_id_with_a_causal_map() -> None:
    torch.manual_seed(0)
    model = _attention_lm(len(VOCABULARY), 12)
    item = sample_text(
        model, VOCABULARY, prompt="ab", length=6, temperature=1.0, context=12, generator=torch.Generator()
    )
    (entry,) = _maps(item)
    assert entry["node_id"] == "attn" and entry["num_heads"] == 2
    weights = _weights(entry)
    assert list(weights.shape) == [2, 8, 8] and float(weights.triu(1).abs().max()) < 1e-6
    assert entry["tokens"] == list("ab" + str(item["text"]))


def test_a_causal_encoder_block_maps_each_head_and_matches_its_own_attention() -> None:
    torch.manual_seed(0)
    v, t = len(VOCABULARY), 10
    model = compile_graph(
        _graph(
            [
                {"id": "in", "type": "Input"},
                {"id": "emb", "type": "Embedding", "params": {"vocab_size": v, "embedding_dim": 8}},
                {"id": "pos", "type": "PositionalEncoding", "params": {"max_len": 32}},
                {"id": "enc", "type": "TransformerEncoderLayer", "params": {"num_heads": 4, "causal": True}},
                {"id": "out", "type": "Dense", "params": {"units": v}},
            ]
        ),
        (t,),
    )
    model.eval()  # no dropout in the comparison below
    block = model.node_modules["enc"]
    x = torch.randn(1, t, 8)
    with torch.no_grad():
        weights = block.attention_weights(x)
    assert list(weights.shape) == [1, 4, t, t]
    assert torch.allclose(weights.sum(-1), torch.ones(1, 4, t), atol=1e-5)  # each row is a distribution
    assert float(weights.triu(1).abs().max()) < 1e-6  # causal: nothing after t
    # The heads' weighted values, averaged as the block does, give the block's own attention output.
    attn = block.layer.self_attn
    h = block.layer.norm1(x) if block.layer.norm_first else x
    with torch.no_grad():
        expected, _ = attn(h, h, h, attn_mask=torch.ones(t, t, dtype=torch.bool).triu(1), need_weights=False)
        v_proj = torch.nn.functional.linear(h, attn.in_proj_weight[16:], attn.in_proj_bias[16:]).view(1, t, 4, 2)
        mixed = torch.einsum("bhts,bshd->bthd", weights, v_proj).reshape(1, t, 8)
        assert torch.allclose(attn.out_proj(mixed), expected, atol=1e-5)
    (entry,) = _maps(
        sample_text(model, VOCABULARY, prompt="abc", length=4, temperature=1.0, context=t, generator=torch.Generator())
    )
    assert entry["node_id"] == "enc" and entry["num_heads"] == 4 and list(_weights(entry).shape) == [4, 7, 7]


def test_a_sample_has_the_prompt_the_text_and_the_attention() -> None:
    item = sample_text(
        TinyTransformer(),
        VOCABULARY,
        prompt="ab",
        length=5,
        temperature=0.8,
        context=16,
        generator=torch.Generator().manual_seed(1),
    )
    assert item["prompt"] == "ab" and isinstance(item["text"], str) and len(item["text"]) == 5
    (entry,) = _maps(item)
    assert entry["tokens"] == list("ab" + item["text"])
    SamplesEvent(seq=1, run_id="r", time=0.0, kind="text", items=[item])  # fits the event


# --- asking a finished run ---------------------------------------------------------------------------


def _loaded(t: int = 12) -> LoadedModel:
    nodes: list[dict[str, object]] = [
        {"id": "in", "type": "Input"},
        {"id": "emb", "type": "Embedding", "params": {"vocab_size": len(VOCABULARY), "embedding_dim": 8}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 8, "return_sequences": True}},
        {"id": "out", "type": "Dense", "params": {"units": len(VOCABULARY), "activation": "softmax"}},
    ]
    graph = _graph(nodes)
    torch.manual_seed(0)
    model = compile_graph(graph, (t,))
    meta = WeightsMeta(input_shape=(t,), task="language_model", labels=[], seed=0, epoch=2, step=40, final=True)
    request = RunRequest(graph=graph, dataset="names")
    return LoadedModel(model, meta, request, (0, 0), threading.Lock())


def test_predict_text_continues_each_prompt_the_same_for_the_same_seed() -> None:
    loaded = _loaded()
    answer = predict_text(loaded, ["ab", ""], VOCABULARY, temperature=0.7, length=15, seed=5)
    assert answer["kind"] == "text" and answer["seed"] == 5 and answer["epoch"] == 2 and answer["step"] == 40
    first, second = answer["samples"]
    assert first["prompt"] == "ab" and len(first["text"]) == 15 and second["prompt"] == ""
    assert first["attention"] == [] and second["attention"] == []  # an LSTM has no attention maps
    assert predict_text(loaded, ["ab", ""], VOCABULARY, temperature=0.7, length=15, seed=5) == answer
    other = predict_text(loaded, ["ab", ""], VOCABULARY, temperature=0.7, length=15, seed=6)
    assert other["samples"] != answer["samples"]


def test_prompts_must_be_strings_of_the_vocabulary_and_errors_name_the_input() -> None:
    assert text_prompts(["ab", ""], VOCABULARY) == ["ab", ""]
    with pytest.raises(InputError) as not_text:
        text_prompts(["ab", [1.0, 2.0]], VOCABULARY)
    assert not_text.value.field == "inputs.1" and not_text.value.code == "invalid_value"
    with pytest.raises(InputError) as outside:
        text_prompts(["aéb"], VOCABULARY)
    assert outside.value.field == "inputs.0" and outside.value.code == "prompt_out_of_vocabulary"
    assert "'é'" in outside.value.message
    with pytest.raises(InputError, match="at most 500"):
        text_prompts(["a" * 501], VOCABULARY)


def test_only_a_text_set_makes_a_run_a_language_model(settings: Settings) -> None:
    request = RunRequest(graph=_graph([{"id": "in", "type": "Input"}]), dataset="circle")
    assert language_model_vocabulary(request, settings) is None


# --- the producer -----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ListSink:
    run_id = "r"

    def __init__(self) -> None:
        self.events: list[SamplesEvent] = []

    def emit(self, event_type: type[Event], **fields: Any) -> Event:
        event = event_type(seq=len(self.events) + 1, run_id=self.run_id, time=0.0, **fields)
        assert isinstance(event, SamplesEvent)
        self.events.append(event)
        return event


def _text_info(t: int = 8) -> DatasetInfo:
    return DatasetInfo(
        name="tiny_text", title="Tiny text", description="test", task="language_model", kind="text",
        input_shape=[t], num_classes=len(VOCABULARY), vocabulary=VOCABULARY,
    )  # fmt: skip


def _state(model: nn.Module, sampling: SamplingConfig | None = None, task: str = "language_model") -> TrainState:
    empty = Split(torch.zeros(0, 8, dtype=torch.int64), torch.zeros(0, 8, dtype=torch.int64))
    return TrainState(
        epochs=1,
        task=task,
        model=model,
        data=DatasetSplits(info=_text_info(), train=empty, val=empty, test=empty),
        sampling=sampling or SamplingConfig(every_s=3.0, length=5, prompt="ab"),
        seed=0,
        epoch=1,
    )


def _producer(clock: FakeClock, **kwargs: Any) -> tuple[TextSamplesProducer, ListSink]:
    producer = TextSamplesProducer(clock=clock, **kwargs)
    sink = ListSink()
    producer.bind(sink)
    return producer, sink


def _train(producer: TextSamplesProducer, state: TrainState, clock: FakeClock, steps: int, step_s: float) -> None:
    for _ in range(steps):
        clock.now += step_s
        state.step += 1
        producer.on_batch_end(state)


def _sample_steps(sink: ListSink) -> list[int]:
    return [int(e.items[0]["step"]) for e in sink.events]  # type: ignore[arg-type]


# Steps of 0.125 s (exact in binary): 8 steps a second, every_s = 3 s is 24 steps.
STEP_S = 0.125


def test_samples_come_after_the_first_second_then_every_every_s_and_once_at_the_end() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock, first_after_steps=1000)
    state = _state(_random_bigram())
    producer.on_train_start(state)
    _train(producer, state, clock, 80, STEP_S)  # 10 s of training, samples cost nothing
    assert _sample_steps(sink) == [8, 32, 56, 80]
    producer.on_train_end(state)
    assert _sample_steps(sink) == [8, 32, 56, 80, 80]
    event = sink.events[0]
    assert event.kind == "text" and event.epoch == 1
    item = event.items[0]
    assert item["prompt"] == "ab" and item["temperature"] == 0.8 and item["length"] == 5
    assert isinstance(item["text"], str) and len(item["text"]) == 5 and item["attention"] == []


def test_a_fast_run_gets_its_first_sample_after_a_few_steps() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock, first_after_steps=10)
    state = _state(_random_bigram())
    producer.on_train_start(state)
    _train(producer, state, clock, 20, 0.001)
    assert _sample_steps(sink) == [10]


def test_expensive_samples_stay_within_the_budget_of_the_training_time() -> None:
    clock = FakeClock()
    model = _random_bigram()
    per_forward_s = STEP_S  # a sample of 5 characters costs 0.625 s

    def cost() -> None:
        clock.now += per_forward_s

    model.on_forward = cost
    producer, sink = _producer(clock, budget=0.05)
    state = _state(model)
    producer.on_train_start(state)
    started = clock.now
    _train(producer, state, clock, 480, STEP_S)  # 60 s of training steps
    training_s = clock.now - started - producer.spent_s
    assert producer.samples == 5
    # after the first, each waits cost / budget = 12.5 s = 100 steps of training (not every_s = 3 s)
    assert _sample_steps(sink) == [8, 108, 208, 308, 408]
    first_cost = 5 * per_forward_s
    assert producer.spent_s - first_cost <= 0.05 * training_s


def test_a_change_of_the_settings_samples_at_the_next_batch_with_the_new_settings() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock)
    state = _state(_random_bigram())
    producer.on_train_start(state)
    _train(producer, state, clock, 12, STEP_S)
    assert _sample_steps(sink) == [8]
    assert state.sampling is not None
    state.sampling = state.sampling.model_copy(update={"temperature": 0.3, "prompt": "dd", "length": 7})
    state.sampling_changed = True
    _train(producer, state, clock, 1, STEP_S)
    assert _sample_steps(sink) == [8, 13] and not state.sampling_changed
    item = sink.events[-1].items[0]
    assert item["temperature"] == 0.3 and item["prompt"] == "dd" and len(str(item["text"])) == 7
    _train(producer, state, clock, 24, STEP_S)  # the next regular one: every_s after the change
    assert _sample_steps(sink) == [8, 13, 37]


def test_time_spent_paused_does_not_count_towards_the_next_sample() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock)
    state = _state(_random_bigram())
    producer.on_train_start(state)
    _train(producer, state, clock, 8, STEP_S)
    producer.on_pause(state)
    clock.now += 60.0
    producer.on_resume(state)
    _train(producer, state, clock, 23, STEP_S)
    assert _sample_steps(sink) == [8]
    _train(producer, state, clock, 1, STEP_S)
    assert _sample_steps(sink) == [8, 32]


def test_a_prompt_outside_the_vocabulary_skips_samples_until_a_good_one_arrives() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock)
    state = _state(_random_bigram(), SamplingConfig(prompt="é", length=3))
    producer.on_train_start(state)
    _train(producer, state, clock, 40, STEP_S)
    assert sink.events == []
    assert state.sampling is not None
    state.sampling, state.sampling_changed = state.sampling.model_copy(update={"prompt": "ab"}), True
    _train(producer, state, clock, 1, STEP_S)
    assert _sample_steps(sink) == [41]


def test_other_tasks_get_no_samples() -> None:
    clock = FakeClock()
    producer, sink = _producer(clock)
    state = _state(_random_bigram(), task="classification")
    state.sampling = None
    producer.on_train_start(state)
    _train(producer, state, clock, 50, 0.1)
    producer.on_train_end(state)
    assert sink.events == []


def test_a_language_model_fit_streams_text_samples_and_ends_with_one() -> None:
    text = "abc dab\n" * 60
    ids = torch.tensor([VOCABULARY.index(c) for c in text], dtype=torch.int64)
    cut = int(len(ids) * 0.9)
    data = DatasetSplits(
        info=_text_info(),
        train=Split(ids[:cut], ids[:cut]),
        val=Split(ids[cut:], ids[cut:]),
        test=Split(ids[:0], ids[:0]),
    )
    torch.manual_seed(0)
    recipe = LanguageModelRecipe(TinyTransformer(), 8)
    events: list[Event] = []
    producer = TextSamplesProducer(first_after_steps=2)
    config = TrainConfig(epochs=2, batch_size=8, device="cpu", sampling=SamplingConfig(length=12, every_s=600.0))
    fit(recipe, data, config, [EventEmitter("r", events.append, producers=[producer])])
    samples = [e for e in events if isinstance(e, SamplesEvent)]
    assert [e.kind for e in samples] == ["text", "text"]  # the first after 2 steps, and the final one
    last = samples[-1].items[0]
    assert len(str(last["text"])) == 12 and last["step"] == 2 * 7
    (entry,) = _maps(last)
    assert entry["node_id"] == "attend" and len(entry["tokens"]) == 8
