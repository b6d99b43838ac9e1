import keras
import numpy as np
import pytest

from keras_gan_layers.layers import MinibatchStdDev
from tests.layers.layer_test import run_layer_test


def stylegan2_minibatch_stddev(x, group_size=4, num_new_features=1):
    """StyleGAN2's `minibatch_stddev_layer` (networks_stylegan2.py), in numpy.

    Line by line on NCHW inputs, in float64: the reference the layer (NHWC,
    float32) is checked against.
    """
    group_size = min(group_size, x.shape[0])
    s = x.shape  # [NCHW]
    y = np.reshape(
        x, [group_size, -1, num_new_features, s[1] // num_new_features, s[2], s[3]]
    )  # [GMncHW]
    y = y.astype(np.float64)
    y = y - np.mean(y, axis=0, keepdims=True)  # [GMncHW]
    y = np.mean(np.square(y), axis=0)  # [MncHW]
    y = np.sqrt(y + 1e-8)  # [MncHW]
    y = np.mean(y, axis=(2, 3, 4), keepdims=True)  # [Mn111]
    y = np.mean(y, axis=2)  # [Mn11]
    y = np.tile(y, [group_size, 1, s[2], s[3]])  # [NnHW]
    return np.concatenate([x, y], axis=1)


def reference_nhwc(x, group_size, num_channels):
    out = stylegan2_minibatch_stddev(
        np.transpose(x, (0, 3, 1, 2)), group_size, num_channels
    )
    return np.transpose(out, (0, 2, 3, 1))


def test_layer_contract(rng):
    num_channels = 2
    x = rng.normal(size=(8, 3, 3, 4)).astype("float32")
    run_layer_test(
        MinibatchStdDev,
        {"group_size": 4, "num_channels": num_channels},
        x,
        (8, 3, 3, 4 + num_channels),
        expected_num_trainable_weights=0,
        mixed_precision=True,
    )


@pytest.mark.parametrize(
    "batch,group_size,num_channels",
    [(8, 4, 1), (8, 4, 2), (6, 2, 3), (3, 4, 1), (4, 1, 1), (5, 5, 6)],
)
def test_matches_stylegan2_reference(rng, batch, group_size, num_channels):
    # Per-sample offsets and scales make every group's statistics differ, so
    # a wrong grouping (e.g. consecutive samples) would not pass.
    x = rng.normal(size=(batch, 4, 3, 6)) * rng.uniform(0.5, 3.0, (batch, 1, 1, 6))
    x = x.astype("float32")
    out = keras.ops.convert_to_numpy(MinibatchStdDev(group_size, num_channels)(x))
    expected = reference_nhwc(x, group_size, num_channels)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[..., :6], x)


def test_layer_contract_on_features(rng):
    x = rng.normal(size=(8, 6)).astype("float32")
    run_layer_test(
        MinibatchStdDev,
        {"group_size": 4, "num_channels": 2},
        x,
        (8, 8),
        expected_num_trainable_weights=0,
        mixed_precision=True,
    )


@pytest.mark.parametrize(
    "batch,group_size,num_channels", [(8, 4, 1), (8, 2, 3), (3, 4, 1), (12, 4, 2)]
)
def test_features_match_stylegan2_reference_on_1x1_maps(
    rng, batch, group_size, num_channels
):
    # (batch, features) is StyleGAN2's layer on 1x1 maps (N, C, 1, 1).
    x = rng.normal(size=(batch, 6)) * rng.uniform(0.5, 3.0, (batch, 1))
    x = x.astype("float32")
    out = keras.ops.convert_to_numpy(MinibatchStdDev(group_size, num_channels)(x))
    expected = stylegan2_minibatch_stddev(x[:, :, None, None], group_size, num_channels)
    np.testing.assert_allclose(out, expected[:, :, 0, 0], rtol=1e-5, atol=1e-6)
    assert out.shape == (batch, 6 + num_channels)


