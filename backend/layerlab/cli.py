"""The ``layerlab`` command: ``train`` a graph from a terminal, list ``datasets``, ``serve`` the app.

    layerlab train GRAPH.json --dataset digits [--epochs N --batch-size B --optimizer O --lr X
                   --seed S --device D --loss L --param KEY=VALUE ...] [--json]
    layerlab train --template digits_mlp [--epochs N ...]
    layerlab datasets [--json]
    layerlab serve [--host 127.0.0.1] [--port 8000]

``train --json`` writes every event on stdout, one JSON object per line, exactly as the
websocket carries them, and nothing else (logs and errors go to stderr). Without
``--json``: a progress bar on stderr and a table of the test metrics on stdout.

Exit codes: 0 completed, 1 the run failed, 2 bad input (missing file, invalid JSON or
graph, unknown data set, bad settings), 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from layerlab.errors import GraphIssue
from layerlab.settings import Settings, SettingsError, load_settings

__all__ = ["main"]

logger = logging.getLogger("layerlab.cli")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input: reported in plain words on stderr, exit code 2."""


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def _describe_issue(issue: GraphIssue) -> str:
    where = []
    if issue.node_id:
        where.append(f'node "{issue.node_id}"')
    if issue.field:
        where.append(f'field "{issue.field}"')
    text = f"  - [{issue.code}] " + (", ".join(where) + ": " if where else "") + issue.message
    if issue.hint:
        text += f"\n      hint: {issue.hint}"
    return text


def _validation_issues(exc: ValidationError, prefix: str) -> list[GraphIssue]:
    issues = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"])
        issues.append(
            GraphIssue(code="invalid_input", message=error["msg"], field=f"{prefix}{path}" if path else prefix or None)
        )
    return issues


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--param expects KEY=VALUE, got {text!r}.")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def _build_request(args: argparse.Namespace) -> Any:
    """The RunRequest from the graph file or template plus the command-line overrides."""
    from layerlab.training.request import RunRequest

    body: dict[str, Any] = {}
    if args.template:
        from layerlab.templates import get_template, list_templates

        template = get_template(args.template)
        if template is None:
            names = ", ".join(t.name for t in list_templates())
            raise UsageError(f"Unknown template {args.template!r}. Use one of: {names}.")
        body = {
            "graph": template.graph.model_dump(mode="json"),
            "dataset": template.dataset.model_dump(mode="json"),
            "training": template.training.model_dump(mode="json", exclude_unset=True),
        }
    if args.graph:
        path = Path(args.graph)
        if not path.is_file():
            raise UsageError(f"Graph file not found: {path}")
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read {path}: {exc}") from None
        if isinstance(loaded, dict) and "graph" in loaded:  # a whole request (graph, dataset, training)
            body.update({k: v for k, v in loaded.items() if k in ("graph", "dataset", "training", "name")})
        else:
            body["graph"] = loaded
    if "graph" not in body:
        raise UsageError("Give a graph file (layerlab train GRAPH.json) or --template NAME.")

    dataset: Any = body.get("dataset")
    if args.dataset:
        dataset = {"name": args.dataset, "params": {}}
    if args.param:
        if dataset is None:
            raise UsageError("--param needs a data set (--dataset NAME).")
        dataset = {"name": dataset, "params": {}} if isinstance(dataset, str) else dict(dataset)
        dataset["params"] = {**dataset.get("params", {}), **dict(_parse_param(p) for p in args.param)}
    if dataset is None:
        raise UsageError("Which data set? Add --dataset NAME (see `layerlab datasets`).")
    body["dataset"] = dataset

    training = dict(body.get("training") or {})
    overrides = {
        "epochs": args.epochs, "batch_size": args.batch_size, "optimizer": args.optimizer,
        "learning_rate": args.lr, "seed": args.seed, "device": args.device, "loss": args.loss,
    }  # fmt: skip
    training.update({k: v for k, v in overrides.items() if v is not None})
    body["training"] = training
    try:
        return RunRequest.model_validate(body)
    except ValidationError as exc:
        lines = "\n".join(_describe_issue(i) for i in _validation_issues(exc, ""))
        raise UsageError(f"The request is not valid:\n{lines}") from None


