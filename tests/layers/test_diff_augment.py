import keras
import numpy as np
import pytest

from keras_gan_layers.backend import input_gradient as _input_gradient
from keras_gan_layers.layers import DiffAugment
from tests.layers.layer_test import run_layer_test


def images(rng, shape=(4, 8, 8, 3)):
    return rng.uniform(-1.0, 1.0, size=shape).astype("float32")


def input_gradient(fn, x):
    """`d sum(fn(x)) / dx` as numpy (detached from torch's graph)."""
    grad = _input_gradient(fn, x)
    return keras.ops.convert_to_numpy(keras.ops.stop_gradient(grad))


def numpy_params(layer, x):
    params = layer.sample_parameters(x)
    return {k: keras.ops.convert_to_numpy(v) for k, v in params.items()}


# Transcription of the official DiffAugment_tf.py (NHWC), fed given draws.
def np_color(x, p):
    x = x + p["brightness"].reshape(-1, 1, 1, 1)
    x_mean = x.mean(axis=3, keepdims=True)
    x = (x - x_mean) * p["saturation"].reshape(-1, 1, 1, 1) + x_mean
    x_mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - x_mean) * p["contrast"].reshape(-1, 1, 1, 1) + x_mean


def np_translation(x, p):
    b, h, w, _ = x.shape
    # grid = clip(range + t + 1, 0, size + 1) into the image padded by one zero.
    grid_w = np.clip(np.arange(w)[None] + p["translation_w"][:, None] + 1, 0, w + 1)
    grid_h = np.clip(np.arange(h)[None] + p["translation_h"][:, None] + 1, 0, h + 1)
    pad = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    out = np.stack([pad[i][:, grid_w[i]] for i in range(b)])
    out = np.stack([out[i][grid_h[i]] for i in range(b)])
    return out


