"""The CPU split into two logical devices, for the tf.distribute scripts.

Import it before anything else TensorFlow: the split must happen before
TensorFlow's runtime starts. The scripts run as subprocesses of
test_distributed.py with the repository root on `PYTHONPATH`.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["KERAS_BACKEND"] = "tensorflow"

import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)


def mirrored_strategy(replicas):
    """`MirroredStrategy` over the first `replicas` (1 or 2) logical CPUs."""
    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])


def per_replica(value):
    """The per-replica values of a distributed value (one for a plain one)."""
    return list(getattr(value, "values", (value,)))


def print_result(result):
    """The line test_distributed.run reads back."""
    print("RESULT " + json.dumps(result))
