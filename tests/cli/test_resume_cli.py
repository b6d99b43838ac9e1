"""`keras-gan train --resume`: a run stopped by SIGTERM after an epoch leaves
a backup that `--resume` continues to the end, with the run's own arguments.

The run under test is the CLI in a subprocess whose `ImageSnapshot` sleeps
after each epoch, so that the signal arrives at a known point (after epoch
0's backup) however fast the machine is.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from keras_gan_layers.cli.main import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
ARGS = [
    "--epochs",
    "3",
    "--image-size",
    "8",
    "--filters",
    "8",
    "--latent-dim",
    "8",
    "--batch-size",
    "256",
    "--verbose",
    "0",
]
SLOW_SNAPSHOTS = """
import sys, time
import keras_gan_layers as kgl
from keras_gan_layers.cli.main import main
original = kgl.ImageSnapshot.on_epoch_end
def slow(self, epoch, logs=None):
    original(self, epoch, logs)
    time.sleep(30)
kgl.ImageSnapshot.on_epoch_end = slow
sys.exit(main(sys.argv[1:]))
"""

pytestmark = pytest.mark.tensorflow_only  # the mechanism is Keras'; exactness
# per backend is tests/models/test_resume.py


def test_sigterm_then_resume_finishes_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    env = {
        **os.environ,
        "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_SNAPSHOTS, "train", "--out", str(out), *ARGS],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = out / "history.jsonl"
    deadline = time.time() + 240
    try:
        while not (lines.exists() and lines.read_text().strip()):
            assert proc.poll() is None, proc.communicate()[0][-3000:]
            assert time.time() < deadline, "no epoch finished"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, output[-3000:]
    assert "interrupted after 1 finished epochs" in output
    assert f"--out {out} --resume" in output
    assert (out / "backup" / "latest.weights.h5").exists()
    assert not (out / "gan.keras").exists()

    # Without --resume the interrupted run is not overwritten.
    assert main(["train", "--out", str(out), *ARGS]) == 2
    assert "pass --resume to continue it" in capsys.readouterr().err
    # --resume takes the run's own arguments; a conflicting one is an error.
    assert main(["train", "--out", str(out), "--resume", "--loss", "hinge"]) == 2
    assert "--loss hinge (run: bce)" in capsys.readouterr().err

    # Bad resumes, each on its own copy of the interrupted run.
    def copy(name, edit):
        path = tmp_path / name
        shutil.copytree(out, path)
        edit(path)
        return str(path)

    def bad_type(path):
        config = json.loads((path / "config.json").read_text())
        (path / "config.json").write_text(json.dumps({**config, "lr": "fast"}))

    for path, args, message in [
        (copy("few", lambda p: None), ["--epochs", "1"], "has finished 1 epochs"),
        (copy("typed", bad_type), [], "holds lr='fast'"),
        (
            copy("noconfig", lambda p: (p / "config.json").unlink()),
            [],
            "has a backup but no config.json",
        ),
        (
            copy(
                "garbage",
                lambda p: (p / "backup" / "latest.weights.h5").write_bytes(b"junk"),
            ),
            [],
            "is unreadable",
        ),
    ]:
        assert main(["train", "--out", path, "--resume", *args]) == 2, message
        assert message in capsys.readouterr().err

    # A run moved elsewhere resumes there (--out is where it is now).
    moved = tmp_path / "moved"
    shutil.move(str(out), moved)
    out = moved
    assert main(["train", "--out", str(out), "--resume", "--verbose", "0"]) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["d_loss"]) == 3  # epoch 0 from the first run, 1-2 resumed
    assert not (out / "backup").exists()  # finished: the backup is gone
    assert (out / "gan.keras").exists()
    assert sorted(os.listdir(out / "samples"))[-1] == "epoch_0003.png"

    # Nothing left to resume.
    assert main(["train", "--out", str(out), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
