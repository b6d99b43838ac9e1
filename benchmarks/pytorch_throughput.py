"""GAN.fit (TensorFlow, and Keras' torch backend) against the same DCGAN update in plain PyTorch.

    python benchmarks/pytorch_throughput.py --steps 40 --rounds 3

Three contenders train the same BCE DCGAN (28x28x1 images, batch 64,
latent 100; generator: dense to 7x7x256, LeakyReLU(0.2), two stride-2 4x4
transposed convolutions to 128 and 64 filters with LeakyReLU(0.2), a 3x3
tanh convolution; discriminator: two stride-2 4x4 convolutions with 64 and
128 filters and LeakyReLU(0.2), a dense logit; Adam(2e-4, beta_1=0.5) for
both), one update of each network per step, fresh latents for each:

- `keras-tensorflow`: `kgl.GAN(dcgan_generator(...), dcgan_discriminator(...)).fit`
  on the TensorFlow backend;
- `keras-torch`: the same on Keras' PyTorch backend;
- `keras-torch-hand`: the same networks on Keras' PyTorch backend in a
  minimal `keras.Model` whose `train_step` is written by hand with
  `torch.autograd` (no package step): what Keras' torch backend itself
  costs;
- `pytorch`: the update written in plain PyTorch (`torch.nn`, NCHW, as a
  PyTorch user writes it; no Keras).

A Keras backend is chosen once per process, so each contender runs in its
own process (`--worker NAME`), started in turn, `--rounds` times
(interleaved, so that the machine's load changes touch all three alike).
Each process builds its networks, runs a warm-up of 5 steps, then times
`--steps` steps: for the Keras contenders the training loop inside `fit`
(first batch to last, as benchmarks/train_throughput.py), for PyTorch the
loop of updates. Prints steps/s per round, the medians and the ratios
to `pytorch`, and `keras-torch / keras-torch-hand` (the package step's own
cost on that backend).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

LATENT, SHAPE, BATCH, WARMUP = 100, (28, 28, 1), 64, 5
WORKERS = ("keras-tensorflow", "keras-torch", "keras-torch-hand", "pytorch")


def images(n, seed=0):
    import numpy as np

    return np.random.default_rng(seed).uniform(-1, 1, (n, *SHAPE)).astype("float32")


def hand_written_keras_torch(generator, discriminator):
    """A minimal keras.Model with the update written with torch.autograd."""
    import keras
    import torch
    from torch.nn import functional as F

    class HandWritten(keras.Model):
        def __init__(self):
            super().__init__()
            self.generator, self.discriminator = generator, discriminator
            self.seed_generator = keras.random.SeedGenerator(0)
            self.d_loss = keras.metrics.Mean(name="d_loss")

        def call(self, x):
            return self.discriminator(x)

        @property
        def metrics(self):
            return [self.d_loss]

        def _apply(self, loss, optimizer, network):
            variables = network.trainable_variables
            grads = torch.autograd.grad(loss, [v.value for v in variables])
            with torch.no_grad():
                optimizer.apply(grads, variables)

        def train_step(self, real):
            n = real.shape[0]
            z = keras.random.normal((n, LATENT), seed=self.seed_generator)
            fake = self.generator(z, training=True).detach()
            d = self.discriminator
            d_loss = (
                F.softplus(-d(real, training=True)).mean()
                + F.softplus(d(fake, training=True)).mean()
            )
            self._apply(d_loss, self.d_optimizer, d)
            z = keras.random.normal((n, LATENT), seed=self.seed_generator)
            fake = self.generator(z, training=True)
            g_loss = F.softplus(-d(fake, training=True)).mean()
            self._apply(g_loss, self.g_optimizer, self.generator)
            self.d_loss.update_state(d_loss.detach())
            return {"d_loss": self.d_loss.result()}

    model = HandWritten()
    model.compile()
    model.d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    model.g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    model.d_optimizer.build(discriminator.trainable_variables)
    model.g_optimizer.build(generator.trainable_variables)
    return model


def keras_worker(steps, hand_written=False):
    """Steps/s of `GAN.fit`'s training loop on the active Keras backend."""
    import keras

    import keras_gan_layers as kgl

    keras.utils.set_random_seed(0)
    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(
            LATENT,
            SHAPE,
            filters=64,
            normalization=None,
            activation="leaky_relu",
            output_kernel_size=3,
        ),
        kgl.architectures.dcgan_discriminator(SHAPE, filters=64),
        seed=0,
    )
    gan.compile(
        keras.optimizers.Adam(2e-4, beta_1=0.5),
        keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="bce",
    )
    if hand_written:
        gan = hand_written_keras_torch(gan.generator, gan.discriminator)

    class LoopTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.end = time.perf_counter()

    data = images(BATCH * (steps + WARMUP))
    gan.fit(data[: BATCH * WARMUP], batch_size=BATCH, verbose=0, shuffle=False)
    timer = LoopTimer()
    gan.fit(
        data[BATCH * WARMUP :],
        batch_size=BATCH,
        verbose=0,
        shuffle=False,
        callbacks=[timer],
    )
    # The first step's start is not seen by the timer: count steps - 1.
    return (steps - 1) / (timer.end - timer.start)


