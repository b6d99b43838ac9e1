"""Small networks and data shared by the tests."""

import keras
import numpy as np

from keras_gan_layers import GAN, architectures


def tiny_dcgan(latent_dim=8, image_shape=(8, 8, 1), seed=0, **gan_kwargs):
    generator = architectures.dcgan_generator(latent_dim, image_shape, filters=8)
    discriminator = architectures.dcgan_discriminator(image_shape, filters=8)
    return GAN(generator, discriminator, seed=seed, **gan_kwargs)


def tiny_mlp_gan(latent_dim=8, image_shape=(8, 8, 1), seed=0, **gan_kwargs):
    """A GAN of two one-layer MLPs on images: for tests of `fit` plumbing.

    Same inputs, outputs and logs as `tiny_dcgan`, but its training step
    compiles in about a third of the time under JAX (no convolutions), which
    is what most `fit` tests pay for there.
    """
    generator = architectures.mlp_generator(latent_dim, image_shape, hidden_units=(16,))
    discriminator = architectures.mlp_discriminator(image_shape, hidden_units=(16,))
    return GAN(generator, discriminator, seed=seed, **gan_kwargs)


def tiny_images(n=64, shape=(8, 8, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(n, *shape)).astype("float32")


def linear_discriminator(dim, w, b=0.0):
    """D(x) = w . x + b as a Keras model, weights set exactly."""
    inputs = keras.Input((dim,))
    layer = keras.layers.Dense(1)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights(
        [np.asarray(w, "float32").reshape(dim, 1), np.array([b], "float32")]
    )
    return model


def constant_generator(latent_dim, value):
    """G(z) = z K + c with K = 0 at the start: every sample equals `value`."""
    value = np.asarray(value, "float32")
    inputs = keras.Input((latent_dim,))
    layer = keras.layers.Dense(len(value), kernel_initializer="zeros")
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.zeros((latent_dim, len(value)), "float32"), value])
    return model


def assert_wrote_line_lists_the_output(printed, out):
    """`keras-gan train`'s "wrote to OUT/: a, b, ..." names exactly OUT's files.

    `samples/epoch_*.png` stands for the `samples` folder.
    """
    import os
    import re

    match = re.search(r"wrote to (.+?)/: (.+)", printed)
    assert match, printed
    assert match.group(1) == str(out)
    named = {name.split("/")[0] for name in match.group(2).split(", ")}
    assert named == set(os.listdir(out)), (named, sorted(os.listdir(out)))
