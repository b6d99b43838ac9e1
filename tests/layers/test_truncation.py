import keras
import numpy as np
import pytest

from keras_gan_layers.layers import Truncation
from tests.layers.layer_test import run_layer_test, variable_value


def test_layer_contract(rng):
    w = rng.normal(size=(4, 6)).astype("float32")
    run_layer_test(
        Truncation,
        {"psi": 0.7, "beta": 0.9},
        w,
        (4, 6),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=2,
    )


def test_running_mean_and_truncation_match_numpy(rng):
    layer = Truncation(psi=0.6, beta=0.9)
    w_avg = np.zeros(5)
    for _ in range(3):
        w = rng.normal(1.0, 2.0, size=(8, 5)).astype("float32")
        out = keras.ops.convert_to_numpy(layer(w, training=True))
        np.testing.assert_array_equal(out, w)  # training: w passes unchanged
        w_avg = 0.9 * w_avg + 0.1 * w.mean(axis=0)
        np.testing.assert_allclose(variable_value(layer.w_avg), w_avg, rtol=1e-5)
    w = rng.normal(size=(3, 5)).astype("float32")
    expected = w_avg + 0.6 * (w - w_avg)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(w)), expected, rtol=1e-5, atol=1e-6
    )
    # Inference leaves the running mean alone.
    np.testing.assert_allclose(variable_value(layer.w_avg), w_avg, rtol=1e-5)


def test_psi_zero_gives_the_mean_and_psi_one_the_input(rng):
    layer = Truncation(psi=0.0)
    layer(rng.normal(size=(16, 4)).astype("float32"), training=True)
    w_avg = variable_value(layer.w_avg)
    assert np.abs(w_avg).max() > 0
    w = rng.normal(size=(6, 4)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(w))
    np.testing.assert_allclose(out, np.broadcast_to(w_avg, (6, 4)), atol=1e-7)
    layer.psi.assign(1.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(w)), w, atol=1e-6)
    assert layer.get_config()["psi"] == 1.0


def test_running_mean_updates_inside_fit(rng):
    """The update also happens in Keras' compiled (stateless on JAX) step."""
    inputs = keras.Input((3,))
    dense = keras.layers.Dense(4)
    layer = Truncation(beta=0.5)
    model = keras.Model(inputs, layer(dense(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = rng.normal(size=(8, 3)).astype("float32")
    model.fit(x, np.zeros((8, 4), "float32"), batch_size=8, epochs=1, verbose=0)
    kernel, bias = (variable_value(v) for v in dense.weights)
    expected = 0.5 * (x @ kernel + bias).mean(axis=0)
    np.testing.assert_allclose(variable_value(layer.w_avg), expected, rtol=1e-5)


def test_psi_and_mean_survive_saving(rng, tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Truncation(name="truncation")(inputs))
    model(rng.normal(size=(8, 4)).astype("float32"), training=True)
    model.get_layer("truncation").psi.assign(0.25)
    path = str(tmp_path / "t.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    layer = loaded.get_layer("truncation")
    assert float(variable_value(layer.psi)) == 0.25
    w = rng.normal(size=(2, 4)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(w)), keras.ops.convert_to_numpy(model(w))
    )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"psi": float("nan")}, "finite number psi. Received: psi=nan"),
        ({"psi": "0.5"}, "finite number psi"),
        ({"beta": 1.5}, "0 <= beta <= 1. Received: beta=1.5"),
        ({"beta": -0.1}, "0 <= beta <= 1"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Truncation(**kwargs)


def test_bad_input_shape():
    with pytest.raises(ValueError, match="shape \\(batch, w_dim\\)"):
        Truncation()(np.zeros((2, 3, 4), "float32"))


def test_integer_styles_are_cast_to_floats():
    layer = Truncation(psi=0.5)
    layer.build((None, 3))
    layer.w_avg.assign(np.array([1.0, 0.0, -1.0], "float32"))
    out = keras.ops.convert_to_numpy(layer(np.array([[3, 2, 1]], "int32")))
    # w_avg + psi * (w - w_avg), not truncated to integers
    np.testing.assert_allclose(out, [[2.0, 1.0, 0.0]], rtol=1e-6)
