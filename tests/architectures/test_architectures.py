import keras
import numpy as np
import pytest

from keras_gan_layers import architectures
from keras_gan_layers.layers import MinibatchStdDev


@pytest.mark.parametrize("shape", [(8, 8, 1), (28, 28, 1), (32, 32, 3), (16, 24, 3)])
def test_dcgan_shapes(shape):
    g = architectures.dcgan_generator(10, shape, filters=8)
    d = architectures.dcgan_discriminator(shape, filters=8)
    images = keras.ops.convert_to_numpy(
        g(np.random.normal(size=(3, 10)).astype("float32"))
    )
    assert images.shape == (3, *shape)
    assert np.abs(images).max() <= 1.0
    assert tuple(d(images).shape) == (3, 1)


def test_dcgan_num_blocks_64px():
    g = architectures.dcgan_generator(16, (64, 64, 3), filters=4, num_blocks=4)
    assert g.output_shape == (None, 64, 64, 3)
    assert g.layers[2].output.shape == (None, 4, 4, 64)  # reshape to h / 16


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (
            {"image_shape": (30, 30, 1)},
            "divisible by 2\\*\\*num_blocks=4.*image_shape=\\(30, 30, 1\\)",
        ),
        ({"image_shape": (32, 32, 2)}, "1 or 3 channels"),
        ({"image_shape": (32, 32)}, "image_shape=\\(height, width, channels\\)"),
        ({"filters": 0}, "filters >= 1"),
        ({"normalization": "weird"}, "normalization must be None, 'batch'"),
    ],
)
def test_dcgan_bad_arguments(kwargs, match):
    args = {"image_shape": (32, 32, 1), **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.dcgan_generator(8, **args)
    with pytest.raises(ValueError, match=match):
        architectures.dcgan_discriminator(**args)


def test_spectral_norm_wraps_every_weight_layer():
    d = architectures.dcgan_discriminator((8, 8, 1), filters=4, spectral_norm=True)
    wrapped = [
        layer
        for layer in d.layers
        if isinstance(layer, keras.layers.SpectralNormalization)
    ]
    assert len(wrapped) == 3  # two convolutions and the dense layer
    # In training mode the wrapped layer uses W / sigma_max(W): check against an SVD.
    # The dense kernel is (features, 1), rank one, so one power iteration per
    # call gives its exact sigma; two calls suffice (each eager call costs
    # about a second on JAX, so 50 of them were most of this file's time).
    x = np.random.normal(size=(4, 8, 8, 1)).astype("float32")
    for _ in range(2):
        d(x, training=True)
    dense = wrapped[-1]
    _, kernel = dense.normalized_weights()
    kernel = keras.ops.convert_to_numpy(kernel)
    assert np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[
        0
    ] == pytest.approx(1.0, rel=1e-3)


def test_instance_and_batch_normalization_options():
    d = architectures.dcgan_discriminator(
        (8, 8, 1), filters=4, normalization="instance", dropout=0.3
    )
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in d.layers)
    assert any(isinstance(layer, keras.layers.Dropout) for layer in d.layers)
    g = architectures.dcgan_generator(4, (8, 8, 1), filters=4, normalization=None)
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers
    )


def test_mlp_shapes():
    g = architectures.mlp_generator(4, (2,), hidden_units=(8,), output_activation=None)
    d = architectures.mlp_discriminator((2,), hidden_units=(8, 8), spectral_norm=True)
    out = g(np.ones((5, 4), "float32"))
    assert tuple(out.shape) == (5, 2)
    assert tuple(d(out).shape) == (5, 1)
    g = architectures.mlp_generator(4, (28, 28, 1), hidden_units=(16,))
    assert g.output_shape == (None, 28, 28, 1)
    assert architectures.mlp_discriminator(
        (28, 28, 1), hidden_units=(8,)
    ).output_shape == (None, 1)
    with pytest.raises(ValueError, match="hidden_units >= 1"):
        architectures.mlp_generator(4, (2,), hidden_units=(0,))


