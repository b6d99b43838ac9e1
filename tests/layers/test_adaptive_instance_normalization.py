import keras
import numpy as np
import pytest

from keras_gan_layers.layers import AdaptiveInstanceNormalization
from tests.layers.layer_test import run_layer_test, variable_value


def numpy_adain(x, w, scale_kernel, scale_bias, shift_kernel, shift_bias, epsilon):
    """Instance norm over the spatial axes, then the style's scale and shift."""
    x = x.astype(np.float64)
    axes = tuple(range(1, x.ndim - 1))
    x_norm = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(
        x.var(axis=axes, keepdims=True) + epsilon
    )
    he = 1.0 / np.sqrt(w.shape[-1])  # equalized learning rate, gain 1
    scale = w @ (scale_kernel * he) + scale_bias
    shift = w @ (shift_kernel * he) + shift_bias
    shape = (len(x),) + (1,) * (x.ndim - 2) + (x.shape[-1],)
    return scale.reshape(shape) * x_norm + shift.reshape(shape)


def test_layer_contract(rng):
    run_layer_test(
        AdaptiveInstanceNormalization,
        {},
        [
            rng.normal(size=(2, 3, 3, 4)).astype("float32"),
            rng.normal(size=(2, 5)).astype("float32"),
        ],
        (2, 3, 3, 4),
        expected_num_trainable_weights=4,
        mixed_precision=True,
    )


@pytest.mark.parametrize("x_shape", [(3, 4, 5, 6), (3, 7, 6)])
def test_matches_numpy(rng, x_shape):
    x = rng.normal(size=x_shape) * 3 + rng.normal(
        size=x_shape[:1] + (1,) * (len(x_shape) - 1)
    )
    x = x.astype("float32")
    w = rng.normal(size=(3, 8)).astype("float32")
    layer = AdaptiveInstanceNormalization(epsilon=1e-3)
    layer.build([x.shape, w.shape])
    values = {
        "scale_kernel": rng.normal(size=(8, 6)),
        "scale_bias": rng.normal(1.0, 0.3, size=6),
        "shift_kernel": rng.normal(size=(8, 6)),
        "shift_bias": rng.normal(size=6),
    }
    for name, value in values.items():
        getattr(layer, name).assign(value.astype("float32"))
    out = keras.ops.convert_to_numpy(layer([x, w]))
    expected = numpy_adain(x, w.astype(np.float64), epsilon=1e-3, **values)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_initial_biases_and_zero_style_give_instance_norm(rng):
    x = rng.normal(2.0, 5.0, size=(2, 4, 4, 3)).astype("float32")
    layer = AdaptiveInstanceNormalization()
    out = keras.ops.convert_to_numpy(layer([x, np.zeros((2, 4), "float32")]))
    np.testing.assert_array_equal(variable_value(layer.scale_bias), 1.0)
    np.testing.assert_array_equal(variable_value(layer.shift_bias), 0.0)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(1, 2)), 1.0, rtol=1e-4)
    # Stored kernels ~ N(0, 1) (scaled by 1 / sqrt(w_dim) at run time).
    big = AdaptiveInstanceNormalization()
    big.build([(None, 2, 2, 64), (None, 64)])
    kernel = variable_value(big.scale_kernel)
    assert abs(kernel.std() - 1.0) < 0.05
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(big.effective_scale_kernel), kernel / 8.0, rtol=1e-6
    )


def test_mixed_precision_large_features(rng):
    # Features around 300: E[x^2] would overflow float16; the layer uses float32.
    x = rng.normal(300.0, 100.0, size=(2, 4, 4, 3)).astype("float16")
    w = rng.normal(size=(2, 4)).astype("float32")
    layer = AdaptiveInstanceNormalization(dtype="mixed_float16")
    out = layer([x, w])
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert layer.scale_kernel.dtype == "float32"
    values = {
        n: variable_value(getattr(layer, n))
        for n in ("scale_kernel", "scale_bias", "shift_kernel", "shift_bias")
    }
    expected = numpy_adain(
        x.astype("float32"), w.astype(np.float64), epsilon=1e-8, **values
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out).astype("float32"),
        expected,
        atol=2e-2,
        rtol=1e-2,
    )


def test_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon > 0. Received: epsilon=0"):
        AdaptiveInstanceNormalization(epsilon=0)


@pytest.mark.parametrize(
    "shapes,match",
    [
        (None, "called on a list \\[x, w\\]"),
        ([(2, 3, 3, 4), (2, 5, 1)], "Received: w.shape=\\(2, 5, 1\\)"),
        ([(2, 4), (2, 5)], "Received: x.shape=\\(2, 4\\)"),
        ([(2, 3, 3, 4), (3, 5)], "same batch size"),
    ],
)
def test_bad_inputs(shapes, match):
    if shapes is None:
        inputs = np.ones((2, 3, 3, 4), "float32")
    else:
        inputs = [np.ones(s, "float32") for s in shapes]
    with pytest.raises(ValueError, match=match):
        AdaptiveInstanceNormalization()(inputs)
