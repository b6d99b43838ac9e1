"""The examples run: each script's `--smoke` mode, as a user would start it.

TensorFlow only (the examples are backend-agnostic Keras, but one pass is
what CI can afford); each prints where its outputs went, and writes them.
`examples/cyclegan_digits.py` runs in tests/models/test_translation_learning.py
instead (its `run`, 200 steps, with the issue's bounds on the figures).
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("script", ["resnet_hinge_sn.py", "stylegan_small.py"])
def test_example_smoke_run(tmp_path, script):
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "examples", script),
            "--smoke",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert str(out) in result.stdout  # says where its outputs went
    assert any(out.iterdir())
