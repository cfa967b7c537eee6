"""The `layerlab` command: --json streams only events, bad input exits 2 in plain words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from layerlab.api.testing import TINY_GRAPH
from layerlab.cli import main
from layerlab.training.events import parse_event

GRAPH: dict[str, Any] = TINY_GRAPH


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAYERLAB_HOME": str(home), "LAYERLAB_DEVICE": "cpu", "LAYERLAB_ALLOW_DOWNLOAD": "false"}
    return subprocess.run(
        [sys.executable, "-m", "layerlab.cli", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_train_json_prints_only_events_in_order(tmp_path: Path) -> None:
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(GRAPH))
    result = _cli("train", str(graph), "--dataset", "xor", "--param", "n=200", "--epochs", "2", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].type == "status" and events[0].status == "running"
    assert events[-1].type == "status" and events[-1].status == "completed"
    assert {"step", "epoch", "evaluation", "decision_boundary"} <= {e.type for e in events}


def test_bad_graph_exits_2_naming_the_node_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.loads(json.dumps(GRAPH))
    bad["nodes"][1]["params"]["units"] = -3
    graph = tmp_path / "bad.json"
    graph.write_text(json.dumps(bad))
    assert main(["train", str(graph), "--dataset", "xor", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert '"h"' in err and "units" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), ('{"nodes": [', "not valid JSON"), ('{"nodes": "x"}', "not valid")],
)
def test_unreadable_graph_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    graph = tmp_path / "graph.json"
    if content is not None:
        graph.write_text(content)
    assert main(["train", str(graph), "--dataset", "xor"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and "Traceback" not in err


def test_unknown_dataset_exits_2_listing_the_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(GRAPH))
    assert main(["train", str(graph), "--dataset", "nope"]) == 2
    assert "unknown_dataset" in capsys.readouterr().err


def test_datasets_lists_names_shapes_and_availability(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "spiral" in out and "1×8×8" in out and "available" in out


def test_invalid_settings_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LAYERLAB_PORT", "abc")
    assert main(["serve"]) == 2
    assert "LAYERLAB_PORT" in capsys.readouterr().err


def test_serve_runs_the_app_factory_without_websocket_compression_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    assert main(["serve", "--port", "8123"]) == 0
    monkeypatch.setenv("LAYERLAB_WS_COMPRESSION", "true")
    assert main(["serve", "--port", "8123"]) == 0
    assert [call["app"] for call in calls] == ["layerlab.main:create_app"] * 2
    assert calls[0]["factory"] is True and calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert [call["ws_per_message_deflate"] for call in calls] == [False, True]


def test_the_digits_mlp_reaches_95_percent_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    # the reference MNIST MLP (docs/contract.md §5.1) on scikit-learn's digits, 20 epochs, batch 32, Adam (lr 3e-3), seed 0
    code = main(["train", "--template", "digits_mlp", "--epochs", "20", "--lr", "0.003", "--seed", "0", "--json"])
    assert code == 0
    events = [parse_event(line) for line in capsys.readouterr().out.splitlines()]
    evaluation = next(e for e in events if e.type == "evaluation")
    assert evaluation.type == "evaluation"
    accuracy = evaluation.metrics["accuracy"]
    assert isinstance(accuracy, float) and accuracy >= 0.95
