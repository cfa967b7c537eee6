"""A language model's text over HTTP: the live sampling control and predict with a prompt, on a real server.

The language-model runs train on a small text written into the server's own data folder
(``tinyshakespeare/input.txt``); ``names`` needs no file. The tests use whichever text set the
server lists as available.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from layerlab.api.testing import ServerProcess, run_body, stream_events, wait_for_status

WaitFor = Callable[..., dict[str, Any]]

TEXT_SERVER_ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "2",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "3",
    "LAYERLAB_STATIC_DIR": "/nonexistent-layerlab-page",
}

#: A few thousand characters of play-like text (the loader's minimum size is the data set's business).
TEXT = (
    "ROMEO:\nBut soft, what light through yonder window breaks?\n\n"
    "JULIET:\nO Romeo, Romeo, wherefore art thou Romeo?\n\n"
    "MERCUTIO:\nA plague o' both your houses!\n\n"
) * 200


def _issue(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["errors"], body
    issue: dict[str, Any] = body["errors"][0]
    return issue


# --- any run: what is not a language model, or not there --------------------------------------------


def test_sampling_of_an_unknown_run_is_404_and_a_bad_body_is_422(http: httpx.Client) -> None:
    assert http.post("/api/runs/nope/sampling", json={"temperature": 0.5}).status_code == 404
    run_id = http.post("/api/runs", json=run_body(dataset="spiral")).json()["id"]
    too_hot = http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 50})
    assert too_hot.status_code == 422 and _issue(too_hot)["field"] == "temperature"
    unknown = http.post(f"/api/runs/{run_id}/sampling", json={"top_k": 5})
    assert unknown.status_code == 422 and _issue(unknown)["field"] == "top_k"


def test_sampling_is_409_for_a_run_that_is_not_a_language_model_running_or_finished(
    http: httpx.Client, wait_for: WaitFor
) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral", epochs=3000, n=2000)).json()["id"]
    wait_for(run_id, {"running"})
    running = http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 0.5})
    assert running.status_code == 409 and "not a language model" in running.json()["detail"], running.text
    http.post(f"/api/runs/{run_id}/stop")
    wait_for(run_id, {"stopped"})
    assert http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 0.5}).status_code == 409


# --- language models ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def text_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("text-api")
    (root / "data" / "tinyshakespeare").mkdir(parents=True)
    (root / "data" / "tinyshakespeare" / "input.txt").write_text(TEXT, encoding="utf-8")
    env = {**TEXT_SERVER_ENV, "LAYERLAB_DATA_DIR": str(root / "data")}
    with ServerProcess(root / "home", env=env) as running:
        yield running


@pytest.fixture
def text_http(text_server: ServerProcess, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    headers = {"X-Client-Id": f"test-{request.node.name}-{time.monotonic_ns()}"}
    with httpx.Client(base_url=text_server.base_url, timeout=60, headers=headers) as client:
        yield client


@pytest.fixture
def text_set(text_http: httpx.Client) -> dict[str, Any]:
    """The first text set the server has (``shakespeare`` from the file above, or ``names``)."""
    sets: list[dict[str, Any]] = text_http.get("/api/datasets").json()
    available = [s for s in sets if s.get("task") == "language_model" and s.get("available") and s.get("vocabulary")]
    assert available, "the server lists no text data set"
    chosen: dict[str, Any] = min(available, key=lambda s: 0 if s["name"] == "shakespeare" else 1)
    return chosen


def _lm_body(text_set: dict[str, Any], *, epochs: int, **training: Any) -> dict[str, Any]:
    vocab = len(text_set["vocabulary"])
    nodes: list[dict[str, Any]] = [
        {"id": "in", "type": "Input"},
        {"id": "emb", "type": "Embedding", "params": {"vocab_size": vocab, "embedding_dim": 16}},
        {"id": "pos", "type": "PositionalEncoding", "params": {"max_len": 64}},
        {"id": "attn", "type": "MultiHeadAttention", "params": {"num_heads": 2, "causal": True}},
        {"id": "out", "type": "Dense", "params": {"units": vocab, "activation": "softmax"}},
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(nodes, nodes[1:], strict=False)]
    return {
        "graph": {"version": 1, "nodes": nodes, "edges": edges},
        "dataset": text_set["name"],
        "training": {"epochs": epochs, "batch_size": 32, "seed": 3, "sequence_length": 16, **training},
    }


def _outside(vocabulary: list[str]) -> str:
    return next(c for c in "§¤é~`|" if c not in vocabulary)


def _text_samples(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "samples" and e["kind"] == "text"]


def test_the_sampling_of_a_training_language_model_changes_live_and_is_checked(
    text_http: httpx.Client, text_server: ServerProcess, text_set: dict[str, Any]
) -> None:
    vocabulary: list[str] = text_set["vocabulary"]
    body = _lm_body(text_set, epochs=500, sampling={"length": 20, "every_s": 600})
    created = text_http.post("/api/runs", json=body)
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    wait_for_status(text_http, run_id, {"running"})

    bad = _outside(vocabulary)
    refused = text_http.post(f"/api/runs/{run_id}/sampling", json={"prompt": f"RO{bad}ME{bad}O"})
    assert refused.status_code == 422, refused.text
    issue = _issue(refused)
    assert issue["code"] == "prompt_out_of_vocabulary" and issue["field"] == "prompt"
    assert repr(bad) in issue["message"] and issue["hint"]

    prompt = "".join(c for c in "ROMEO:" if c in vocabulary) or vocabulary[0]
    accepted = text_http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 0.25, "prompt": prompt, "length": 9})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json() == {"id": run_id, "status": "running", "temperature": 0.25, "length": 9, "prompt": prompt}

    deadline = time.monotonic() + 60
    changed: list[dict[str, Any]] = []
    while not changed and time.monotonic() < deadline:
        time.sleep(0.5)
        detail = text_http.get(f"/api/runs/{run_id}").json()
        events, _ = stream_events(text_server, run_id, limit=detail["last_seq"], timeout_s=30)
        changed = [e for e in _text_samples(events) if e["items"][0]["prompt"] == prompt]
    assert changed, "no sample with the new settings"
    item = changed[0]["items"][0]
    assert item["temperature"] == 0.25 and item["length"] == 9 and len(item["text"]) == 9
    assert set(item["text"]) <= set(vocabulary)

    text_http.post(f"/api/runs/{run_id}/stop")
    wait_for_status(text_http, run_id, {"stopped"})
    ended = text_http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 1.0})
    assert ended.status_code == 409 and "ended" in ended.json()["detail"]


def test_a_finished_language_model_continues_prompts_with_its_attention(
    text_http: httpx.Client, text_set: dict[str, Any]
) -> None:
    vocabulary: list[str] = text_set["vocabulary"]
    created = text_http.post("/api/runs", json=_lm_body(text_set, epochs=1, max_steps=30))
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    wait_for_status(text_http, run_id, {"completed"}, timeout_s=120)

    prompt = "".join(c for c in "ROMEO:" if c in vocabulary) or vocabulary[0]
    ask = {"inputs": [prompt, ""], "temperature": 0.5, "length": 30, "seed": 7}
    answer = text_http.post(f"/api/runs/{run_id}/predict", json=ask)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["kind"] == "text" and body["seed"] == 7 and body["length"] == 30
    first, second = body["samples"]
    assert first["prompt"] == prompt and second["prompt"] == ""
    assert len(first["text"]) == 30 and set(first["text"] + second["text"]) <= set(vocabulary)
    (attention,) = first["attention"]
    assert attention["node_id"] == "attn" and attention["num_heads"] == 2
    length = min(16, len(prompt) + 30)  # the last T = 16 characters of prompt + text
    assert attention["tokens"] == list((prompt + first["text"])[-length:])
    assert attention["weights"]["shape"] == [2, length, length]
    assert len(base64.b64decode(attention["weights"]["data"])) == 2 * length * length
    again = text_http.post(f"/api/runs/{run_id}/predict", json=ask).json()
    assert again["samples"] == body["samples"]  # the same seed, the same text

    bad = _outside(vocabulary)
    refused = text_http.post(f"/api/runs/{run_id}/predict", json={"inputs": [f"a{bad}"]})
    assert refused.status_code == 422
    issue = _issue(refused)
    assert (
        issue["code"] == "prompt_out_of_vocabulary" and issue["field"] == "inputs.0" and repr(bad) in issue["message"]
    )
    numbers = text_http.post(f"/api/runs/{run_id}/predict", json={"inputs": [prompt, [1.0, 2.0]]})
    assert numbers.status_code == 422 and _issue(numbers)["field"] == "inputs.1"
    many = text_http.post(f"/api/runs/{run_id}/predict", json={"inputs": [prompt] * 9})
    assert many.status_code == 422 and _issue(many)["field"] == "inputs"
    ended = text_http.post(f"/api/runs/{run_id}/sampling", json={"temperature": 1.0})
    assert ended.status_code == 409
