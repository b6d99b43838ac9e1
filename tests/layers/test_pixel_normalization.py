import keras
import numpy as np
import pytest

from keras_gan_layers.layers import PixelNormalization
from tests.layers.layer_test import run_layer_test


def numpy_pixel_norm(x, epsilon=1e-8, axis=-1):
    x = x.astype(np.float64)
    return x / np.sqrt(np.mean(x**2, axis=axis, keepdims=True) + epsilon)


def test_layer_contract(rng):
    shape = (3, 2, 2, 5)
    run_layer_test(
        PixelNormalization,
        {"epsilon": 1e-6},
        rng.normal(size=shape).astype("float32"),
        shape,
        expected_num_trainable_weights=0,
        mixed_precision=True,
    )


def test_unit_mean_square_per_pixel_and_numpy_value(rng):
    x = (rng.normal(size=(3, 4, 4, 8)) * rng.uniform(0.1, 10, (3, 4, 4, 1))).astype(
        "float32"
    )
    out = keras.ops.convert_to_numpy(PixelNormalization()(x))
    np.testing.assert_allclose(np.mean(out**2, axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out, numpy_pixel_norm(x), rtol=1e-5, atol=1e-6)
    # Same direction as the input: a positive per-pixel rescaling.
    ratio = out / x
    np.testing.assert_allclose(ratio, ratio[..., :1] * np.ones_like(ratio), rtol=1e-5)


def test_epsilon_and_axes(rng):
    x = rng.normal(scale=0.01, size=(2, 3, 4, 5)).astype("float32")
    layer = PixelNormalization(epsilon=1e-2, axis=(1, 2))
    out = keras.ops.convert_to_numpy(layer(x))
    expected = numpy_pixel_norm(x, 1e-2, axis=(1, 2))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)
    assert layer.get_config()["axis"] == [1, 2]


def test_zero_input_stays_zero():
    out = keras.ops.convert_to_numpy(PixelNormalization()(np.zeros((2, 3), "float32")))
    np.testing.assert_array_equal(out, 0.0)


def test_mixed_precision_large_values_do_not_overflow(rng):
    # x ** 2 overflows float16 (max 65504) for |x| > 256.
    x = rng.normal(scale=1000.0, size=(2, 2, 2, 8)).astype("float16")
    out = PixelNormalization(dtype="mixed_float16")(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    out = keras.ops.convert_to_numpy(out).astype("float32")
    np.testing.assert_allclose(out, numpy_pixel_norm(x.astype("float32")), atol=3e-3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"epsilon": 0.0}, "epsilon > 0. Received: epsilon=0.0"),
        ({"epsilon": -1e-8}, "Received: epsilon=-1e-08"),
        ({"axis": "channels"}, "Received: axis='channels'"),
        ({"axis": (1, 2.0)}, "Received: axis=\\(1, 2.0\\)"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PixelNormalization(**kwargs)


def test_axis_out_of_range():
    with pytest.raises(ValueError, match="out of range .* rank 2. Received: axis=2"):
        PixelNormalization(axis=2)(np.ones((2, 3), "float32"))


def test_list_input_is_an_error(rng):
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    with pytest.raises(ValueError, match="is called on one tensor, not a list"):
        PixelNormalization()([x, x])