def pytorch_worker(steps):
    """Steps/s of the same update in plain PyTorch."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(0)
    generator = nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 256),
        nn.Unflatten(1, (256, 7, 7)),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 1, 3, padding=1),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 128, 1),
    )
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    data = torch.from_numpy(images(BATCH * (steps + WARMUP))).permute(0, 3, 1, 2)

    def step(real):
        fake = generator(torch.randn(BATCH, LATENT)).detach()
        d_loss = (
            F.softplus(-discriminator(real)).mean()
            + F.softplus(discriminator(fake)).mean()
        )
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        g_loss = F.softplus(
            -discriminator(generator(torch.randn(BATCH, LATENT)))
        ).mean()
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        return d_loss.item(), g_loss.item()  # as fit reads its logs

    for i in range(WARMUP):
        step(data[i * BATCH : (i + 1) * BATCH])
    start = time.perf_counter()
    for i in range(WARMUP, WARMUP + steps):
        step(data[i * BATCH : (i + 1) * BATCH])
    return steps / (time.perf_counter() - start)


def run_worker(name, steps):
    env = {
        **os.environ,
        "KERAS_BACKEND": "torch" if name.startswith("keras-torch") else "tensorflow",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--steps", str(steps)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not lines:
        raise SystemExit(f"worker {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])["steps_per_second"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        rate = (
            pytorch_worker(args.steps)
            if args.worker == "pytorch"
            else keras_worker(args.steps, args.worker == "keras-torch-hand")
        )
        print("RESULT " + json.dumps({"steps_per_second": rate}))
        return
    rates = {name: [] for name in WORKERS}
    for r in range(args.rounds):
        for name in WORKERS:
            rates[name].append(run_worker(name, args.steps))
            print(
                f"round {r + 1} {name:>17}: {rates[name][-1]:.2f} steps/s", flush=True
            )
    median = {name: statistics.median(v) for name, v in rates.items()}
    print()
    for name in WORKERS:
        print(f"{name:>17}: median {median[name]:.2f} steps/s")
    print(
        f"GAN.fit (TensorFlow) / plain PyTorch: "
        f"{median['keras-tensorflow'] / median['pytorch']:.3f}"
    )
    print(
        f"GAN.fit (Keras torch backend) / plain PyTorch: "
        f"{median['keras-torch'] / median['pytorch']:.3f}"
    )
    print(
        f"hand-written Keras-torch train_step / plain PyTorch: "
        f"{median['keras-torch-hand'] / median['pytorch']:.3f}"
    )
    print(
        f"GAN.fit (Keras torch backend) / hand-written Keras-torch train_step: "
        f"{median['keras-torch'] / median['keras-torch-hand']:.3f}"
    )


if __name__ == "__main__":
    main()
