import keras
import numpy as np
import pytest

from keras_gan_layers.layers import SelfAttention2D
from tests.layers.layer_test import run_layer_test, variable_value


def conv_of(wrapper):
    """The Conv2D (inside the SpectralNormalization wrapper if any)."""
    if isinstance(wrapper, keras.layers.SpectralNormalization):
        return wrapper.layer
    return wrapper


def matrix_of(wrapper):
    """A 1x1 convolution's kernel (1, 1, cin, cout) as a (cin, cout) matrix."""
    kernel = variable_value(conv_of(wrapper).kernel).astype("float64")
    return kernel[0, 0]


def bias_of(wrapper):
    conv = conv_of(wrapper)
    if conv.bias is None:
        return 0.0
    return variable_value(conv.bias).astype("float64")


def numpy_attention(x, layer, pool):
    """The SAGAN / BigGAN block written out in numpy from the layer's weights."""
    x = x.astype("float64")
    b, h, w, c = x.shape
    q = x @ matrix_of(layer.query_conv) + bias_of(layer.query_conv)
    k = x @ matrix_of(layer.key_conv) + bias_of(layer.key_conv)
    v = x @ matrix_of(layer.value_conv) + bias_of(layer.value_conv)
    if pool:
        k = k.reshape(b, h // 2, 2, w // 2, 2, -1).max(axis=(2, 4))
        v = v.reshape(b, h // 2, 2, w // 2, 2, -1).max(axis=(2, 4))
    q = q.reshape(b, h * w, -1)
    k = k.reshape(b, -1, k.shape[-1])
    v = v.reshape(b, -1, v.shape[-1])
    logits = np.einsum("bnc,bmc->bnm", q, k)
    beta = np.exp(logits - logits.max(axis=-1, keepdims=True))
    beta /= beta.sum(axis=-1, keepdims=True)
    attended = np.einsum("bnm,bmc->bnc", beta, v).reshape(b, h, w, -1)
    o = attended @ matrix_of(layer.output_conv) + bias_of(layer.output_conv)
    gamma = float(variable_value(layer.gamma))
    return x + gamma * o


def test_layer_contract(rng):
    # Every option on (the plain forward pass is checked against numpy
    # below); gamma != 0, so that the training step moves every convolution.
    kwargs = {
        "pool": True,
        "use_bias": True,
        "spectral_norm": True,
        "key_ratio": 4,
        "gamma_initializer": "ones",
    }
    run_layer_test(
        SelfAttention2D,
        kwargs,
        rng.normal(size=(2, 4, 6, 8)).astype("float32"),
        (2, 4, 6, 8),
        expected_num_trainable_weights=9,
        expected_num_non_trainable_weights=4,
        mixed_precision=True,
    )


@pytest.mark.parametrize(
    "kwargs, training",
    [({}, False), ({"pool": True, "spectral_norm": True}, True)],
)
def test_identity_at_initialization(rng, kwargs, training):
    x = rng.normal(size=(2, 4, 6, 8)).astype("float32")
    out = keras.ops.convert_to_numpy(SelfAttention2D(**kwargs)(x, training=training))
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"pool": True, "use_bias": True, "bias_initializer": "ones"},
        {"spectral_norm": True, "key_ratio": 2, "value_ratio": 4},
    ],
)
def test_matches_numpy_attention(rng, kwargs):
    x = rng.normal(size=(2, 4, 6, 8)).astype("float32")
    init = keras.initializers.RandomNormal(stddev=0.5)
    layer = SelfAttention2D(kernel_initializer=init, **kwargs)
    layer.build(x.shape)
    layer.gamma.assign(0.7)
    # In inference the spectral norm wrapper uses the stored kernel as is.
    out = keras.ops.convert_to_numpy(layer(x, training=False))
    expected = numpy_attention(x, layer, kwargs.get("pool", False))
    assert not np.allclose(expected, x, atol=1e-2)  # attention contributes
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_spectral_norm_normalizes_every_convolution(rng):
    x = rng.normal(size=(2, 4, 6, 8)).astype("float32")
    # One training call with enough power iterations to converge.
    layer = SelfAttention2D(spectral_norm=True, power_iterations=30)
    layer.build(x.shape)
    layer(x, training=True)
    for conv in (layer.query_conv, layer.key_conv, layer.value_conv):
        sigma = np.linalg.svd(matrix_of(conv), compute_uv=False)[0]
        np.testing.assert_allclose(sigma, 1.0, rtol=1e-2)
    sigma = np.linalg.svd(matrix_of(layer.output_conv), compute_uv=False)[0]
    np.testing.assert_allclose(sigma, 1.0, rtol=1e-2)


@pytest.mark.parametrize(
    "shape, kwargs, match",
    [
        ((2, 4, 4, 12), {"key_ratio": 8}, "divisible by key_ratio"),
        ((2, 4, 4, 16), {"value_ratio": 5}, "divisible by value_ratio"),
        ((2, 4, 5, 8), {"pool": True}, "even height and width"),
        ((2, 4, 8), {}, "rank 4"),
    ],
)
def test_bad_input_shapes(rng, shape, kwargs, match):
    x = rng.normal(size=shape).astype("float32")
    with pytest.raises(ValueError, match=match):
        SelfAttention2D(**kwargs)(x)


def test_list_input_is_rejected(rng):
    x = rng.normal(size=(2, 4, 4, 8)).astype("float32")
    with pytest.raises(ValueError, match="called on one tensor"):
        SelfAttention2D()([x, x])


def test_unknown_channels_are_rejected():
    with pytest.raises(ValueError, match="known number of channels"):
        SelfAttention2D().build((2, 4, 4, None))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"key_ratio": 0}, "key_ratio=0"),
        ({"value_ratio": 1.5}, "value_ratio=1.5"),
        ({"power_iterations": 0}, "power_iterations=0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SelfAttention2D(**kwargs)
