"""Two JAX processes (jax.distributed, gloo) train like one process on the global batch.

`multi_process_step.py` runs as a two-process cluster on 127.0.0.1, each
process feeding its half of a fixed global batch under
`keras.distribution.DataParallel`, and as a single process with the whole
batch and no distribution (the reference). A WGAN-GP GAN (d_steps=2) and a
ConditionalGAN (hinge, GP, random fake labels), both with a generator EMA,
train 3 steps with SGD on tiny MLPs with fixed weights.
"""

import json
import os
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tests", "scale", "multi_process_step.py")
MODELS = ("gan_wgan_gp", "conditional")
TIMEOUT = 240  # seconds for all three processes together

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        keras.backend.backend() != "jax",
        reason="runs JAX subprocesses; checked in the JAX pass",
    ),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Start the two-process cluster and the reference; return their results."""
    pytest.importorskip("jax")
    env = {
        **os.environ,
        "PYTHONPATH": ROOT,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    cluster = tmp_path_factory.mktemp("cluster")
    single = tmp_path_factory.mktemp("single")
    port = str(free_port())
    jobs = [(cluster, str(i), ["2", port]) for i in (0, 1)] + [
        (single, "0", ["1", "0"])
    ]
    procs, logs = [], []
    try:
        for out, index, (count, p) in jobs:
            log = open(out / f"log-{count}-{index}.txt", "w")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [sys.executable, SCRIPT, index, count, p, ",".join(MODELS), out],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=ROOT,
                )
            )
        deadline = time.monotonic() + TIMEOUT
        for proc, log in zip(procs, logs):
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            log.flush()
            with open(log.name) as f:
                assert proc.returncode == 0, f.read()[-3000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()

    def load(out, name, index):
        with open(out / f"{name}-{index}.json") as f:
            return json.load(f)

    return {
        "cluster": cluster,
        **{
            name: (
                load(cluster, name, 0),
                load(cluster, name, 1),
                load(single, name, 0),
            )
            for name in MODELS
        },
    }


def arrays(result, key):
    return [np.array(w, "float32") for w in result[key]]


@pytest.mark.parametrize("name", MODELS)
def test_two_processes_match_one_process(runs, name):
    chief, worker, single = runs[name]
    assert [chief["process_id"], worker["process_id"]] == [0, 1]
    for result in (chief, worker):
        assert result["process_count"] == 2 and result["global_devices"] == 2
        assert result["distributed"] and result["local_rows"] == 4
    assert single["process_count"] == 1 and not single["distributed"]
    assert single["local_rows"] == 8  # the same global batch, in one piece
    d_steps = 2 if name == "gan_wgan_gp" else 1
    for result in (chief, worker, single):
        assert result["g_iterations"] == 3 and result["d_iterations"] == 3 * d_steps
    for key in ("d", "g", "ema"):
        # Both processes hold the same replicated weights, bit for bit ...
        for a, b in zip(arrays(chief, key), arrays(worker, key)):
            np.testing.assert_array_equal(a, b)
        # ... and they are the single process's: the latents, fake labels and
        # GP interpolation factors are drawn for the global batch (the step
        # is one jitted program over global arrays), not per process.
        for a, r in zip(arrays(chief, key), arrays(single, key)):
            np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(chief["samples"], worker["samples"])
    np.testing.assert_allclose(chief["samples"], single["samples"], atol=1e-5)
    for key, values in single["logs"].items():
        for result in (chief, worker):
            assert result["logs"][key] == pytest.approx(values, rel=1e-5, abs=1e-6)
    # The comparison is not between no-ops: every generator weight moved
    # (its kernel's update depends on the latents), and the discriminator's
    # first layer (the WGAN critic's output bias has a zero gradient).
    moved = [
        np.abs(after - before).max()
        for before, after in zip(arrays(chief["initial"], "g"), arrays(chief, "g"))
    ]
    assert min(moved) > 1e-2, moved
    first = np.array(chief["initial"]["d"][0]) - arrays(chief, "d")[0]
    assert np.abs(first).max() > 1e-2


@pytest.mark.parametrize("name", MODELS)
def test_ema_follows_the_generator_on_every_process(runs, name):
    # ema_k = 0.5 ema_(k-1) + 0.5 g_k from the generator after each step,
    # starting from the initial generator (numpy recurrence).
    for result in runs[name][:2]:
        ema = arrays(result["initial"], "g")
        for step in result["steps"]:
            ema = [0.5 * e + 0.5 * np.array(g) for e, g in zip(ema, step["g"])]
            for a, b in zip(ema, step["ema"]):
                np.testing.assert_allclose(np.array(b), a, rtol=1e-6, atol=1e-7)
        for a, b in zip(ema, arrays(result, "ema")):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_only_the_chief_writes_the_model_file(runs):
    cluster = runs["cluster"]
    written = {p.name for p in cluster.iterdir() if not p.name.startswith("log-")}
    assert written == {
        *(f"{name}.keras" for name in MODELS),
        *(f"{name}-{i}.json" for name in MODELS for i in (0, 1)),
    }
    import keras_gan_layers  # noqa: F401  (registers the classes)

    for name in MODELS:
        chief, worker, _ = runs[name]
        assert chief["saved"] == str(cluster / f"{name}.keras")
        assert worker["saved"] is None
        # The chief's file holds the trained (global) weights.
        loaded = keras.saving.load_model(chief["saved"])
        for key, net in (
            ("d", loaded.discriminator),
            ("g", loaded.generator),
            ("ema", loaded.ema_generator),
        ):
            for a, b in zip(arrays(chief, key), net.get_weights()):
                np.testing.assert_array_equal(b, a)
