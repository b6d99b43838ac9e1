"""GAN.fit against a minimal hand-written train_step of the same update (TensorFlow).

    python benchmarks/train_throughput.py --steps 40 --repeats 3 --instances 3

Both train the same DCGAN networks (28x28x1, batch 64, latent 100,
filters 64) with the same optimizers: once through `keras_gan_layers.GAN`
and once through a keras.Model whose `train_step` is the keras.io DCGAN
pattern (two GradientTapes, mean trackers), for BCE, for WGAN-GP
(d_steps=1), and for a class-conditional GAN (`ConditionalGAN`, label
concatenation, 10 classes, BCE) against the keras.io conditional-GAN
pattern written the same way. For each case, `--instances` pairs of fresh
models are built one after another in the same process (as keras-tuner
trials and notebooks do); each pair runs alternating after a warm-up fit
each. The script prints, per instance, steps/s (median of the repeats) of
the training loop (first batch to last) and of the whole `fit` call, the
ratios library/hand (>= 1 means the library is no slower), achieved GFLOP/s
of the loop from an analytic FLOP count, and the machine's float32 matmul
peak measured in the same run.
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


class HandWrittenConditionalGAN(keras.Model):
    """The keras.io conditional-GAN step (BCE, labels into both networks), by hand."""

    def __init__(self, generator, discriminator, num_classes):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.num_classes = num_classes
        self.seed_generator = keras.random.SeedGenerator(0)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, data):
        real, labels = data
        labels = tf.cast(labels, "int32")
        batch = tf.shape(real)[0]
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        fake_labels = keras.random.randint(
            (batch,), 0, self.num_classes, seed=self.seed_generator, dtype="int32"
        )
        with tf.GradientTape() as tape:
            fake = tf.stop_gradient(self.generator([z, fake_labels], training=True))
            real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, fake_labels], training=True)
            d_loss = tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
                tf.nn.softplus(fake_logits)
            )
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
        z = keras.random.normal((batch, LATENT), seed=self.seed_generator)
        fake_labels = keras.random.randint(
            (batch,), 0, self.num_classes, seed=self.seed_generator, dtype="int32"
        )
        with tf.GradientTape() as tape:
            fake = self.generator([z, fake_labels], training=True)
            fake_logits = self.discriminator([fake, fake_labels], training=True)
            g_loss = tf.reduce_mean(tf.nn.softplus(-fake_logits))
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


CASES = ("bce", "wgan-gp", "conditional")


def build(kind, case):
    keras.utils.set_random_seed(0)
    opts = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2)]
    gp = case == "wgan-gp"
    if case == "conditional":
        generator = kgl.architectures.conditional_dcgan_generator(LATENT, 10, SHAPE)
        discriminator = kgl.architectures.conditional_dcgan_discriminator(SHAPE, 10)
        if kind == "library":
            model = kgl.ConditionalGAN(generator, discriminator, num_classes=10, seed=0)
            model.compile(*opts, loss="bce")
        else:
            model = HandWrittenConditionalGAN(generator, discriminator, 10)
            model.compile(*opts)
        return model, step_flops(generator, discriminator, False)
    generator = kgl.architectures.dcgan_generator(LATENT, SHAPE)
    discriminator = kgl.architectures.dcgan_discriminator(SHAPE)
    if kind == "library":
        model = kgl.GAN(generator, discriminator, seed=0)
        model.compile(
            *opts, loss="wgan" if gp else "bce", penalties=["gp"] if gp else []
        )
    else:
        model = HandWrittenGAN(generator, discriminator, gp_weight=10.0 if gp else None)
        model.compile(*opts)
    return model, step_flops(generator, discriminator, gp)


class LoopTimer(keras.callbacks.Callback):
    """Wall time from the first batch's start to the last batch's end."""

    def on_train_batch_begin(self, batch, logs=None):
        if batch == 0:
            self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.end = time.perf_counter()


def timed_fit(model, data, steps):
    """`(steps/s of the whole fit call, steps/s of its training loop)`.

    The two differ by fit's set-up and teardown; on TensorFlow the teardown
    of Keras' tf.data input can wait for tf.data's autotuner (see
    keras_gan_layers/backend/tensorflow.py), which `GAN.fit` moves off the
    main thread and a plain keras.Model does not.
    """
    timer = LoopTimer()
    start = time.perf_counter()
    model.fit(
        *data,
        batch_size=BATCH,
        epochs=1,
        steps_per_epoch=steps,
        verbose=0,
        shuffle=False,
        callbacks=[timer],
    )
    whole = steps / (time.perf_counter() - start)
    # The first step's start is not seen by the timer: count steps - 1.
    return whole, (steps - 1) / (timer.end - timer.start) if steps > 1 else whole


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--instances",
        type=int,
        default=3,
        help="fresh library/hand pairs built one after another per case",
    )
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (BATCH * args.steps, *SHAPE)).astype("float32")
    labels = rng.integers(0, 10, len(images)).astype("int32")
    peak = matmul_peak()
    print(f"float32 matmul peak (2048^3, best of 5): {peak:.0f} GFLOP/s")
    print(
        f"DCGAN 28x28x1, batch {BATCH}, {args.steps} steps per run, median of "
        f"{args.repeats} alternating runs, {args.instances} instances per case"
    )
    print(
        f"{'case':<13}{'inst.':>6}{'loop lib':>10}{'loop hand':>11}{'ratio':>7}"
        f"{'fit lib':>9}{'fit hand':>10}{'ratio':>7}{'GFLOP/s':>9}{'% peak':>8}"
    )
    worst = {}
    for case in args.cases:
        data = (images, labels) if case == "conditional" else (images,)
        for instance in range(1, args.instances + 1):
            models = {kind: build(kind, case) for kind in ("library", "hand")}
            for model, _ in models.values():
                timed_fit(model, data, 3)  # trace and warm up
            rates = {kind: [] for kind in models}
            for _ in range(args.repeats):
                for kind, (model, _) in models.items():
                    rates[kind].append(timed_fit(model, data, args.steps))
            fit_lib, loop_lib = (statistics.median(r) for r in zip(*rates["library"]))
            fit_hand, loop_hand = (statistics.median(r) for r in zip(*rates["hand"]))
            flops = models["library"][1] / 1e9
            worst[case] = min(worst.get(case, np.inf), loop_lib / loop_hand)
            print(
                f"{case:<13}{instance:>6}{loop_lib:>10.2f}{loop_hand:>11.2f}"
                f"{loop_lib / loop_hand:>7.3f}{fit_lib:>9.2f}{fit_hand:>10.2f}"
                f"{fit_lib / fit_hand:>7.3f}{loop_lib * flops:>9.1f}"
                f"{100 * loop_lib * flops / peak:>7.1f}%"
            )
            del models
    print(
        "steps/s, median of the repeats; 'loop': the training loop, 'fit': the "
        "whole fit call. Lowest loop ratio per case: "
        + ", ".join(f"{case} {ratio:.3f}" for case, ratio in worst.items())
    )
    print(
        f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
