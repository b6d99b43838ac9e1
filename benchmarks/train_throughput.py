"""GAN.fit against a minimal hand-written train_step of the same update (TensorFlow).

    python benchmarks/train_throughput.py --steps 40 --repeats 3

Both train the same DCGAN networks (28x28x1, batch 64, latent 100,
filters 64) with the same optimizers: once through `keras_gan_layers.GAN`
and once through a keras.Model whose `train_step` is the keras.io DCGAN
pattern (two GradientTapes, mean trackers), for BCE and for WGAN-GP
(d_steps=1). Runs alternate in one process after a warm-up fit each; the
script prints steps/s (median of the repeats), the ratio library/hand
(>= 1 means the library is no slower), achieved GFLOP/s from an analytic
FLOP count, and the machine's float32 matmul peak measured in the same run.
"""

import argparse
import os
import resource
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402

LATENT, SHAPE, BATCH = 100, (28, 28, 1), 64


class HandWrittenGAN(keras.Model):
    """The keras.io DCGAN / WGAN-GP train_step, written out by hand."""

    def __init__(self, generator, discriminator, gp_weight=None):
        super().__init__()
        self.generator, self.discriminator, self.gp_weight = (
            generator,
            discriminator,
            gp_weight,
        )
        self.seed_generator = keras.random.SeedGenerator(0)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        batch = tf.shape(real)[0]
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake = tf.stop_gradient(self.generator(z, training=True))
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            if self.gp_weight is None:
                d_loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
                    tf.nn.softplus(fake_logits)
                )
            else:
                d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                eps = keras.random.uniform((batch, 1, 1, 1), seed=self.seed_generator)
                x_hat = eps * real + (1 - eps) * fake
                with tf.GradientTape() as gp_tape:
                    gp_tape.watch(x_hat)
                    out = self.discriminator(x_hat, training=True)
                grads = gp_tape.gradient(out, x_hat)
                norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
                d_loss += self.gp_weight * tf.reduce_mean(tf.square(norm - 1.0))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.generator(z, training=True), training=True
            )
            if self.gp_weight is None:
                g_loss = tf.reduce_mean(tf.nn.softplus(-fake_logits))
            else:
                g_loss = -tf.reduce_mean(fake_logits)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def forward_flops(model, batch):
    """2 x multiply-adds of the convolutions and dense layers, one forward pass."""
    total = 0
    for layer in model.layers:
        inner = getattr(layer, "layer", layer)
        if isinstance(inner, keras.layers.Conv2DTranspose):
            h, w, cin = layer.input.shape[1:]
            k = np.prod(inner.kernel_size)
            total += 2 * h * w * k * cin * inner.filters
        elif isinstance(inner, keras.layers.Conv2D):
            h, w, cout = layer.output.shape[1:]
            k = np.prod(inner.kernel_size)
            total += 2 * h * w * k * layer.input.shape[-1] * cout
        elif isinstance(inner, keras.layers.Dense):
            total += 2 * np.prod(layer.input.shape[1:]) * inner.units
    return total * batch


def step_flops(generator, discriminator, gp):
    g, d = forward_flops(generator, BATCH), forward_flops(discriminator, BATCH)
    # D step: G forward, D forward+backward on real and fake (x3), plus the
    # penalty's double backward (~x4 of one D forward on the batch).
    d_step = g + 3 * 2 * d + (4 * d if gp else 0)
    # G step: G forward+backward (x3), D forward + backward to its input (x2).
    g_step = 3 * g + 2 * d
    return d_step + g_step


def matmul_peak(n=2048, repeats=5):
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    tf.linalg.matmul(a, b).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        tf.linalg.matmul(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times) / 1e9


def build(kind, gp):
    keras.utils.set_random_seed(0)
    generator = kgl.architectures.dcgan_generator(LATENT, SHAPE)
    discriminator = kgl.architectures.dcgan_discriminator(SHAPE)
    opts = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2)]
    if kind == "library":
        model = kgl.GAN(generator, discriminator, seed=0)
        model.compile(
            *opts, loss="wgan" if gp else "bce", penalties=["gp"] if gp else []
        )
    else:
        model = HandWrittenGAN(generator, discriminator, gp_weight=10.0 if gp else None)
        model.compile(*opts)
    return model, step_flops(generator, discriminator, gp)


def timed_fit(model, data, steps):
    start = time.perf_counter()
    model.fit(
        data,
        batch_size=BATCH,
        epochs=1,
        steps_per_epoch=steps,
        verbose=0,
        shuffle=False,
    )
    return steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = (
        np.random.default_rng(0)
        .uniform(-1, 1, (BATCH * args.steps, *SHAPE))
        .astype("float32")
    )
    peak = matmul_peak()
    print(f"float32 matmul peak (2048^3, best of 5): {peak:.0f} GFLOP/s")
    print(
        f"DCGAN 28x28x1, batch {BATCH}, {args.steps} steps per run, median of {args.repeats} alternating runs"
    )
    print(
        f"{'loss':<10}{'library steps/s':>17}{'hand steps/s':>14}{'ratio':>8}{'GFLOP/step':>12}{'GFLOP/s lib':>13}{'% of peak':>11}"
    )
    for gp in (False, True):
        models = {kind: build(kind, gp) for kind in ("library", "hand")}
        for model, _ in models.values():
            timed_fit(model, data, 3)  # trace and warm up
        rates = {kind: [] for kind in models}
        for _ in range(args.repeats):
            for kind, (model, _) in models.items():
                rates[kind].append(timed_fit(model, data, args.steps))
        lib, hand = (
            statistics.median(rates["library"]),
            statistics.median(rates["hand"]),
        )
        flops = models["library"][1] / 1e9
        print(
            f"{'wgan-gp' if gp else 'bce':<10}{lib:>17.2f}{hand:>14.2f}{lib / hand:>8.3f}{flops:>12.1f}{lib * flops:>13.1f}{100 * lib * flops / peak:>10.1f}%"
        )
    print(
        f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
