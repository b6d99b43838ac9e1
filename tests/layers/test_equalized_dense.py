import math

import keras
import numpy as np
import pytest

from keras_gan_layers.layers import EqualizedDense
from tests.layers.layer_test import run_layer_test, variable_value


def test_layer_contract(rng):
    run_layer_test(
        EqualizedDense,
        {"units": 3, "activation": "leaky_relu", "lr_multiplier": 0.1},
        rng.normal(size=(4, 5)).astype("float32"),
        (4, 3),
        expected_num_trainable_weights=2,
        mixed_precision=True,
    )


def test_rank_3_without_bias_and_given_initializer(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = EqualizedDense(2, use_bias=False, kernel_initializer="ones")
    out = keras.ops.convert_to_numpy(layer(x))
    assert layer.bias is None and len(layer.weights) == 1
    np.testing.assert_allclose(variable_value(layer.kernel), 1.0)
    expected = x.astype(np.float64) @ (np.ones((4, 2)) * np.sqrt(2.0 / 4))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert config["kernel_initializer"]["class_name"] == "Ones"
    assert EqualizedDense.from_config(config).get_config() == config


def test_default_effective_kernel_is_he_scaled(rng):
    layer = EqualizedDense(4)
    layer.build((None, 6))
    w = variable_value(layer.kernel)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.effective_kernel),
        w * np.sqrt(2.0 / 6),
        rtol=1e-6,
    )
    np.testing.assert_array_equal(variable_value(layer.bias), np.zeros(4))


@pytest.mark.parametrize(
    "kwargs,gain,lr",
    [
        ({}, math.sqrt(2.0), 1.0),
        ({"gain": 1.0, "lr_multiplier": 0.01}, 1.0, 0.01),
        ({"activation": "relu", "lr_multiplier": 0.5}, math.sqrt(2.0), 0.5),
    ],
)
def test_output_matches_numpy(rng, kwargs, gain, lr):
    x = rng.normal(size=(5, 7)).astype("float32")
    layer = EqualizedDense(3, **kwargs)
    layer.build(x.shape)
    w = rng.normal(size=(7, 3)).astype("float32")
    b = rng.normal(size=3).astype("float32")
    layer.kernel.assign(w)
    layer.bias.assign(b)
    expected = x.astype(np.float64) @ (w * gain / np.sqrt(7) * lr) + b * lr
    if kwargs.get("activation") == "relu":
        expected = np.maximum(expected, 0.0)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_lr_multiplier_storage(rng):
    # Stored kernel ~ N(0, (1/lr)^2); stored bias = initial bias / lr.
    layer = EqualizedDense(64, lr_multiplier=0.01, bias_initializer="ones")
    layer.build((None, 64))
    w = variable_value(layer.kernel)
    assert abs(w.std() - 100.0) < 5.0 and abs(w.mean()) < 5.0
    np.testing.assert_allclose(variable_value(layer.bias), 100.0, rtol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.effective_bias), 1.0, rtol=1e-6
    )
    # The effective kernel has He's scale sqrt(2 / fan_in) whatever lr.
    effective = keras.ops.convert_to_numpy(layer.effective_kernel)
    assert abs(effective.std() - np.sqrt(2.0 / 64)) < 0.05 * np.sqrt(2.0 / 64)


def test_gradient_of_stored_kernel_is_scaled(rng):
    # d(output)/d(stored kernel) = x * scale: the equalized learning rate.
    x = rng.normal(size=(1, 4)).astype("float32")
    layer = EqualizedDense(1, use_bias=False, gain=1.0, lr_multiplier=0.5)
    layer.build(x.shape)
    eps = 1e-2
    w = rng.normal(size=(4, 1)).astype("float32")
    numeric = []
    for i in range(4):
        values = []
        for sign in (1, -1):
            shifted = w.copy()
            shifted[i, 0] += sign * eps
            layer.kernel.assign(shifted)
            values.append(float(keras.ops.convert_to_numpy(layer(x))[0, 0]))
        numeric.append((values[0] - values[1]) / (2 * eps))
    np.testing.assert_allclose(numeric, x[0] * 0.5 / np.sqrt(4), rtol=1e-3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"units": 0}, "units >= 1. Received: units=0"),
        (
            {"units": 2, "lr_multiplier": 0},
            "lr_multiplier > 0. Received: lr_multiplier=0",
        ),
        ({"units": 2, "gain": -1.0}, "gain > 0. Received: gain=-1.0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EqualizedDense(**kwargs)


def test_unknown_input_dim():
    with pytest.raises(ValueError, match="known last input dimension"):
        EqualizedDense(2).build((None, None))


def test_list_or_rank_1_input_is_an_error(rng):
    x = rng.normal(size=(2, 3)).astype("float32")
    with pytest.raises(ValueError, match="is called on one tensor .* not a list"):
        EqualizedDense(2)([x, x])
    with pytest.raises(ValueError, match=r"needs inputs of shape \(batch, \.\.\."):
        EqualizedDense(2).build((3,))
