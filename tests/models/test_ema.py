"""Generator EMA: closed form over k steps, sampling, saving, bad arguments.

D(x) = w . x + b (linear), G(z) = z K + c with K = 0 and frozen, so every
fake is c and WGAN with plain SGD has a closed-form trajectory:
w <- w - lr (c - mean(x)), then c <- c + lr w. The EMA of c follows
e <- d e + (1 - d) c after each generator update, from e = c at the start,
and equals c for the first `ema_start` updates.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from tests.helpers import constant_generator, linear_discriminator, tiny_dcgan

LR = 0.1
W = np.array([0.5, -0.3])
B = 0.1
C = np.array([0.2, 0.4])
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")


def frozen_kernel_generator():
    generator = constant_generator(3, C)
    generator.layers[-1].kernel.trainable = False
    return generator


def closed_form(steps, decay, start):
    w, c, e = W.copy(), C.copy(), C.copy()
    xbar = X.mean(axis=0)
    for t in range(1, steps + 1):
        w = w - LR * (c - xbar)
        c = c + LR * w
        e = c.copy() if t <= start else decay * e + (1 - decay) * c
    return c, e


@pytest.mark.parametrize("decay,start", [(0.9, 0), (0.5, 0), (0.8, 3)])
def test_ema_matches_closed_form(decay, start):
    steps = 6
    gan = GAN(
        frozen_kernel_generator(),
        linear_discriminator(2, W, B),
        seed=0,
        ema_decay=decay,
        ema_start=start,
    )
    gan.compile(keras.optimizers.SGD(LR), keras.optimizers.SGD(LR), loss="wgan")
    gan.fit(X, batch_size=4, epochs=steps, verbose=0, shuffle=False)
    c, e = closed_form(steps, decay, start)
    np.testing.assert_allclose(gan.generator.get_weights()[1], c, rtol=1e-5)
    kernel, bias = gan.ema_generator.get_weights()
    np.testing.assert_allclose(bias, e, rtol=1e-5)
    np.testing.assert_array_equal(kernel, 0.0)
    # The average lags the trajectory: it is not a copy of the generator.
    assert not np.allclose(bias, c, rtol=1e-3)


def test_ema_is_not_trained_and_generate_uses_it(tmp_path):
    gan = tiny_dcgan(ema_decay=0.9)
    gan.compile()
    assert gan.ema_generator is not None and not gan.ema_generator.trainable
    assert len(gan.trainable_variables) == len(gan.generator.trainable_variables) + len(
        gan.discriminator.trainable_variables
    )
    gan.fit(np.zeros((32, 8, 8, 1), "float32"), batch_size=16, epochs=1, verbose=0)
    z = np.random.default_rng(3).standard_normal((4, 8)).astype("float32")
    ema_out = keras.ops.convert_to_numpy(gan.ema_generator(z, training=False))
    raw_out = keras.ops.convert_to_numpy(gan.generator(z, training=False))
    assert not np.allclose(ema_out, raw_out, atol=1e-6)
    # generate(seed=s) draws the same latents with numpy: the EMA network's output.
    from keras_gan_layers.utils.sampling import latent_vectors

    expected = keras.ops.convert_to_numpy(
        gan.ema_generator(latent_vectors((8,), 4, seed=5), training=False)
    )
    np.testing.assert_allclose(gan.generate(4, seed=5), expected, atol=1e-6)
    # Saved and loaded with the model, in safe mode.
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    for a, b in zip(
        loaded.ema_generator.get_weights(), gan.ema_generator.get_weights()
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.generate(4, seed=5), expected, atol=1e-6)


@pytest.mark.parametrize("decay", [1.0, -0.1, 1.5, True, "0.9x"])
def test_bad_ema_decay(decay):
    with pytest.raises((ValueError, TypeError), match="ema_decay|could not convert"):
        tiny_dcgan(ema_decay=decay)


@pytest.mark.parametrize("start", [-1, 1.5, 10**20])
def test_bad_ema_start(start):
    with pytest.raises(
        ValueError, match=r"ema_start must be an integer >= 0 \(and below 2\*\*62\)"
    ):
        tiny_dcgan(ema_decay=0.9, ema_start=start)


def test_ema_round_trips_through_config():
    gan = tiny_dcgan(ema_decay=0.99, ema_start=10)
    clone = GAN.from_config(gan.get_config())
    assert clone.ema_decay == 0.99 and clone.ema_start == 10
    assert clone.ema_generator is not None


def test_snapshots_and_evaluation_sample_the_ema_generator(tmp_path):
    from keras_gan_layers import GANEvaluation, ImageSnapshot

    gan = tiny_dcgan(ema_decay=0.5)
    gan.compile()
    gan.fit(np.zeros((16, 8, 8, 1), "float32"), batch_size=16, epochs=2, verbose=0)
    snap = ImageSnapshot(str(tmp_path), num_images=6, seed=9)
    snap.set_model(gan)
    images, _ = snap.images()
    np.testing.assert_allclose(images, gan.generate(6, seed=9), atol=1e-6)
    evaluation = GANEvaluation(np.zeros((4, 8, 8, 1)), num_samples=6, seed=9)
    evaluation.set_model(gan)
    np.testing.assert_allclose(evaluation._generate(), images, atol=1e-6)
    raw = keras.ops.convert_to_numpy(
        gan.generator(keras.ops.convert_to_tensor(snap._latents), training=False)
    )
    assert not np.allclose(images, raw, atol=1e-6)


class NoConfigGenerator(keras.Model):
    """A subclassed generator whose constructor takes a plain Python object
    and that defines no get_config: Keras cannot serialize it, so
    clone_model cannot copy it."""

    def __init__(self, helper, **kwargs):
        super().__init__(**kwargs)
        self.helper = helper
        self.dense = keras.layers.Dense(64)
        self.reshape = keras.layers.Reshape((8, 8, 1))

    def call(self, z):
        return self.reshape(self.dense(z))


def test_ema_needs_a_copyable_generator():
    from keras_gan_layers import architectures

    generator = NoConfigGenerator(object())
    generator(np.zeros((1, 4), "float32"))
    discriminator = architectures.dcgan_discriminator((8, 8, 1), filters=4)
    GAN(generator, discriminator, latent_dim=4)  # fine without EMA
    with pytest.raises(
        ValueError, match="ema_decay needs a generator that keras.models.clone_model"
    ):
        GAN(generator, discriminator, latent_dim=4, ema_decay=0.9)
