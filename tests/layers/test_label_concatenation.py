import keras
import numpy as np
import pytest

from keras_gan_layers.layers import LabelConcatenation
from tests.layers.layer_test import run_layer_test

LABELS = np.array([0, 2, 1, 2], "int32")


def one_hot(labels, num_classes):
    return np.eye(num_classes, dtype="float32")[labels]


def concat_reference(x, code):
    """numpy: `code` (batch, k) repeated over every middle axis of `x`."""
    code = code.reshape(code.shape[:1] + (1,) * (x.ndim - 2) + code.shape[1:])
    code = np.broadcast_to(code, x.shape[:-1] + code.shape[-1:])
    return np.concatenate([x, code], axis=-1)


@pytest.mark.parametrize(
    "x_shape,kwargs,channels",
    [
        ((4, 5), {"num_classes": 3}, 8),
        ((4, 6, 6, 2), {"num_classes": 3}, 5),
        ((4, 5), {"num_classes": 3, "embedding_dim": 2}, 7),
        ((4, 6, 6, 2), {"num_classes": 3, "embedding_dim": 4}, 6),
    ],
)
def test_layer_contract(rng, x_shape, kwargs, channels):
    x = rng.normal(size=x_shape).astype("float32")
    run_layer_test(
        LabelConcatenation,
        kwargs,
        [x, LABELS],
        (*x_shape[:-1], channels),
        expected_num_trainable_weights=0 if "embedding_dim" not in kwargs else 1,
        expected_num_non_trainable_weights=0,
    )


@pytest.mark.parametrize("x_shape", [(4, 5), (4, 3, 2, 2)])
def test_one_hot_matches_numpy(rng, x_shape):
    x = rng.normal(size=x_shape).astype("float32")
    out = LabelConcatenation(3)([x, LABELS])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out), concat_reference(x, one_hot(LABELS, 3))
    )


@pytest.mark.parametrize("x_shape", [(4, 5), (4, 3, 2, 2)])
def test_embedding_lookup_matches_numpy(rng, x_shape):
    x = rng.normal(size=x_shape).astype("float32")
    table = rng.normal(size=(3, 4)).astype("float32")
    layer = LabelConcatenation(3, embedding_dim=4)
    layer.build([x.shape, LABELS.shape])
    layer.embeddings.assign(table)
    out = layer([x, LABELS])
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out), concat_reference(x, table[LABELS])
    )


def test_labels_of_shape_batch_1_and_other_int_dtypes(rng):
    x = rng.normal(size=(4, 2, 2, 1)).astype("float32")
    layer = LabelConcatenation(3, embedding_dim=2)
    expected = keras.ops.convert_to_numpy(layer([x, LABELS]))
    for labels in (LABELS[:, None], LABELS.astype("int64")):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(layer([x, labels])), expected
        )


def test_mixed_precision_output_dtype(rng):
    layer = LabelConcatenation(3, embedding_dim=2, dtype="mixed_float16")
    out = layer([rng.normal(size=(4, 5)).astype("float32"), LABELS])
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    assert layer.embeddings.dtype == "float32"


@pytest.mark.parametrize("value", [0, -2, 2.5, True, "3", None])
def test_bad_num_classes(value):
    with pytest.raises(
        ValueError, match=f"num_classes >= 1. Received: num_classes={value!r}"
    ):
        LabelConcatenation(value)


@pytest.mark.parametrize("value", [0, -1, 1.5, "4"])
def test_bad_embedding_dim(value):
    with pytest.raises(ValueError, match="Received: embedding_dim="):
        LabelConcatenation(3, embedding_dim=value)


@pytest.mark.parametrize("labels_shape", [(4, 2), (4, 1, 1), ()])
def test_bad_labels_shape(labels_shape):
    layer = LabelConcatenation(3)
    labels = np.zeros(labels_shape, "int32")
    with pytest.raises(ValueError, match="labels.shape="):
        layer([np.ones((4, 5), "float32"), labels])


def test_not_called_on_a_pair():
    with pytest.raises(ValueError, match="called on a list \\[x, labels\\]"):
        LabelConcatenation(3)(np.ones((4, 5), "float32"))
    with pytest.raises(ValueError, match="x of rank 2 or more"):
        LabelConcatenation(3)([np.ones((4,), "float32"), LABELS])
