"""Training speed of the default digits job on each installed Keras backend.

Runs the same DCGAN step (`keras-gan train` defaults: 16x16 digits, batch 64,
filters 64, latent 64, BCE) in one subprocess per backend, one after the
other in this run, and prints steps per second side by side with the ratio
to TensorFlow. The first `--warmup` steps (tracing, compilation) are not
timed.

    python benchmarks/backend_speed.py --steps 60 --warmup 5
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, numpy as np
import keras_gan_layers as kgl

steps, warmup, penalty = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
keras.utils.set_random_seed(0)
images = kgl.datasets.load_digits(image_size=16)
reps = (steps + warmup) * 64 // len(images) + 1
images = np.concatenate([images] * reps)[: (steps + warmup) * 64]
gan = kgl.GAN(kgl.architectures.dcgan_generator(64, (16, 16, 1)),
              kgl.architectures.dcgan_discriminator((16, 16, 1)), seed=0)
gan.compile(loss="wgan" if penalty == "gp" else "bce", penalties=["gp"] if penalty == "gp" else [])

class Clock(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == warmup:
            self.start = time.perf_counter()
        if batch + 1 == warmup + steps:
            self.seconds = time.perf_counter() - self.start

clock = Clock()
gan.fit(images, batch_size=64, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
print("RESULT " + json.dumps({"steps_per_s": steps / clock.seconds}))
"""


def measure(backend, steps, warmup, penalty):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": root}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(steps), str(warmup), penalty],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(f"{backend} failed:\n{out.stderr[-2000:]}")
    line = [s for s in out.stdout.splitlines() if s.startswith("RESULT ")][-1]
    result = json.loads(line[7:])
    result["wall_s"] = time.perf_counter() - start
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--penalty", choices=("none", "gp"), default="none")
    parser.add_argument("--backends", default="tensorflow,jax,torch")
    args = parser.parse_args()
    backends = [b for b in args.backends.split(",") if importlib.util.find_spec(b)]
    results = {b: measure(b, args.steps, args.warmup, args.penalty) for b in backends}
    reference = results.get("tensorflow")
    print(
        f"DCGAN 16x16 digits, batch 64, loss {'wgan+gp' if args.penalty == 'gp' else 'bce'}, "
        f"{args.steps} timed steps after {args.warmup} warm-up steps"
    )
    print(f"{'backend':<12}{'steps/s':>10}{'vs tensorflow':>16}{'process s':>12}")
    for backend, r in results.items():
        ratio = (
            r["steps_per_s"] / reference["steps_per_s"] if reference else float("nan")
        )
        print(
            f"{backend:<12}{r['steps_per_s']:>10.2f}{ratio:>16.2f}{r['wall_s']:>12.1f}"
        )


if __name__ == "__main__":
    main()
