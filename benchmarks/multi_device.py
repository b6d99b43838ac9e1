"""Throughput of the default digits job on 1 and 2 devices, per backend.

    python benchmarks/multi_device.py --steps 30

TensorFlow: `tf.distribute.MirroredStrategy` over 1 or 2 logical CPU
devices. JAX: `keras.distribution.DataParallel` over 1 or 2 host devices
(`--xla_force_host_platform_device_count=2`). Same global batch (64), same
DCGAN (16x16 digits, BCE). On a CPU machine both "devices" share the same
cores, so this measures the overhead of the distributed step, not a
speed-up; on GPUs each device brings its own compute.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, sys, time
backend, devices, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
scope = None
if backend == "tensorflow":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(devices)])
    scope = strategy.scope()
import keras, numpy as np
if backend == "jax" and devices > 1:
    import jax
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices("cpu")[:devices]))
import contextlib
import keras_gan_layers as kgl
images = kgl.datasets.load_digits(image_size=16)
images = np.concatenate([images] * 4)[: (steps + 5) * 64]
with scope or contextlib.nullcontext():
    gan = kgl.GAN(kgl.architectures.dcgan_generator(64, (16, 16, 1)),
                  kgl.architectures.dcgan_discriminator((16, 16, 1)), seed=0)
    gan.compile(loss="bce")

class Clock(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == 5:
            self.start = time.perf_counter()
        if batch + 1 == 5 + steps:
            self.rate = steps / (time.perf_counter() - self.start)

clock = Clock()
gan.fit(images, batch_size=64, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
print("RESULT " + json.dumps({"steps_per_s": clock.rate}))
"""


def measure(backend, devices, steps):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "PYTHONPATH": root,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, backend, str(devices), str(steps)],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(f"{backend} x{devices} failed:\n{out.stderr[-2000:]}")
    line = [s for s in out.stdout.splitlines() if s.startswith("RESULT ")][-1]
    return json.loads(line[7:])["steps_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--backends", default="tensorflow,jax")
    args = parser.parse_args()
    print(f"DCGAN 16x16 digits, global batch 64, BCE, {args.steps} timed steps")
    print(f"{'backend':<12}{'1 device':>10}{'2 devices':>11}{'2 / 1':>8}")
    for backend in args.backends.split(","):
        if importlib.util.find_spec(backend) is None:
            continue
        one, two = measure(backend, 1, args.steps), measure(backend, 2, args.steps)
        print(f"{backend:<12}{one:>10.2f}{two:>11.2f}{two / one:>8.2f}")


if __name__ == "__main__":
    main()
