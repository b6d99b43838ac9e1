import keras
import numpy as np
import pytest
from scipy import stats

from keras_gan_layers.layers import NoiseInjection
from tests.layers.layer_test import run_layer_test


def test_layer_contract(rng):
    run_layer_test(
        NoiseInjection,
        {"seed": 1},
        rng.normal(size=(2, 3, 3, 4)).astype("float32"),
        (2, 3, 3, 4),
        expected_num_trainable_weights=1,
        mixed_precision=True,
    )


def test_layer_contract_with_given_noise(rng):
    run_layer_test(
        NoiseInjection,
        {},
        [
            rng.normal(size=(2, 3, 3, 4)).astype("float32"),
            rng.normal(size=(2, 3, 3, 1)).astype("float32"),
        ],
        (2, 3, 3, 4),
        expected_num_trainable_weights=1,
        mixed_precision=True,
    )


def test_identity_at_initialization(rng):
    x = rng.normal(size=(2, 4, 4, 3)).astype("float32")
    layer = NoiseInjection(seed=0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.scale), 0.0)


def test_noise_is_one_standard_normal_map_shared_by_channels(rng):
    x = rng.normal(size=(16, 16, 16, 3)).astype("float32")
    scale = np.array([0.5, -2.0, 3.0], "float32")
    layer = NoiseInjection(seed=7)
    layer.build(x.shape)
    layer.scale.assign(scale)
    out = keras.ops.convert_to_numpy(layer(x)).astype(np.float64)
    noise = (out - x) / scale  # (16, 16, 16, 3)
    np.testing.assert_allclose(noise[..., 1], noise[..., 0], atol=1e-5)
    np.testing.assert_allclose(noise[..., 2], noise[..., 0], atol=1e-5)
    sample = noise[..., 0].ravel()  # 4096 values
    assert abs(sample.mean()) < 4 / np.sqrt(sample.size)
    assert abs(sample.std() - 1.0) < 0.06
    assert stats.kstest(sample, "norm").pvalue > 1e-3
    # Per-pixel noise: neighbouring pixels and samples are uncorrelated.
    pairs = noise[:, :, :-1, 0].ravel(), noise[:, :, 1:, 0].ravel()
    assert abs(np.corrcoef(*pairs)[0, 1]) < 0.08
    assert np.std(noise[:, 0, 0, 0]) > 0.3


def test_seeded_stream_is_repeatable_and_advances(rng):
    x = np.zeros((2, 3, 3, 2), "float32")
    a, b, c = NoiseInjection(seed=3), NoiseInjection(seed=3), NoiseInjection(seed=4)
    for layer in (a, b, c):
        layer.build(x.shape)
        layer.scale.assign([1.0, 1.0])
    first = keras.ops.convert_to_numpy(a(x))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(b(x)), first)
    assert not np.allclose(keras.ops.convert_to_numpy(c(x)), first)
    assert not np.allclose(keras.ops.convert_to_numpy(a(x)), first)
    # The generator is tracked, so models save its state with the weights.
    assert a.seed_generator in a._seed_generators


def test_given_noise_matches_numpy(rng):
    x = rng.normal(size=(2, 3, 4, 3)).astype("float32")
    noise = rng.normal(size=(2, 3, 4, 1)).astype("float32")
    scale = rng.normal(size=3).astype("float32")
    layer = NoiseInjection()
    layer.build([x.shape, noise.shape])
    layer.scale.assign(scale)
    out = keras.ops.convert_to_numpy(layer([x, noise]))
    np.testing.assert_allclose(out, x + scale * noise, rtol=1e-6, atol=1e-6)


def test_noise_in_a_compiled_model_with_free_batch():
    inputs = keras.Input((4, 4, 2))
    layer = NoiseInjection(seed=5)
    model = keras.Model(inputs, layer(inputs))
    layer.scale.assign([1.0, 1.0])
    out = model.predict(np.zeros((8, 4, 4, 2), "float32"), batch_size=4, verbose=0)
    assert out.shape == (8, 4, 4, 2)
    assert not np.allclose(out[:4], out[4:])  # a fresh draw per batch


@pytest.mark.parametrize("seed", ["a", 1.5, True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="int seed or None. Received: seed="):
        NoiseInjection(seed=seed)


@pytest.mark.parametrize(
    "inputs,match",
    [
        (
            [np.ones((2, 3, 3, 2)), np.ones((2, 3, 3, 2))],
            "noise.shape=\\(2, 3, 3, 2\\)",
        ),
        ([np.ones((2, 3, 3, 2)), np.ones((2, 3, 4, 1))], "matching x"),
        (np.ones((2, 3, 2)), "Received: x.shape=\\(2, 3, 2\\)"),
        ([np.ones((2, 3, 3, 2))] * 3, "a list of 3 inputs"),
    ],
)
def test_bad_inputs(inputs, match):
    inputs = keras.tree.map_structure(lambda a: a.astype("float32"), inputs)
    with pytest.raises(ValueError, match=match):
        NoiseInjection()(inputs)


def test_integer_inputs_are_cast_to_the_compute_dtype(rng):
    # x + scale * noise with given noise, scale set: a closed form.
    x = rng.integers(-3, 4, size=(2, 4, 4, 2))
    noise = rng.normal(size=(2, 4, 4, 1)).astype("float32")
    layer = NoiseInjection()
    layer.build([x.shape, noise.shape])
    layer.scale.assign(np.array([0.5, -2.0], "float32"))
    out = layer([x.astype("int32"), noise])
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    expected = x + np.array([0.5, -2.0]) * noise
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, rtol=1e-6)
