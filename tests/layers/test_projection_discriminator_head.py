import keras
import numpy as np
import pytest

from keras_gan_layers.layers import ProjectionDiscriminatorHead
from tests.layers.layer_test import run_layer_test, variable_value

LABELS = np.array([0, 2, 1, 2, 0], "int32")


def dense_of(head):
    """The Dense unit psi (inside the SpectralNormalization wrapper if any)."""
    dense = head.dense
    return (
        dense.layer if isinstance(dense, keras.layers.SpectralNormalization) else dense
    )


def set_weights_by_hand(head, w, b, table):
    dense_of(head).kernel.assign(w)
    dense_of(head).bias.assign(b)
    head.embeddings.assign(table)


def table_with_singular_values(rng, values, features):
    """A (len(values), features) matrix with the given singular values."""
    u, _ = np.linalg.qr(rng.normal(size=(len(values), len(values))))
    v, _ = np.linalg.qr(rng.normal(size=(features, len(values))))
    return (u @ np.diag(values) @ v.T).astype("float32")


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_layer_contract(rng, spectral_norm):
    h = rng.normal(size=(5, 6)).astype("float32")
    run_layer_test(
        ProjectionDiscriminatorHead,
        {"num_classes": 3, "spectral_norm": spectral_norm},
        [h, LABELS],
        (5, 1),
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=2 if spectral_norm else 0,
    )


def test_matches_numpy(rng):
    h = rng.normal(size=(5, 6)).astype("float32")
    w = rng.normal(size=(6, 1)).astype("float32")
    b = np.array([0.7], "float32")
    table = rng.normal(size=(3, 6)).astype("float32")
    head = ProjectionDiscriminatorHead(3)
    head.build([h.shape, LABELS.shape])
    set_weights_by_hand(head, w, b, table)
    expected = h @ w + b + np.sum(table[LABELS] * h, axis=-1, keepdims=True)
    for labels in (LABELS, LABELS[:, None]):
        for training in (False, True):
            out = head([h, labels], training=training)
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(out), expected, rtol=1e-5, atol=1e-5
            )


def test_spectral_norm_matches_numpy_with_svd(rng):
    h = rng.normal(size=(5, 6)).astype("float32")
    w = rng.normal(size=(6, 1)).astype("float32")
    b = np.array([-0.3], "float32")
    table = table_with_singular_values(rng, [3.0, 1.0, 0.5], 6)
    head = ProjectionDiscriminatorHead(3, spectral_norm=True)
    head.build([h.shape, LABELS.shape])
    set_weights_by_hand(head, w, b, table)
    u0 = variable_value(head.embeddings_u)
    for _ in range(12):  # sigma_2 / sigma_1 = 1/3: error ~ 9**-12
        head([h, LABELS], training=True)
    assert not np.allclose(variable_value(head.embeddings_u), u0)

    sigma = np.linalg.svd(table, compute_uv=False)[0]
    _, normalized = head.normalized_embeddings()
    normalized = keras.ops.convert_to_numpy(normalized)
    np.testing.assert_allclose(normalized, table / sigma, rtol=1e-4, atol=1e-5)
    assert np.linalg.svd(normalized, compute_uv=False)[0] == pytest.approx(1.0, 1e-4)
    # The raw table is kept; the division happens in the forward pass.
    np.testing.assert_array_equal(variable_value(head.embeddings), table)

    w_sn = w / np.linalg.norm(w)  # a (features, 1) kernel: sigma is its norm
    expected = h @ w_sn + b + np.sum((table / sigma)[LABELS] * h, -1, keepdims=True)
    out = keras.ops.convert_to_numpy(head([h, LABELS], training=False))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_inference_does_not_advance_the_power_iteration(rng):
    h = rng.normal(size=(5, 6)).astype("float32")
    head = ProjectionDiscriminatorHead(3, spectral_norm=True)
    head([h, LABELS])
    u0 = variable_value(head.embeddings_u)
    head([h, LABELS], training=False)
    np.testing.assert_array_equal(variable_value(head.embeddings_u), u0)


def test_all_zero_embeddings_stay_finite(rng):
    h = rng.normal(size=(5, 6)).astype("float32")
    w = rng.normal(size=(6, 1)).astype("float32")
    head = ProjectionDiscriminatorHead(3, spectral_norm=True)
    head.build([h.shape, LABELS.shape])
    set_weights_by_hand(head, w, np.zeros(1, "float32"), np.zeros((3, 6), "float32"))
    u0 = variable_value(head.embeddings_u)
    out = keras.ops.convert_to_numpy(head([h, LABELS], training=True))
    np.testing.assert_allclose(out, h @ (w / np.linalg.norm(w)), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(variable_value(head.embeddings_u), u0)


def test_label_changes_the_logit(rng):
    h = np.repeat(rng.normal(size=(1, 6)), 3, axis=0).astype("float32")
    out = keras.ops.convert_to_numpy(
        ProjectionDiscriminatorHead(3)([h, np.array([0, 1, 2], "int32")])
    )
    assert len(np.unique(out.round(6))) == 3


def test_float32_output_under_mixed_precision(rng):
    h = rng.normal(size=(5, 6)).astype("float16")
    for spectral_norm in (False, True):
        head = ProjectionDiscriminatorHead(
            3, spectral_norm=spectral_norm, dtype="float32"
        )
        assert keras.backend.standardize_dtype(head([h, LABELS]).dtype) == "float32"
        head = ProjectionDiscriminatorHead(
            3, spectral_norm=spectral_norm, dtype="mixed_float16"
        )
        assert keras.backend.standardize_dtype(head([h, LABELS]).dtype) == "float16"
        assert head.embeddings.dtype == "float32"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num_classes": 0}, "num_classes >= 1. Received: num_classes=0"),
        ({"num_classes": None}, "Received: num_classes=None"),
        (
            {"num_classes": 3, "power_iterations": 0},
            "power_iterations >= 1. Received: power_iterations=0",
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ProjectionDiscriminatorHead(**kwargs)


def test_bad_inputs():
    head = ProjectionDiscriminatorHead(3)
    with pytest.raises(ValueError, match="h of shape \\(batch, features\\)"):
        head([np.ones((5, 2, 2), "float32"), LABELS])
    with pytest.raises(ValueError, match="labels.shape=\\(5, 2\\)"):
        head([np.ones((5, 4), "float32"), np.zeros((5, 2), "int32")])
    with pytest.raises(ValueError, match="called on a list \\[h, labels\\]"):
        head(np.ones((5, 4), "float32"))
