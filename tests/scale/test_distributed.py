"""Multi-device training gives the same step as one device with the same global batch."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(script, *args, env=None):
    env = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tests", "scale", script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


@pytest.mark.parametrize("loss", ["bce", "wgan"])
def test_mirrored_strategy_matches_one_device(loss):
    pytest.importorskip("tensorflow")
    one = run("mirrored_step.py", "1", loss)
    two = run("mirrored_step.py", "2", loss)
    assert one["replicas"] == 1 and two["replicas"] == 2
    # D's weights and G's bias do not depend on the latent vectors (every fake
    # is G's bias at the start), so they must match exactly; G's kernel
    # update does depend on the latents each replica draws.
    for a, b in zip(one["d"], two["d"]):
        np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        np.array(two["g"][1]), np.array(one["g"][1]), rtol=1e-5, atol=1e-7
    )
    for key, value in one["logs"].items():
        assert two["logs"][key] == pytest.approx(value, rel=1e-5), key
    # The step moved the weights (the comparison is not between two no-ops).
    assert not np.allclose(np.array(one["d"][0]).ravel(), [0.5, -0.3])


@pytest.mark.parametrize("loss", ["bce", "wgan"])
def test_jax_data_parallel_matches_one_device(loss):
    pytest.importorskip("jax")
    env = {
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "KERAS_BACKEND": "jax",
    }
    one = run("data_parallel_step.py", "1", loss, env=env)
    two = run("data_parallel_step.py", "2", loss, env=env)
    assert two["devices"] == 2 and two["distributed"] and not one["distributed"]
    for a, b in zip(one["d"], two["d"]):
        np.testing.assert_allclose(np.array(b), np.array(a), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        np.array(two["g"][1]), np.array(one["g"][1]), rtol=1e-5, atol=1e-7
    )
    for key, value in one["logs"].items():
        assert two["logs"][key] == pytest.approx(value, rel=1e-5), key
