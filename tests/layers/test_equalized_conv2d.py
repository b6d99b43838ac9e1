import math

import keras
import numpy as np
import pytest

from keras_gan_layers.layers import EqualizedConv2D
from tests.layers.layer_test import run_layer_test, variable_value


def numpy_conv2d(x, kernel, strides, padding, dilation=(1, 1)):
    """A direct NHWC cross-correlation with TensorFlow's padding rule."""
    x = x.astype(np.float64)
    kernel = kernel.astype(np.float64)
    kh, kw, _, filters = kernel.shape
    pads = []
    for n, k, s, d in zip(x.shape[1:3], (kh, kw), strides, dilation):
        extent = (k - 1) * d + 1
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + extent - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    out_h = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[
                :,
                i * strides[0] : i * strides[0] + (kh - 1) * dilation[0] + 1 : dilation[
                    0
                ],
                j * strides[1] : j * strides[1] + (kw - 1) * dilation[1] + 1 : dilation[
                    1
                ],
                :,
            ]
            out[:, i, j, :] = np.einsum("bhwc,hwcf->bf", patch, kernel)
    return out


def test_layer_contract(rng):
    run_layer_test(
        EqualizedConv2D,
        {
            "filters": 2,
            "kernel_size": (3, 2),
            "strides": 2,
            "padding": "VALID",
            "lr_multiplier": 0.5,
            "activation": "leaky_relu",
        },
        rng.normal(size=(2, 7, 6, 3)).astype("float32"),
        (2, 3, 3, 2),
        expected_num_trainable_weights=2,
        mixed_precision=True,
    )


def test_default_effective_kernel_is_he_scaled():
    layer = EqualizedConv2D(4, (3, 2))
    layer.build((None, 8, 8, 5))
    fan_in = 3 * 2 * 5
    w = variable_value(layer.kernel)
    assert w.shape == (3, 2, 5, 4)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.effective_kernel),
        w * np.sqrt(2.0 / fan_in),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": 3, "strides": 2, "gain": 1.0, "lr_multiplier": 0.1},
        {"kernel_size": (2, 3), "strides": (1, 2), "padding": "valid"},
        {"kernel_size": 3, "dilation_rate": 2, "activation": "relu"},
    ],
)
def test_output_matches_numpy_convolution(rng, kwargs):
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    layer = EqualizedConv2D(4, **kwargs)
    layer.build(x.shape)
    kh, kw = layer.kernel_size
    w = rng.normal(size=(kh, kw, 3, 4)).astype("float32")
    b = rng.normal(size=4).astype("float32")
    layer.kernel.assign(w)
    layer.bias.assign(b)
    gain = kwargs.get("gain", math.sqrt(2.0))
    lr = kwargs.get("lr_multiplier", 1.0)
    scale = gain / math.sqrt(kh * kw * 3) * lr
    expected = (
        numpy_conv2d(
            x,
            w * scale,
            layer.strides,
            kwargs.get("padding", "same"),
            layer.dilation_rate,
        )
        + b * lr
    )
    if kwargs.get("activation") == "relu":
        expected = np.maximum(expected, 0.0)
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_stored_bias_is_divided_by_lr_multiplier():
    layer = EqualizedConv2D(2, 1, lr_multiplier=0.25, bias_initializer="ones")
    layer.build((None, 2, 2, 1))
    np.testing.assert_allclose(variable_value(layer.bias), 4.0)
    x = np.zeros((1, 2, 2, 1), "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), 1.0, rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"filters": 0, "kernel_size": 3}, "filters >= 1. Received: filters=0"),
        (
            {"filters": 2, "kernel_size": (3, 3, 3)},
            "Received: kernel_size=\\(3, 3, 3\\)",
        ),
        ({"filters": 2, "kernel_size": 0}, "Received: kernel_size=0"),
        ({"filters": 2, "kernel_size": 3, "strides": 0}, "Received: strides=0"),
        ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding='causal'"),
        (
            {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
            "Received: strides=2, dilation_rate=2",
        ),
        ({"filters": 2, "kernel_size": 3, "lr_multiplier": -1}, "lr_multiplier=-1"),
        ({"filters": 2, "kernel_size": 3, "gain": 0.0}, "Received: gain=0.0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EqualizedConv2D(**kwargs)


def test_bad_input_rank():
    with pytest.raises(ValueError, match="Received: inputs.shape=\\(2, 4, 3\\)"):
        EqualizedConv2D(2, 3)(np.ones((2, 4, 3), "float32"))


def test_integer_inputs_are_cast_to_the_compute_dtype(rng):
    # Keras autocasts float inputs only; integer images failed in the conv.
    x = rng.integers(-3, 4, size=(2, 5, 5, 3))
    layer = EqualizedConv2D(2, 3, gain=1.0)
    layer.build(x.shape)
    w = rng.normal(size=(3, 3, 3, 2)).astype("float32")
    layer.kernel.assign(w)
    expected = numpy_conv2d(
        x.astype("float32"), w / math.sqrt(27), (1, 1), "same", (1, 1)
    )
    out = layer(x.astype("int32"))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, atol=1e-5)
