"""`keras-gan train --distribute`: MirroredStrategy (TensorFlow) and
DataParallel (JAX) over 2 CPU devices, in a subprocess (the devices are set
before the backend starts), and its usage errors.

Each run trains one epoch of the digits job at 8x8; the check is that the
strategy spans both devices, that every global batch is whole (1,797
digits at batch 64: 28 steps, the last 5 digits left out), and that the
outputs are written.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gan_layers.cli.main import main
from keras_gan_layers.cli.train import UsageError, whole_batches

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = ["--distribute", "--epochs", "1", "--filters", "4", "--image-size", "8"]
ARGS += ["--verbose", "2"]

TF_TWO_DEVICES = """
import sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)
from keras_gan_layers.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def run_cli(code, args, env):
    result = subprocess.run(
        [sys.executable, "-c", code, "train", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def check_outputs(out, stdout):
    assert "28/28" in stdout  # 1,797 // 64 whole batches
    for name in ("gan.keras", "generator.keras", "history.json", "config.json"):
        assert (out / name).exists(), name


@pytest.mark.tensorflow_only
def test_mirrored_strategy_on_two_devices(tmp_path):
    out = tmp_path / "out"
    stdout = run_cli(
        TF_TWO_DEVICES, [*ARGS, "--out", str(out)], {"KERAS_BACKEND": "tensorflow"}
    )
    assert "--distribute: MirroredStrategy over 2 devices" in stdout
    check_outputs(out, stdout)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX pass only")
def test_data_parallel_on_two_devices(tmp_path):
    out = tmp_path / "out"
    code = "import sys; from keras_gan_layers.cli.main import main; sys.exit(main(sys.argv[1:]))"
    stdout = run_cli(
        code,
        [*ARGS, "--out", str(out)],
        {
            "KERAS_BACKEND": "jax",
            "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
            "JAX_PLATFORMS": "cpu",
        },
    )
    assert "--distribute: DataParallel over 2 devices in 1 process(es)" in stdout
    check_outputs(out, stdout)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch pass only")
def test_torch_backend_is_a_usage_error(tmp_path, capsys):
    code = main(["train", "--distribute", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "--distribute needs the TensorFlow or JAX backend" in capsys.readouterr().err


def test_batches_are_cut_whole_and_split_evenly():
    data = np.arange(10, dtype="float32")[:, None]
    labels = np.arange(10)
    cut, cut_labels, local = whole_batches(data, labels, 4, devices=2)
    np.testing.assert_array_equal(cut[:, 0], np.arange(8))
    np.testing.assert_array_equal(cut_labels, np.arange(8))
    assert local == 4  # one process feeds the whole global batch
    with pytest.raises(UsageError, match="--batch-size must be a multiple of 2, got 3"):
        whole_batches(data, None, 3, devices=2)
