"""Templates: every one loads, validates against its data set's shape and compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

import layerlab.templates
from layerlab.graph import compile_graph, validate_graph
from layerlab.settings import Settings
from layerlab.templates import Template, get_template, list_templates
from layerlab.training.plan import resolve_plan
from layerlab.training.request import RunRequest

# Per-sample input shapes of the data sets the templates use (as layerlab.datasets reports them).
DATASET_SHAPES = {"mnist": (1, 28, 28), "cifar10": (3, 32, 32), "spiral": (2,), "digits": (1, 8, 8)}


def test_the_required_templates_exist() -> None:
    names = [t.name for t in list_templates()]
    assert {"mnist_mlp", "cifar10_cnn", "spiral_mlp", "digits_mlp"} <= set(names)
    assert len(names) == len(set(names))


SEQUENCE_TEMPLATES = ("sine_lstm", "sunspots_gru", "names_lstm", "shakespeare_char_lstm", "shakespeare_transformer")


@pytest.mark.parametrize("name", SEQUENCE_TEMPLATES)
def test_sequence_and_text_templates_plan_for_their_data_set(name: str, tmp_path: Path) -> None:
    template = get_template(name)
    assert template is not None
    # downloads allowed but nothing loaded: planning reads only the data sets' info
    settings = Settings(home=tmp_path, device="cpu", allow_download=True, data_dir=None)
    request = RunRequest(graph=template.graph, dataset=template.dataset, training=template.training)
    plan = resolve_plan(request, settings)
    assert plan.recipe == ("forecast" if name in ("sine_lstm", "sunspots_gru") else "language_model")
    model = compile_graph(template.graph, plan.input_shape)
    assert model.final_activation is None  # logits; the loss applies the softmax
    assert len(template.description) > 150  # tells a learner what to watch for


@pytest.mark.parametrize(
    "template", [t for t in list_templates() if t.name not in SEQUENCE_TEMPLATES], ids=lambda t: t.name
)
def test_template_validates_and_compiles_for_its_dataset(template: Template) -> None:
    shape = DATASET_SHAPES[template.dataset.name]
    report = validate_graph(template.graph, shape)
    assert report.valid, report.errors
    model = compile_graph(template.graph, shape)
    assert model.final_activation == "softmax"
    assert all(node.position is not None for node in template.graph.nodes)
    ys = [node.position.y for node in template.graph.nodes if node.position is not None]
    assert ys == sorted(ys)  # laid out top to bottom


def test_mnist_template_is_the_reference_example() -> None:
    template = get_template("mnist_mlp")
    assert template is not None
    assert [(n.type, n.params) for n in template.graph.nodes] == [
        ("Input", {}),
        ("Flatten", {}),
        ("Dense", {"units": 128, "activation": "relu"}),
        ("Dropout", {"rate": 0.2}),
        ("Dense", {"units": 10, "activation": "softmax"}),
    ]
    assert (template.training.epochs, template.training.optimizer, template.training.learning_rate) == (5, "adam", 1e-3)
    assert template.dataset.name == "mnist"


def test_cifar_template_trains_for_ten_epochs() -> None:
    template = get_template("cifar10_cnn")
    assert template is not None
    assert template.training.epochs == 10
    assert validate_graph(template.graph, (3, 32, 32)).total_params == 122_570


def test_get_template_unknown_is_none_and_results_are_copies() -> None:
    assert get_template("nope") is None
    first = get_template("spiral_mlp")
    assert first is not None
    first.graph.nodes.clear()
    again = get_template("spiral_mlp")
    assert again is not None and again.graph.nodes


def test_template_files_live_inside_the_package() -> None:
    folder = Path(layerlab.templates.__file__).parent
    assert {p.stem for p in folder.glob("*.json")} == {t.name for t in list_templates()}
