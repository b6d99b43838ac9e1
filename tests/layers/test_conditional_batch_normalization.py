import keras
import numpy as np
import pytest

from keras_gan_layers.layers import ConditionalBatchNormalization
from tests.layers.layer_test import run_layer_test, variable_value

LABELS = np.array([0, 2, 1, 2, 0, 1], "int32")


def numpy_cbn(x, labels, gamma, beta, mean, variance, epsilon):
    """Reference: normalize over all axes but the last, per-class affine."""
    shape = (len(x),) + (1,) * (x.ndim - 2) + (x.shape[-1],)
    x_hat = (x - mean) / np.sqrt(variance + epsilon)
    return gamma[labels].reshape(shape) * x_hat + beta[labels].reshape(shape)


def built_layer(rng, x, num_classes=3, **kwargs):
    """A layer with random gamma / beta tables, returned with the tables."""
    layer = ConditionalBatchNormalization(num_classes, **kwargs)
    layer.build([x.shape, (len(x),)])
    gamma = rng.normal(1.0, 0.5, size=(num_classes, x.shape[-1])).astype("float32")
    beta = rng.normal(size=(num_classes, x.shape[-1])).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return layer, gamma, beta


@pytest.mark.parametrize("x_shape", [(6, 5), (6, 4, 4, 3)])
def test_layer_contract(rng, x_shape):
    x = rng.normal(size=x_shape).astype("float32")
    run_layer_test(
        ConditionalBatchNormalization,
        {"num_classes": 3, "momentum": 0.9, "gamma_initializer": "random_normal"},
        [x, LABELS],
        x_shape,
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=2,
    )


@pytest.mark.parametrize("x_shape", [(6, 5), (6, 4, 3, 2)])
def test_training_matches_numpy_batch_norm_with_class_affine(rng, x_shape):
    x = rng.normal(2.0, 3.0, size=x_shape).astype("float32")
    layer, gamma, beta = built_layer(rng, x, momentum=0.9, epsilon=1e-3)
    out = keras.ops.convert_to_numpy(layer([x, LABELS], training=True))
    axes = tuple(range(x.ndim - 1))
    mean, variance = x.mean(axis=axes), x.var(axis=axes)
    expected = numpy_cbn(x, LABELS, gamma, beta, mean, variance, 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)

    # Moving statistics after one call: Keras' rule, from zeros / ones.
    np.testing.assert_allclose(variable_value(layer.moving_mean), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(
        variable_value(layer.moving_variance),
        0.9 + 0.1 * variance,
        rtol=1e-5,
    )


def test_inference_uses_moving_statistics_and_does_not_update_them(rng):
    x = rng.normal(size=(6, 2, 2, 3)).astype("float32")
    layer, gamma, beta = built_layer(rng, x, epsilon=1e-2)
    mean = rng.normal(size=3).astype("float32")
    variance = rng.uniform(0.5, 2.0, size=3).astype("float32")
    layer.moving_mean.assign(mean)
    layer.moving_variance.assign(variance)
    for kwargs in ({}, {"training": False}):
        out = keras.ops.convert_to_numpy(layer([x, LABELS], **kwargs))
        expected = numpy_cbn(x, LABELS, gamma, beta, mean, variance, 1e-2)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(variable_value(layer.moving_mean), mean)


def test_frozen_layer_uses_moving_statistics_in_training(rng):
    # As keras.layers.BatchNormalization: trainable=False means inference mode.
    x = rng.normal(size=(6, 3)).astype("float32")
    layer, gamma, beta = built_layer(rng, x)
    layer.trainable = False
    out = keras.ops.convert_to_numpy(layer([x, LABELS], training=True))
    expected = numpy_cbn(x, LABELS, gamma, beta, np.zeros(3), np.ones(3), 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(variable_value(layer.moving_mean), np.zeros(3))


def test_same_input_different_class_gives_different_output(rng):
    x = np.repeat(rng.normal(size=(1, 4)), 3, axis=0).astype("float32")
    labels = np.array([0, 1, 2], "int32")
    layer, gamma, beta = built_layer(rng, x)
    out = keras.ops.convert_to_numpy(layer([x, labels]))
    assert not np.allclose(out[0], out[1]) and not np.allclose(out[1], out[2])
    # Labels of shape (batch, 1) give the same result.
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer([x, labels[:, None]])), out
    )


def test_moving_statistics_update_inside_fit(rng):
    x = rng.normal(1.0, 2.0, size=(6, 2, 2, 3)).astype("float32")
    image = keras.Input((2, 2, 3))
    label = keras.Input((), dtype="int32")
    layer = ConditionalBatchNormalization(3, momentum=0.8)
    model = keras.Model([image, label], layer([image, label]))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    model.fit([x, LABELS], np.zeros_like(x), batch_size=6, epochs=1, verbose=0)
    np.testing.assert_allclose(
        variable_value(layer.moving_mean),
        0.2 * x.mean(axis=(0, 1, 2)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        variable_value(layer.moving_variance),
        0.8 + 0.2 * x.var(axis=(0, 1, 2)),
        rtol=1e-5,
    )


def test_mixed_precision(rng):
    x = rng.normal(size=(6, 4)).astype("float32")
    layer, gamma, beta = built_layer(rng, x, dtype="mixed_float16")
    out = layer([x, LABELS], training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert layer.moving_mean.dtype == "float32" and layer.gamma.dtype == "float32"
    x16 = x.astype("float16").astype("float32")
    expected = numpy_cbn(x16, LABELS, gamma, beta, x16.mean(0), x16.var(0), 1e-3)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(out).astype("float32"), expected, atol=2e-2
    )
    np.testing.assert_allclose(
        variable_value(layer.moving_mean),
        0.01 * x16.mean(0),
        rtol=1e-4,
    )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num_classes": 0}, "num_classes >= 1. Received: num_classes=0"),
        ({"num_classes": 2.0}, "Received: num_classes=2.0"),
        ({"num_classes": 3, "momentum": 1.5}, "Received: momentum=1.5"),
        ({"num_classes": 3, "epsilon": 0.0}, "Received: epsilon=0.0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ConditionalBatchNormalization(**kwargs)


@pytest.mark.parametrize("labels_shape", [(6, 2), (6, 1, 1)])
def test_bad_labels_shape(labels_shape):
    layer = ConditionalBatchNormalization(3)
    with pytest.raises(ValueError, match="labels.shape="):
        layer([np.ones((6, 4), "float32"), np.zeros(labels_shape, "int32")])


def test_not_called_on_a_pair():
    with pytest.raises(ValueError, match="called on a list \\[x, labels\\]"):
        ConditionalBatchNormalization(3)(np.ones((6, 4), "float32"))
