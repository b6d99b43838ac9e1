import math

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN, architectures, penalties
from keras_gan_layers.layers import (
    Blur2D,
    ConstantInput,
    EqualizedDense,
    MinibatchStdDev,
    ModulatedConv2D,
    NoiseInjection,
    PixelNormalization,
)
from tests.layers.layer_test import variable_value

# Output shapes and layer structure come from the builders' Python code, the
# same on every backend; TensorFlow and PyTorch check them. JAX compiles each
# new shape eagerly (tens of seconds per case on CPU), so CI skips them there;
# the numerics of every layer and a training step run on JAX too.
STRUCTURE_ONLY = pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="backend-independent builder structure; checked on TF and torch",
)


LATENT = 4


def numpy_out(model, inputs, **kwargs):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, model(inputs, **kwargs))


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def generator(shape=(8, 8, 1), **kwargs):
    kwargs = {"filters": 4, "max_filters": 8, "mapping_layers": 2, **kwargs}
    return architectures.style_generator(LATENT, shape, **kwargs)


def discriminator(shape=(8, 8, 1), **kwargs):
    kwargs = {"filters": 4, "max_filters": 8, **kwargs}
    return architectures.style_discriminator(shape, **kwargs)


def randomize_noise_strengths(model, rng):
    for layer in layers_of(model, NoiseInjection):
        layer.scale.assign(rng.normal(size=layer.scale.shape))


def test_mapping_network_matches_numpy(rng):
    mapping = architectures.mapping_network(6, 5, num_layers=3)
    assert isinstance(mapping.layers[1], PixelNormalization)
    dense = layers_of(mapping, EqualizedDense)
    assert len(dense) == 3
    assert all(d.lr_multiplier == 0.01 for d in dense)
    z = rng.normal(size=(4, 6)).astype("float32")
    # Reference: pixel norm, then x @ W * sqrt(2 / fan_in) * lr + b * lr, lrelu.
    x = z / np.sqrt(np.mean(z**2, axis=-1, keepdims=True) + 1e-8)
    for d in dense:
        kernel, bias = variable_value(d.kernel), variable_value(d.bias)
        x = x @ kernel * (math.sqrt(2) / math.sqrt(kernel.shape[0]) * 0.01)
        x = x + 0.01 * bias
        x = np.where(x >= 0, x, 0.2 * x)
    np.testing.assert_allclose(numpy_out(mapping, z), x, rtol=1e-4, atol=1e-6)


