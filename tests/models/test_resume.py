"""Exact resume: a run killed with SIGKILL mid-epoch and restarted under the
same `BackupAndRestore` directory ends exactly where an uninterrupted run ends.

Everything is compared: both networks' weights, the EMA generator, both
optimizers' variables (Adam moments, iteration counts) and every random
generator's state (the model's latent/penalty stream and the critic's
dropout). The restarted process uses other initial weights and other
default seeds (`--init-seed 7`), so whatever it continues from must come
from the backup. Data order is the same in every process (`shuffle=False`):
Keras reshuffles arrays from a per-process stream (docs/training.md).
"""

import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np

SCRIPT = os.path.join(os.path.dirname(__file__), "resume_run.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _run(args, **kwargs):
    env = {**os.environ, "KERAS_BACKEND": keras.backend.backend()}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, SCRIPT, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def _finish(proc, timeout=300):
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out[-3000:]


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    reference = _run(
        ["--backup", str(tmp_path / "b0"), "--out", str(tmp_path / "ref.npz")]
    )
    _finish(reference)

    marker = tmp_path / "marker"
    victim = _run(
        [
            "--backup",
            str(tmp_path / "b1"),
            "--out",
            str(tmp_path / "never.npz"),
            "--hang-at",
            "1",
            "1",  # epoch 1 of 3, after its second batch
            "--marker",
            str(marker),
        ]
    )
    deadline = time.time() + 300
    try:
        while not marker.exists():
            assert victim.poll() is None, victim.communicate()[0][-3000:]
            assert time.time() < deadline, "the run never reached the kill point"
            time.sleep(0.2)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert victim.returncode == -signal.SIGKILL
    assert (tmp_path / "b1" / "latest.weights.h5").exists()  # epoch 0's backup
    assert not (tmp_path / "never.npz").exists()

    resumed = _run(
        [
            "--backup",
            str(tmp_path / "b1"),
            "--out",
            str(tmp_path / "resumed.npz"),
            "--init-seed",
            "7",
        ]
    )
    _finish(resumed)

    ref = np.load(tmp_path / "ref.npz")
    res = np.load(tmp_path / "resumed.npz")
    assert int(ref["epochs_run"]) == 3
    assert int(res["epochs_run"]) == 2  # it restarted at epoch 1, not 0
    assert sorted(ref.files) == sorted(res.files)
    groups = {k.split("/")[0] for k in ref.files}
    assert {
        "generator",
        "discriminator",
        "ema_generator",
        "d_optimizer",
        "g_optimizer",
        "random",
    } <= groups
    for key in set(ref.files) - {"epochs_run"}:
        np.testing.assert_array_equal(res[key], ref[key], err_msg=key)