@pytest.mark.parametrize("hidden_units", [(8, 8, 8), (8,), ()])
def test_mlp_discriminator_minibatch_stddev(rng, hidden_units):
    # The layer sits before the last hidden layer (before the output layer
    # without hidden layers): a sample's logit then depends on the other
    # samples of its group (i % 2 with 4 samples, group size 2) and on no
    # other sample.
    d = architectures.mlp_discriminator(
        (2,), hidden_units=hidden_units, mbstd_group_size=2
    )
    mbstd = d.get_layer("mbstd")
    dense = [layer for layer in d.layers if isinstance(layer, keras.layers.Dense)]
    after = dense[len(hidden_units) - 1] if hidden_units else dense[-1]
    assert d.layers[d.layers.index(mbstd) + 1] is after
    features = hidden_units[-2] if len(hidden_units) > 1 else 2
    assert after.kernel.shape[0] == features + 1
    x = rng.normal(size=(4, 2)).astype("float32")
    moved = x.copy()
    moved[2] += 3.0  # group of samples 0 and 2
    out = keras.ops.convert_to_numpy(d(x))
    out_moved = keras.ops.convert_to_numpy(d(moved))
    assert np.all(np.abs(out[[0, 2]] - out_moved[[0, 2]]) > 1e-6)
    np.testing.assert_array_equal(out[[1, 3]], out_moved[[1, 3]])
    plain = architectures.mlp_discriminator((2,), hidden_units=hidden_units)
    assert not any(isinstance(layer, MinibatchStdDev) for layer in plain.layers)


def test_mlp_discriminator_minibatch_stddev_bad_arguments():
    with pytest.raises(ValueError, match="mbstd_group_size >= 1"):
        architectures.mlp_discriminator((2,), mbstd_group_size=0)
    # A string that looks like a number is named as the string it is.
    with pytest.raises(ValueError, match="Received: mbstd_group_size='4'$"):
        architectures.mlp_discriminator((2,), mbstd_group_size="4")
    with pytest.raises(ValueError, match="mbstd_num_channels >= 1"):
        architectures.mlp_discriminator((2,), mbstd_group_size=4, mbstd_num_channels=0)
    with pytest.raises(ValueError, match="num_channels to divide"):
        architectures.mlp_discriminator(
            (2,), hidden_units=(6, 6), mbstd_group_size=4, mbstd_num_channels=4
        )
    d = architectures.mlp_discriminator((2,), hidden_units=(8,), mbstd_group_size=4)
    with pytest.raises(ValueError, match="divisible by the group size"):
        d(np.ones((6, 2), "float32"))


def test_networks_round_trip_through_keras_saving(tmp_path):
    g = architectures.dcgan_generator(4, (8, 8, 1), filters=4)
    path = str(tmp_path / "g.keras")
    g.save(path)
    z = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.saving.load_model(path)(z)),
        keras.ops.convert_to_numpy(g(z)),
    )
    d = architectures.mlp_discriminator((2,), hidden_units=(8, 8), mbstd_group_size=2)
    path = str(tmp_path / "d.keras")
    d.save(path)
    x = np.arange(8, dtype="float32").reshape(4, 2) ** 2 / 10
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.saving.load_model(path)(x)),
        keras.ops.convert_to_numpy(d(x)),
    )


def test_dcgan_generator_activation_and_output_kernel():
    def count(model, cls):
        return sum(type(layer) is cls for layer in model.layers)

    g = architectures.dcgan_generator(
        4, (8, 8, 1), filters=4, activation="leaky_relu", output_kernel_size=5
    )
    assert count(g, keras.layers.LeakyReLU) == 3  # projection and two blocks
    assert count(g, keras.layers.ReLU) == 0
    assert g.layers[-1].kernel.shape == (5, 5, 4, 1)
    # LeakyReLU(0.2) of the paper's DCGAN discriminator: x for x > 0, 0.2 x below.
    leaky = next(
        layer for layer in g.layers if isinstance(layer, keras.layers.LeakyReLU)
    )
    x = np.array([[-2.0, 3.0]], "float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(leaky(x)), [[-0.4, 3.0]], rtol=1e-6
    )
    g = architectures.dcgan_generator(4, (8, 8, 1), filters=4, activation="relu")
    assert count(g, keras.layers.ReLU) == 3
    assert count(g, keras.layers.LeakyReLU) == 0
    # Defaults: keras.io's generator (no normalization, LeakyReLU); the paper's
    # (batch normalization after the projection and each block, ReLU) by name.
    g = architectures.dcgan_generator(4, (8, 8, 1), filters=4)
    assert count(g, keras.layers.BatchNormalization) == 0
    assert count(g, keras.layers.LeakyReLU) == 3
    paper = architectures.dcgan_generator(
        4, (8, 8, 1), filters=4, normalization="batch", activation="relu"
    )
    assert count(paper, keras.layers.BatchNormalization) == 3
    assert count(paper, keras.layers.ReLU) == 3


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (
            {"activation": "gelu"},
            "activation must be one of.*Received: activation='gelu'",
        ),
        ({"activation": None}, "Received: activation=None"),
        ({"output_kernel_size": 0}, "output_kernel_size >= 1"),
    ],
)
def test_dcgan_generator_bad_activation_or_kernel(kwargs, match):
    with pytest.raises(ValueError, match=match):
        architectures.dcgan_generator(8, (8, 8, 1), **kwargs)