def np_cutout(x, p, ratio=0.5):
    b, h, w, _ = x.shape
    ch, cw = int(h * ratio), int(w * ratio)
    mask = np.ones((b, h, w), x.dtype)
    for i in range(b):
        rows = np.clip(np.arange(ch) + p["cutout_h"][i] - ch // 2, 0, h - 1)
        cols = np.clip(np.arange(cw) + p["cutout_w"][i] - cw // 2, 0, w - 1)
        mask[i][np.ix_(rows, cols)] = 0  # scatter, as the official code
    return x * mask[..., None]


NP_OPS = {"color": np_color, "translation": np_translation, "cutout": np_cutout}


def np_diff_augment(x, p, policy):
    for name in policy.split(","):
        x = NP_OPS[name](x, p)
    return x


def test_layer_contract(rng):
    run_layer_test(
        DiffAugment,
        {"policy": "color,translation,cutout", "seed": 3},
        images(rng),
        (4, 8, 8, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        run_training_step=False,
        mixed_precision=True,
    )


def test_seed_generator_is_tracked():
    layer = DiffAugment(seed=1)
    assert layer._seed_generators == [layer.seed_generator]


def test_identity_with_empty_policy_and_in_inference(rng):
    x = images(rng)
    out = keras.ops.convert_to_numpy(DiffAugment("", seed=0)(x, training=True))
    np.testing.assert_array_equal(out, x)
    layer = DiffAugment(seed=0)
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    for out in (layer(x, training=False), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), x)


@pytest.mark.parametrize(
    "policy",
    ["color", "translation", "cutout", "color,translation,cutout", "cutout,color"],
)
def test_ops_match_numpy_transcription(rng, policy):
    x = images(rng)
    layer = DiffAugment(policy, seed=5)
    params = numpy_params(layer, x)
    out = keras.ops.convert_to_numpy(layer.augment(x, params))
    np.testing.assert_allclose(out, np_diff_augment(x, params, policy), atol=1e-5)
    # The call draws from the same stream: a twin with the same seed.
    twin = DiffAugment(policy, seed=5)
    called = keras.ops.convert_to_numpy(twin(x, training=True))
    np.testing.assert_allclose(called, np_diff_augment(x, params, policy), atol=1e-5)
    # The next call draws new numbers.
    assert not np.allclose(keras.ops.convert_to_numpy(twin(x, training=True)), called)


def test_non_square_images_and_other_ratios(rng):
    x = images(rng, (4, 8, 12, 2))
    layer = DiffAugment("translation,cutout", translation_ratio=0.25, cutout_ratio=0.25)
    params = numpy_params(layer, x)
    assert np.abs(params["translation_h"]).max() <= 2
    assert np.abs(params["translation_w"]).max() <= 3
    out = keras.ops.convert_to_numpy(layer.augment(x, params))
    expected = np_cutout(np_translation(x, params), params, ratio=0.25)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_translation_gradient_is_the_shifted_mask(rng):
    x = images(rng)
    w = rng.normal(size=x.shape).astype("float32")
    layer = DiffAugment("translation", seed=2)
    params = {
        "translation_h": np.array([1, -1, 0, 1], "int32"),
        "translation_w": np.array([-1, 1, 1, 0], "int32"),
    }
    grad = input_gradient(
        lambda t: keras.ops.sum(
            layer.augment(t, params) * keras.ops.convert_to_tensor(w), axis=(1, 2, 3)
        ),
        x,
    )
    # out[i, j] = x[i + th, j + tw]  =>  grad[i + th, j + tw] = w[i, j].
    expected = np.zeros_like(w)
    for b in range(4):
        th, tw = params["translation_h"][b], params["translation_w"][b]
        for i in range(8):
            for j in range(8):
                if 0 <= i + th < 8 and 0 <= j + tw < 8:
                    expected[b, i + th, j + tw] = w[b, i, j]
    np.testing.assert_allclose(keras.ops.convert_to_numpy(grad), expected, atol=1e-6)


def test_full_policy_gradient_reaches_the_input(rng):
    x = images(rng)
    layer = DiffAugment(seed=4)
    params = numpy_params(layer, x)
    grad = keras.ops.convert_to_numpy(
        input_gradient(
            lambda t: keras.ops.sum(layer.augment(t, params) ** 2, axis=(1, 2, 3)), x
        )
    )
    assert np.all(np.isfinite(grad))
    for b in range(len(x)):
        assert np.abs(grad[b]).sum() > 0
    # Finite difference of the whole op in a random direction.
    d = rng.normal(size=x.shape).astype("float64")
    eps = 1e-3

    def loss(t):
        return np.sum(np_diff_augment(t, params, "color,translation,cutout") ** 2)

    x64 = x.astype("float64")
    fd = (loss(x64 + eps * d) - loss(x64 - eps * d)) / (2 * eps)
    np.testing.assert_allclose(np.sum(grad * d), fd, rtol=1e-3)


N = 2000  # one shape for the statistics tests (one compilation on JAX)


def test_statistics_of_the_draws(rng):
    n = N
    x = np.ones((n, 8, 8, 1), "float32")
    layer = DiffAugment(seed=7)
    p = numpy_params(layer, x)
    for key, low, high in (
        ("brightness", -0.5, 0.5),
        ("saturation", 0.0, 2.0),
        ("contrast", 0.5, 1.5),
    ):
        assert p[key].min() >= low and p[key].max() <= high
        assert abs(p[key].mean() - (low + high) / 2) < 0.03
        assert abs(p[key].std() - (high - low) / np.sqrt(12)) < 0.02
    for key in ("translation_h", "translation_w"):
        # ratio 1/8 of 8 pixels: shifts -1, 0, 1, each with probability 1/3.
        counts = np.bincount(p[key] + 1, minlength=3)
        assert counts.sum() == n and len(counts) == 3
        np.testing.assert_allclose(counts / n, 1 / 3, atol=0.04)
    for key in ("cutout_h", "cutout_w"):
        # An even side (4): centre uniform in 0..8 inclusive.
        counts = np.bincount(p[key], minlength=9)
        assert len(counts) == 9
        np.testing.assert_allclose(counts / n, 1 / 9, atol=0.03)


def test_cutout_area(rng):
    n = N
    x = np.ones((n, 8, 8, 1), "float32")
    out = keras.ops.convert_to_numpy(DiffAugment("cutout", seed=8)(x, training=True))
    cut = (out == 0).reshape(n, -1).sum(axis=1)
    # Never more than ratio^2 of the image; exactly that when inside.
    assert cut.max() == 16 and cut.min() >= 4
    # Covered length per axis for a centre o uniform in 0..8: start o - 2.
    lengths = [min(o + 2, 8) - max(o - 2, 0) for o in range(9)]
    np.testing.assert_allclose(cut.mean(), np.mean(lengths) ** 2, rtol=0.03)
    assert np.all(out[out != 0] == 1)


def test_translation_never_exceeds_the_ratio(rng):
    # A single bright pixel in the middle moves by at most 1 = 0.125 * 8.
    x = np.zeros((N, 8, 8, 1), "float32")
    x[:, 4, 4] = 1.0
    out = keras.ops.convert_to_numpy(
        DiffAugment("translation", seed=9)(x, training=True)
    )
    b, i, j = np.nonzero(out[..., 0])
    np.testing.assert_array_equal(b, np.arange(N))  # never lost, never doubled
    assert set(i - 4) == {-1, 0, 1} and set(j - 4) == {-1, 0, 1}
    # The shift is uniform over the 9 offsets.
    counts = np.bincount((i - 3) * 3 + (j - 3), minlength=9)
    np.testing.assert_allclose(counts / N, 1 / 9, atol=0.03)


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_runs_compiled(rng, backend):
    if keras.backend.backend() != backend:
        pytest.skip(f"needs the {backend} backend")
    x = images(rng)
    layer = DiffAugment(seed=11)
    layer.build(x.shape)  # without drawing
    eager = keras.ops.convert_to_numpy(DiffAugment(seed=11)(x, training=True))
    if backend == "jax":
        import jax

        @jax.jit
        def step(state, x):
            return layer.stateless_call([], state, x, training=True)

        state = [v.value for v in layer.non_trainable_variables]
        out, new_state = step(state, x)
        out2, _ = step(new_state, x)
    else:
        import tensorflow as tf

        step = tf.function(lambda x: layer(x, training=True))
        out, out2 = step(x), step(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), eager, atol=1e-6)
    assert not np.allclose(keras.ops.convert_to_numpy(out2), eager)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"policy": "color,zoom"}, "unknown policy.*'color', 'translation', 'cutout'"),
        ({"policy": ["color"]}, "comma-separated string"),
        ({"translation_ratio": 0.0}, "0 < translation_ratio <= 1"),
        ({"cutout_ratio": 1.5}, "0 < cutout_ratio <= 1"),
        ({"cutout_ratio": "half"}, "Received: cutout_ratio='half'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DiffAugment(**kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="height, width, channels"):
        DiffAugment()(np.zeros((2, 8, 3), "float32"), training=True)


def test_list_and_non_image_inputs_are_errors(rng):
    x = images(rng)
    with pytest.raises(ValueError, match="is called on one tensor of images"):
        DiffAugment()([x, x])
    with pytest.raises(ValueError, match="cannot augment data of rank 2"):
        DiffAugment()(np.zeros((4, 2), "float32"))
    # compute_output_spec (what GAN(augment=...) checks) refuses it too.
    with pytest.raises(ValueError, match="cannot augment data of rank 2"):
        DiffAugment().compute_output_spec(keras.KerasTensor((None, 2)))


def test_integer_images_are_cast_to_the_compute_dtype(rng):
    x = rng.integers(1, 4, size=(2, 8, 8, 3))  # no zeros
    layer = DiffAugment("cutout", seed=3)
    out = keras.ops.convert_to_numpy(layer(x.astype("int32"), training=True))
    assert out.dtype == np.float32
    # cutout keeps each pixel or zeroes it: out is x masked.
    kept = out != 0
    np.testing.assert_array_equal(out[kept], x.astype("float32")[kept])
    # a 4x4 square per image (ratio 0.5), at least 2x2 of it inside
    assert (~kept).sum() >= 2 * 2 * 2 * 3
