"""The run plan: one pre-flight step resolves recipe, task, device, loss and shapes, or names what is wrong.

Each bad request of a sequence or text run is an issue that names the node (when there is one)
and the field to change, with a hint; none raises.
"""

from __future__ import annotations

from typing import Any

import pytest

from layerlab.errors import GraphInvalidError, LayerLabError
from layerlab.settings import Settings
from layerlab.training.plan import plan_request, request_issues, resolve_plan
from layerlab.training.request import RunRequest

NAMES_VOCAB = 56


def _chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    all_nodes = [{"id": "in", "type": "Input"}, *nodes]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in zip(all_nodes, all_nodes[1:], strict=False)]
    return {"version": 1, "nodes": all_nodes, "edges": edges}


def _char_lstm(vocab: int = NAMES_VOCAB, out: int = NAMES_VOCAB, return_sequences: bool = True) -> dict[str, Any]:
    return _chain(
        {"id": "emb", "type": "Embedding", "params": {"vocab_size": vocab, "embedding_dim": 8}},
        {"id": "lstm", "type": "LSTM", "params": {"units": 16, "return_sequences": return_sequences}},
        {"id": "out", "type": "Dense", "params": {"units": out}},
    )


def _forecaster(units: int = 1) -> dict[str, Any]:
    return _chain(
        {"id": "lstm", "type": "LSTM", "params": {"units": 8}},
        {"id": "out", "type": "Dense", "params": {"units": units}},
    )


def _request(graph: dict[str, Any], dataset: Any, recipe: str = "auto", **training: Any) -> RunRequest:
    return RunRequest.model_validate(
        {"graph": graph, "dataset": dataset, "recipe": recipe, "training": {"epochs": 1, **training}}
    )


def test_a_language_model_request_resolves_to_one_plan(settings: Settings) -> None:
    plan = resolve_plan(_request(_char_lstm(), "names", sequence_length=24), settings)
    assert (plan.recipe, plan.task, plan.loss, plan.device) == (
        "language_model",
        "language_model",
        "cross_entropy",
        "cpu",
    )
    assert plan.input_shape == (24,) and plan.sequence_length == 24
    assert plan.report.nodes["out"].output_shape == [24, NAMES_VOCAB]


def test_a_forecast_request_takes_its_shapes_from_the_data_set_params(settings: Settings) -> None:
    plan = resolve_plan(_request(_forecaster(3), {"name": "sine", "params": {"window": 16, "horizon": 3}}), settings)
    assert (plan.recipe, plan.task, plan.loss) == ("forecast", "forecast", "mse")
    assert plan.input_shape == (16, 1)


def test_a_language_model_on_an_image_set_names_the_recipe(settings: Settings) -> None:
    issues = request_issues(_request(_char_lstm(), "digits", recipe="language_model"), settings)
    assert issues[0].code == "recipe_task_mismatch" and issues[0].field == "recipe"
    assert "digits" in issues[0].message and "auto" in (issues[0].hint or "")


def test_a_sequence_layer_without_a_time_axis_hints_reshape_or_embedding(settings: Settings) -> None:
    graph = _chain(
        {"id": "lstm", "type": "LSTM", "params": {"units": 8}}, {"id": "out", "type": "Dense", "params": {"units": 2}}
    )
    issues = request_issues(_request(graph, "iris"), settings)
    (issue,) = [i for i in issues if i.node_id == "lstm"]
    assert issue.code == "shape_mismatch"
    assert "Reshape" in (issue.hint or "") and "Embedding" in (issue.hint or "")


def test_an_embedding_smaller_than_the_vocabulary_names_vocab_size(settings: Settings) -> None:
    issues = request_issues(_request(_char_lstm(vocab=20), "names"), settings)
    (issue,) = [i for i in issues if i.code == "vocabulary_too_small"]
    assert issue.node_id == "emb" and issue.field == "vocab_size"
    assert f"at least {NAMES_VOCAB}" in (issue.hint or "")


def test_a_sequence_length_over_the_limit_names_the_field(settings: Settings) -> None:
    issues = request_issues(_request(_char_lstm(), "names", sequence_length=settings.max_sequence_length + 1), settings)
    assert issues[0].code == "limit_exceeded" and issues[0].field == "training.sequence_length"
    assert str(settings.max_sequence_length) in (issues[0].hint or "")


def test_a_horizon_longer_than_the_series_names_the_param(settings: Settings) -> None:
    issues = request_issues(_request(_forecaster(200), {"name": "sunspots", "params": {"horizon": 60}}), settings)
    assert issues[0].code == "invalid_dataset_param" and issues[0].field == "horizon"
    assert "309" in issues[0].message


def test_a_prompt_outside_the_vocabulary_is_reported(settings: Settings) -> None:
    request = _request(_char_lstm(), "names", sampling={"prompt": "Zoë"})
    issues = request_issues(request, settings)
    assert [i.code for i in issues] == ["prompt_out_of_vocabulary"]
    assert issues[0].field == "training.sampling.prompt" and "'ë'" in issues[0].message


def test_a_forecast_output_that_is_not_the_horizon_names_units(settings: Settings) -> None:
    issues = request_issues(_request(_forecaster(1), {"name": "sine", "params": {"horizon": 4}}), settings)
    (issue,) = issues
    assert issue.code == "output_size_mismatch" and issue.node_id == "out" and issue.field == "units"
    assert "horizon" in issue.message and "(4,)" in issue.message


def test_a_language_model_whose_output_is_not_per_position_hints_return_sequences(settings: Settings) -> None:
    (issue,) = request_issues(_request(_char_lstm(return_sequences=False), "names"), settings)
    assert issue.code == "output_size_mismatch" and issue.node_id == "out"
    assert "return_sequences" in (issue.hint or "")


def test_a_language_model_output_of_the_wrong_vocabulary_names_units(settings: Settings) -> None:
    (issue,) = request_issues(_request(_char_lstm(out=30), "names"), settings)
    assert issue.code == "output_size_mismatch" and issue.field == "units" and str(NAMES_VOCAB) in (issue.hint or "")


def test_resolve_plan_raises_the_first_problem_and_plan_request_lists_all(settings: Settings) -> None:
    request = _request(_char_lstm(vocab=20, out=30), "names", sequence_length=10_000)
    plan, issues = plan_request(request, settings)
    assert plan is None and issues[0].field == "training.sequence_length" and len(issues) >= 2
    with pytest.raises(LayerLabError) as err:
        resolve_plan(request, settings)
    assert err.value.code == "limit_exceeded"
    with pytest.raises(GraphInvalidError):
        resolve_plan(_request(_chain({"id": "x", "type": "NoSuchLayer"}), "names"), settings)