class _Progress:
    """Turns events into a tqdm bar and epoch lines on stderr (the non-JSON output)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bar: Any = None
        self.done = 0
        self.final: Any = None
        self.evaluation: Any = None

    def __call__(self, event: Any) -> None:
        if event.type == "status" and event.status == "running" and self.bar is None:
            total = (event.epochs or 0) * (event.steps_per_epoch or 0) or None
            self.bar = self._tqdm(total=total, unit="batch", file=sys.stderr, dynamic_ncols=True, leave=True)
        elif event.type == "step" and self.bar is not None:
            self.bar.update(event.step - self.done)
            self.done = event.step
            self.bar.set_postfix(epoch=event.epoch, loss=f"{event.loss:.4f}", refresh=False)
        elif event.type == "epoch" and self.bar is not None:
            val = " ".join(f"val_{k}={v:.4f}" for k, v in event.val.items())
            self.bar.write(
                f"epoch {event.epoch}: loss={event.train.get('loss', float('nan')):.4f} {val}", file=sys.stderr
            )
        elif event.type == "evaluation":
            self.evaluation = event
        elif event.type == "status" and event.status in ("completed", "failed", "stopped", "interrupted"):
            self.final = event
            if self.bar is not None:
                if event.status == "completed" and self.bar.total:
                    self.bar.update(self.bar.total - self.done)
                self.bar.close()


def _metrics_table(evaluation: Any) -> str:
    rows = [(k, f"{v:.4f}") for k, v in evaluation.metrics.items() if isinstance(v, float)]
    per_class = evaluation.metrics.get("per_class")
    width = max(len(k) for k, _ in rows)
    lines = [f"test metrics ({evaluation.split}):"] + [f"  {k.ljust(width)}  {v}" for k, v in rows]
    if isinstance(per_class, list) and per_class:
        label_width = max(5, *(len(c.label) for c in per_class))
        lines.append(f"  {'class'.ljust(label_width)}  precision  recall     f1  support")
        for c in per_class:
            lines.append(
                f"  {c.label.ljust(label_width)}  {c.precision:9.4f}  {c.recall:6.4f}  {c.f1:6.4f}  {c.support:7d}"
            )
    return "\n".join(lines) + "\n"


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from layerlab.training.control import RunControl
    from layerlab.training.job import run_job
    from layerlab.training.plan import request_issues

    request = _build_request(args)
    issues = request_issues(request, settings)
    if issues:
        raise UsageError("The run cannot start:\n" + "\n".join(_describe_issue(i) for i in issues))

    control = RunControl()
    progress = _Progress() if not args.json else None
    lock = threading.Lock()
    result: dict[str, str] = {}
    closed: list[bool] = []  # stdout's reader went away (e.g. `| head`): stop quietly

    def emit(event: Any) -> None:
        with lock:
            if args.json:
                if closed:
                    return
                try:
                    sys.stdout.write(json.dumps(event.model_dump(mode="json")) + "\n")
                    sys.stdout.flush()
                except BrokenPipeError:
                    closed.append(True)
                    control.stop()
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
            else:
                assert progress is not None
                progress(event)

    def work() -> None:
        result["state"] = run_job(request, run_id=args.run_id, emit=emit, settings=settings, control=control)

    worker = threading.Thread(target=work, name="layerlab-train", daemon=True)
    worker.start()
    interrupted = False
    while worker.is_alive():
        try:
            worker.join(0.1)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: leave now
                _err("interrupted")
                return EXIT_INTERRUPTED
            interrupted = True
            _err("stopping after this batch (Ctrl-C again to quit at once)…")
            control.stop()
    state = result.get("state", "failed")
    if closed:
        return EXIT_OK if state in ("completed", "stopped") else EXIT_FAILED
    if progress is not None:
        final = progress.final
        if state == "failed" and final is not None:
            _err(f"training failed [{final.code}]: {final.message}" + (f"\n  hint: {final.hint}" if final.hint else ""))
        if progress.evaluation is not None:
            sys.stdout.write(_metrics_table(progress.evaluation))
    if state == "completed":
        return EXIT_OK
    if state == "stopped":
        return EXIT_INTERRUPTED
    return EXIT_FAILED


def _datasets(args: argparse.Namespace, settings: Settings) -> int:
    from layerlab.datasets import list_datasets

    infos = list_datasets(settings)
    if args.json:
        sys.stdout.write(json.dumps([i.model_dump(mode="json") for i in infos]) + "\n")
        return EXIT_OK
    rows = [
        (
            i.name, i.task, "×".join(map(str, i.input_shape)), str(i.num_classes or i.output_size or ""),
            "yes" if i.available else f"no: {i.reason or 'unavailable'}",
        )
        for i in infos
    ]  # fmt: skip
    header = ("name", "task", "input", "classes", "available")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    for row in [header, *rows]:
        sys.stdout.write(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4] + "\n"
        )
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "layerlab.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level=settings.log_level.lower(),
        ws_per_message_deflate=settings.ws_compression,
    )
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerlab", description="LayerLab: a neural-network playground.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (to stderr)")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a graph on a data set in this terminal")
    train.add_argument("graph", nargs="?", help="graph JSON file (or a whole request: graph, dataset, training)")
    train.add_argument("--template", help="start from a template (e.g. digits_mlp) instead of a file")
    train.add_argument("--dataset", help="data set name (see `layerlab datasets`)")
    train.add_argument("--param", action="append", metavar="KEY=VALUE", help="data-set parameter, e.g. n=200")
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"])
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--seed", type=int)
    train.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--loss", choices=["auto", "cross_entropy", "binary_cross_entropy", "mse", "mae", "huber"])
    train.add_argument("--run-id", default="cli", help=argparse.SUPPRESS)
    train.add_argument("--json", action="store_true", help="print every event as one JSON line on stdout")

    datasets = sub.add_parser("datasets", help="list the data sets, their shapes and availability")
    datasets.add_argument("--json", action="store_true")

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--host", help="default 127.0.0.1 (LAYERLAB_HOST)")
    serve.add_argument("--port", type=int, help="default 8000 (LAYERLAB_PORT)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``layerlab`` command; returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        _err(f"layerlab: invalid settings: {exc}")
        return EXIT_USAGE
    level = (
        logging.DEBUG
        if args.verbose
        else (logging.WARNING if args.command == "train" else getattr(logging, settings.log_level))
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "train":
            return _train(args, settings)
        if args.command == "datasets":
            return _datasets(args, settings)
        return _serve(args, settings)
    except UsageError as exc:
        _err(f"layerlab: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