def test_features_in_a_compiled_model_with_free_batch_size(rng):
    x = rng.normal(size=(16, 5)).astype("float32")
    inputs = keras.Input((5,))
    model = keras.Model(inputs, MinibatchStdDev(4)(inputs))
    assert model.output.shape == (None, 6)
    out = model.predict(x, batch_size=8, verbose=0)
    expected = np.concatenate(
        [stylegan2_minibatch_stddev(x[i : i + 8, :, None, None]) for i in (0, 8)]
    )
    np.testing.assert_allclose(out, expected[:, :, 0, 0], rtol=1e-5, atol=1e-6)


def test_group_of_identical_samples_gives_sqrt_epsilon(rng):
    x = np.repeat(rng.normal(size=(1, 2, 2, 3)), 4, axis=0).astype("float32")
    out = keras.ops.convert_to_numpy(MinibatchStdDev()(x))
    np.testing.assert_allclose(out[..., 3], 1e-4, rtol=1e-3)


def test_free_batch_size_in_a_compiled_model(rng):
    x = rng.normal(size=(16, 3, 3, 2)).astype("float32")
    inputs = keras.Input((3, 3, 2))
    model = keras.Model(inputs, MinibatchStdDev(4)(inputs))
    out = model.predict(x, batch_size=8, verbose=0)
    expected = np.concatenate(
        [reference_nhwc(x[:8], 4, 1), reference_nhwc(x[8:], 4, 1)]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_mixed_precision_statistics_in_float32(rng):
    x = rng.normal(size=(4, 2, 2, 3)).astype("float16")
    out = MinibatchStdDev(dtype="mixed_float16")(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    expected = reference_nhwc(x.astype("float32"), 4, 1)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out).astype("float32"), expected, rtol=1e-3
    )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"group_size": 0}, "group_size >= 1. Received: group_size=0"),
        ({"group_size": 2.0}, "Received: group_size=2.0"),
        ({"num_channels": 0}, "num_channels >= 1. Received: num_channels=0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MinibatchStdDev(**kwargs)


@pytest.mark.parametrize(
    "kwargs,shape,match",
    [
        ({}, (6, 2, 2, 3), "divisible by the group size .*=4. Received: batch=6"),
        (
            {},
            (4, 2, 3),
            "or \\(batch, features\\). Received: inputs.shape=\\(4, 2, 3\\)",
        ),
        ({}, (6, 5), "divisible by the group size .*=4. Received: batch=6"),
        ({"num_channels": 2}, (4, 5), "Received: num_channels=2"),
        ({}, (0, 5), "needs at least one sample.*Received: inputs.shape=\\(0, 5\\)"),
        ({"num_channels": 2}, (4, 2, 2, 3), "Received: num_channels=2"),
    ],
)
def test_bad_inputs(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        MinibatchStdDev(**kwargs)(np.ones(shape, "float32"))


@pytest.mark.tensorflow_only
def test_batch_size_known_only_at_run_time(rng):
    import tensorflow as tf

    layer = MinibatchStdDev(4, 2)
    run = tf.function(
        layer.__call__, input_signature=[tf.TensorSpec((None, None, None, 4))]
    )
    for batch in (8, 3):  # 3 < group_size: the whole batch is one group
        x = rng.normal(size=(batch, 3, 5, 4)).astype("float32")
        np.testing.assert_allclose(
            run(x).numpy(), reference_nhwc(x, 4, 2), rtol=1e-5, atol=1e-6
        )


def test_integer_inputs_give_the_untruncated_statistic(rng):
    # The appended standard deviation was computed in float32, then cast
    # back to the int input dtype (truncated); now the input is cast first.
    x = rng.integers(-3, 4, size=(4, 3, 3, 2))
    out = MinibatchStdDev(group_size=2)(x.astype("int32"))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    expected = reference_nhwc(x.astype("float64"), 2, 1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, rtol=1e-5)