@STRUCTURE_ONLY
@pytest.mark.parametrize("architecture", ["skip", "resnet"])
@pytest.mark.parametrize("shape", [(8, 8, 1), (16, 16, 3)])
def test_generator_shapes_and_structure(rng, shape, architecture):
    g = generator(shape, architecture=architecture)
    assert g.output_shape == (None, *shape)
    if shape[0] == 8:  # eager calls compile per shape on JAX: one size only
        images = numpy_out(g, rng.normal(size=(2, LATENT)).astype("float32"))
        assert images.shape == (2, *shape) and images.dtype == np.float32
        assert np.abs(images).max() <= 1.0  # tanh output
    blocks = int(math.log2(shape[0] // 4))
    convs = [c for c in layers_of(g, ModulatedConv2D) if c.kernel_size == 3]
    to_rgb = [c for c in layers_of(g, ModulatedConv2D) if c.kernel_size == 1]
    assert len(convs) == 1 + 2 * blocks
    # The first 3x3 convolution of each resolution upsamples.
    assert [c.upsample for c in convs] == [False] + [True, False] * blocks
    assert all(c.demodulate for c in convs)
    assert not any(c.demodulate for c in to_rgb)
    assert len(to_rgb) == (blocks + 1 if architecture == "skip" else 1)
    assert len(layers_of(g, NoiseInjection)) == 1 + 2 * blocks
    (constant,) = layers_of(g, ConstantInput)
    assert constant.output.shape == (None, 4, 4, 8)
    assert g.get_layer("mapping").output.shape == (None, LATENT)
    assert len(layers_of(g, Blur2D)) == blocks


def test_w_dim_and_linear_output():
    g = generator(w_dim=6, output_activation=None)
    assert g.get_layer("truncation").output.shape == (None, 6)
    assert g.output_shape == (None, 8, 8, 1)
    assert g.get_layer("image").get_config()["activation"] == "linear"


def test_truncation_toward_the_running_mean(rng):
    g = generator(w_avg_beta=0.9)
    mapping = g.get_layer("mapping")
    truncation = g.get_layer("truncation")
    z = rng.normal(size=(8, LATENT)).astype("float32")
    g(z, training=True)  # updates w_avg from the batch's mean w
    w = numpy_out(mapping, z)
    w_avg = variable_value(truncation.w_avg)
    np.testing.assert_allclose(w_avg, 0.1 * w.mean(axis=0), rtol=1e-4, atol=1e-7)
    probe = keras.Model(g.inputs[0], truncation.output)
    assert architectures.set_truncation(g, 0.5) == 1
    np.testing.assert_allclose(
        numpy_out(probe, z), w_avg + 0.5 * (w - w_avg), rtol=1e-4, atol=1e-6
    )
    # psi = 0: every z gives w_avg, so every image is the same.
    g.get_layer("truncation").psi.assign(0.0)
    np.testing.assert_allclose(
        numpy_out(probe, z), np.broadcast_to(w_avg, w.shape), atol=1e-7
    )
    images = numpy_out(g, z)  # noise strengths are 0 at the start
    np.testing.assert_allclose(images, np.broadcast_to(images[:1], images.shape))
    assert not np.allclose(numpy_out(g, z, training=True)[0], images[0])


def test_set_truncation_needs_a_truncation_layer():
    d = discriminator()
    with pytest.raises(ValueError, match="Truncation layer"):
        architectures.set_truncation(d, 0.5)


@STRUCTURE_ONLY
@pytest.mark.parametrize("architecture", ["resnet", "skip"])
@pytest.mark.parametrize("shape", [(8, 8, 1), (16, 16, 3)])
def test_discriminator_shapes_and_structure(rng, shape, architecture):
    d = discriminator(shape, architecture=architecture)
    assert d.output_shape == (None, 1)
    if shape[0] == 8:
        x = rng.uniform(-1, 1, size=(4, *shape)).astype("float32")
        logits = numpy_out(d, x)
        assert logits.shape == (4, 1) and logits.dtype == np.float32
    (mbstd,) = layers_of(d, MinibatchStdDev)
    assert mbstd.input.shape == (None, 4, 4, 8) and mbstd.group_size == 4
    blocks = int(math.log2(shape[0] // 4))
    from_rgb = [x for x in d.layers if x.name.startswith("from_rgb_")]
    assert len(from_rgb) == (1 if architecture == "resnet" else blocks + 1)
    # One blur per block, plus one per shortcut (resnet) or image (skip).
    assert len(layers_of(d, Blur2D)) == 2 * blocks
    assert all(b.down == 2 for b in layers_of(d, Blur2D))
    assert not layers_of(discriminator(mbstd_group_size=None), MinibatchStdDev)


def test_minibatch_stddev_sees_the_batch(rng):
    """The logit of a sample depends on the other samples of its group."""
    d = discriminator()
    x = rng.uniform(-1, 1, size=(4, 8, 8, 1)).astype("float32")
    other = x.copy()
    other[1:] = rng.uniform(-1, 1, size=(3, 8, 8, 1))
    assert not np.allclose(numpy_out(d, x)[0], numpy_out(d, other)[0])
    d = discriminator(mbstd_group_size=None)
    np.testing.assert_allclose(numpy_out(d, x)[0], numpy_out(d, other)[0], atol=1e-6)


@pytest.mark.parametrize("pack", [1, 2])
def test_pack_multiplies_the_input_channels(rng, pack):
    d = discriminator((8, 8, 3), pack=pack)
    assert d.input_shape == (None, 8, 8, 3 * pack)
    x = rng.uniform(-1, 1, size=(4, 8, 8, 3 * pack)).astype("float32")
    assert numpy_out(d, x).shape == (4, 1)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"image_shape": (12, 12, 1)}, "4 \\* 2\\*\\*n.*image_shape=\\(12, 12, 1\\)"),
        ({"image_shape": (8, 16, 1)}, "square image.*image_shape=\\(8, 16, 1\\)"),
        ({"image_shape": (8, 8, 4)}, "1 or 3 channels"),
        ({"filters": 0}, "filters >= 1. Received: filters=0"),
        ({"max_filters": 2}, "max_filters >= filters"),
        ({"architecture": "orig"}, "'skip' or 'resnet'. Received: architecture='orig'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        architectures.style_generator(
            LATENT, **{"image_shape": (8, 8, 1), "filters": 4, **kwargs}
        )
    with pytest.raises(ValueError, match=match):
        architectures.style_discriminator(
            **{"image_shape": (8, 8, 1), "filters": 4, **kwargs}
        )


@pytest.mark.parametrize(
    "build,kwargs,match",
    [
        (generator, {"w_dim": 0}, "w_dim >= 1"),
        (generator, {"mapping_layers": 0}, "num_layers >= 1"),
        (generator, {"mapping_lr_multiplier": 0.0}, "lr_multiplier > 0"),
        (generator, {"truncation_psi": float("inf")}, "finite number psi"),
        (generator, {"w_avg_beta": 2.0}, "0 <= beta <= 1"),
        (generator, {"output_activation": "relu"}, "'tanh' or None"),
        (discriminator, {"pack": 0}, "pack >= 1. Received: pack=0"),
        (discriminator, {"mbstd_group_size": 0}, "mbstd_group_size >= 1"),
    ],
)
def test_bad_specific_arguments(build, kwargs, match):
    with pytest.raises(ValueError, match=match):
        build(**kwargs)


def test_generator_round_trip_through_keras_saving(rng, tmp_path):
    g = generator(architecture="skip")
    randomize_noise_strengths(g, rng)
    z = rng.normal(size=(8, LATENT)).astype("float32")
    g(z, training=True)  # a non-zero w_avg
    architectures.set_truncation(g, 0.625)
    path = str(tmp_path / "g.keras")
    g.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert float(variable_value(loaded.get_layer("truncation").psi)) == 0.625
    assert len(loaded.weights) == len(g.weights)
    for a, b in zip(loaded.weights, g.weights):
        np.testing.assert_array_equal(variable_value(a), variable_value(b))
    # The noise is drawn afresh on every call: compare without it.
    for model in (g, loaded):
        for layer in layers_of(model, NoiseInjection):
            layer.scale.assign(np.zeros(layer.scale.shape))
    np.testing.assert_array_equal(numpy_out(loaded, z), numpy_out(g, z))


def test_discriminator_round_trip_through_keras_saving(rng, tmp_path):
    d = discriminator(architecture="skip")
    x = rng.uniform(-1, 1, size=(4, 8, 8, 1)).astype("float32")
    path = str(tmp_path / "d.keras")
    d.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(numpy_out(loaded, x), numpy_out(d, x))


def test_tiny_gan_trains_with_r1_ema_and_pack(rng):
    gan = GAN(generator(), discriminator(pack=2), seed=0, ema_decay=0.999, pack=2)
    gan.compile(loss="bce", penalties=[penalties.R1Penalty(gamma=0.1)])
    images = rng.uniform(-1, 1, size=(16, 8, 8, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "r1_penalty"):
        assert np.isfinite(history.history[key][0]), key
    # The running mean of w moved in training and the EMA copy took it.
    w_avg = variable_value(gan.generator.get_layer("truncation").w_avg)
    assert np.abs(w_avg).max() > 0
    np.testing.assert_array_equal(
        variable_value(gan.ema_generator.get_layer("truncation").w_avg), w_avg
    )
    assert gan.generate(4, seed=0).shape == (4, 8, 8, 1)
