"""examples/quickstart.ipynb: it runs, its numbers make sense, and git holds no outputs.

The notebook is executed in its smoke mode (`KERAS_GAN_SMOKE=1`: one epoch of
two batches per model, 100 generated images per metric) by a Jupyter kernel,
as a user's Jupyter would run it; its last cell prints a `SUMMARY {json}`
line that the test reads. TensorFlow only: one pass is what CI can afford
(the notebook is backend-agnostic Keras; it was run by hand on JAX and
PyTorch as well).
"""

import json
import math
import os
import re

import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "examples", "quickstart.ipynb")
SMOKE_LINE = 'SMOKE = smoke == "1"'
MODELS = ("MLP GAN", "DCGAN", "WGAN-GP", "conditional")


def _read():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    return notebook


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _stdout(cell):
    return "".join(
        out.get("text", "")
        for out in cell.outputs
        if out.output_type == "stream" and out.name == "stdout"
    )


@pytest.mark.backend_independent
def test_notebook_is_committed_without_outputs():
    notebook = _read()
    cells = _code_cells(notebook)
    assert len(cells) >= 8
    for i, cell in enumerate(cells):
        assert cell.outputs == [], f"code cell {i} has outputs; strip them"
        assert cell.execution_count is None, f"code cell {i} has an execution count"
        assert "execution" not in cell.metadata, f"code cell {i} has timing metadata"
    # CI's short mode is read in the first code cell, before anything trains.
    assert SMOKE_LINE in cells[0].source
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.tensorflow_only
def test_notebook_runs_in_smoke_mode(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("KERAS_GAN_SMOKE", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    # .ci/run exports MPLBACKEND=Agg for the suite; the kernel must keep
    # Jupyter's inline backend, or plt.show() draws nothing into the outputs.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = _read()
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's cwd
    )
    client.execute()  # raises CellExecutionError naming the failing cell

    cells = _code_cells(notebook)
    assert "smoke=True" in _stdout(cells[0])
    assert "backend tensorflow" in _stdout(cells[0])
    # Every cell that draws a grid or a curve (top-level `show(...)`,
    # `plot_history(...)`) shows it inline.
    for cell in cells:
        expected = len(re.findall(r"^(?:show|plot_history)\(", cell.source, re.M))
        pngs = sum(
            "image/png" in out.get("data", {})
            for out in cell.outputs
            if out.output_type == "display_data"
        )
        assert pngs == expected, cell.source[:200]

    lines = [
        line for line in _stdout(cells[-1]).splitlines() if line.startswith("SUMMARY ")
    ]
    assert len(lines) == 1, _stdout(cells[-1])
    summary = json.loads(lines[0][len("SUMMARY ") :])
    assert summary["backend"] == "tensorflow"
    assert summary["smoke"] is True
    fid, kid = summary["fid"], summary["kid"]
    assert set(fid) == set(kid) == {"real vs real", *MODELS}
    for name in fid:
        assert math.isfinite(fid[name]) and fid[name] >= 0.0, (name, fid[name])
        assert math.isfinite(kid[name]), (name, kid[name])
    # After two batches no generator is near the data: two halves of the real
    # digits must be far closer to each other than any model is to them.
    for name in MODELS:
        assert fid[name] > 3 * fid["real vs real"], fid
        assert kid[name] > kid["real vs real"] + 1.0, kid
    assert 0.0 <= summary["class_accuracy"] <= 1.0
    assert summary["trials"] == 2
    assert summary["completed_trials"] == 2
    # The search wrote its trials where the notebook ran, not in the repository.
    assert (tmp_path / "quickstart_search").is_dir()


@pytest.mark.parametrize("value", ["yes", "true", ""])
def test_smoke_values_other_than_0_and_1_are_an_error(monkeypatch, value):
    # "yes" used to run the full notebook (minutes) without a word.
    cell = nbformat.read(NOTEBOOK, as_version=4).cells
    first = next(c for c in cell if c.cell_type == "code")
    monkeypatch.setenv("KERAS_GAN_SMOKE", value)
    with pytest.raises(
        ValueError, match=f"KERAS_GAN_SMOKE must be 0 or 1, got {value!r}"
    ):
        exec(compile(first.source, "quickstart.ipynb", "exec"), {})
