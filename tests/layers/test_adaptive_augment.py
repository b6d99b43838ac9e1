import math

import keras
import numpy as np
import pytest

from keras_gan_layers.backend import input_gradient as _input_gradient
from keras_gan_layers.layers import AdaptiveAugment
from tests.layers.layer_test import run_layer_test, variable_value

BLIT = ("xflip", "rotate90", "xint_h")


def images(rng, shape=(4, 8, 8, 3)):
    return rng.uniform(-1.0, 1.0, size=shape).astype("float32")


def numpy_params(layer, x, p=None):
    params = layer.sample_parameters(x, p=p)
    return {k: keras.ops.convert_to_numpy(v) for k, v in params.items()}


# Transcription of stylegan2-ada-pytorch's augment.py (matrix helpers and
# the color step), NHWC, fed given draws.
def np_matrix(*rows):
    batch = max(np.size(e) for row in rows for e in row)
    elems = [
        np.broadcast_to(np.asarray(e, "float64"), (batch,)) for r in rows for e in r
    ]
    return np.stack(elems, axis=-1).reshape(batch, len(rows), -1)


def translate3d(tx, ty, tz):
    return np_matrix([1, 0, 0, tx], [0, 1, 0, ty], [0, 0, 1, tz], [0, 0, 0, 1])


def scale3d(sx, sy, sz):
    return np_matrix([sx, 0, 0, 0], [0, sy, 0, 0], [0, 0, sz, 0], [0, 0, 0, 1])


def rotate3d(v, theta):
    vx, vy, vz = v[0], v[1], v[2]
    s, c = np.sin(theta), np.cos(theta)
    cc = 1 - c
    return np_matrix(
        [vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, 0],
        [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, 0],
        [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, 0],
        [0, 0, 0, 1],
    )


def np_color(x, p):
    eye = np.eye(4)
    C = np.broadcast_to(eye, (len(x), 4, 4))
    if "brightness" in p:
        C = translate3d(p["brightness"], p["brightness"], p["brightness"]) @ C
    if "contrast" in p:
        C = scale3d(p["contrast"], p["contrast"], p["contrast"]) @ C
    v = np.asarray([1, 1, 1, 0]) / np.sqrt(3)
    if "lumaflip" in p:
        C = (eye - 2 * np.outer(v, v) * p["lumaflip"][:, None, None]) @ C
    if "hue" in p:
        C = rotate3d(v, p["hue"]) @ C
    if "saturation" in p:
        vv = np.outer(v, v)
        C = (vv + (eye - vv) * p["saturation"][:, None, None]) @ C
    if x.shape[-1] == 3:
        return np.einsum("bij,bhwj->bhwi", C[:, :3, :3], x) + C[:, None, None, :3, 3]
    C = C[:, :3, :].mean(axis=1)
    return x * C[:, :3].sum(axis=1)[:, None, None, None] + C[:, None, None, None, 3]


def np_blit(x, p):
    out = []
    for b, img in enumerate(x):
        if "xflip" in p and p["xflip"][b]:
            img = img[:, ::-1]
        if "rotate90" in p:
            img = np.rot90(img, p["rotate90"][b], axes=(0, 1))
        if "xint_h" in p:
            th, tw = p["xint_h"][b], p["xint_w"][b]
            m = max(abs(th), abs(tw))
            pad = np.pad(img, [(m, m), (m, m), (0, 0)], mode="reflect")
            img = pad[m - th : m - th + x.shape[1], m - tw : m - tw + x.shape[2]]
        out.append(img)
    return np.stack(out)


def np_ada(x, p):
    if any(k in p for k in BLIT):
        x = np_blit(x, p)
    if any(k in p for k in ("brightness", "contrast", "lumaflip", "hue", "saturation")):
        x = np_color(x, p)
    return x


def input_gradient(fn, x):
    grad = _input_gradient(fn, x)
    return keras.ops.convert_to_numpy(keras.ops.stop_gradient(grad))


def test_layer_contract(rng):
    run_layer_test(
        AdaptiveAugment,
        {"initial_p": 0.5, "interval": 2, "seed": 3},
        images(rng),
        (4, 8, 8, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=6,
        run_training_step=False,
        mixed_precision=True,
    )


def test_state_weights():
    layer = AdaptiveAugment(initial_p=0.25, seed=1)
    assert layer._seed_generators == [layer.seed_generator]
    for weight in (layer.p, layer.r_t, layer.sign_sum, layer.num_updates):
        assert not weight.trainable and weight.dtype == "float32"
    assert variable_value(layer.p) == np.float32(0.25)


def test_state_round_trips_through_a_keras_file(tmp_path):
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), AdaptiveAugment(initial_p=0.3, interval=2, seed=1)]
    )
    layer = model.layers[-1]
    layer.update(np.ones((4, 1), "float32"))
    layer.p.assign(0.42)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras").layers[-1]
    assert type(loaded) is AdaptiveAugment and loaded.interval == 2
    assert state(loaded) == pytest.approx(state(layer))
    assert state(loaded)["p"] == pytest.approx(0.42)
    assert state(loaded)["num_updates"] == 1.0


def test_identity_with_p_zero_and_in_inference(rng):
    x = images(rng)
    out = AdaptiveAugment(seed=0)(x, training=True)  # every transform, p = 0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), x)
    x1 = images(rng, (4, 8, 8, 1))
    out = AdaptiveAugment(seed=0)(x1, training=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), x1)
    layer = AdaptiveAugment(initial_p=1.0, seed=0)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(x, training=False)), x
    )


def test_p_one_flip_only_matches_numpy(rng):
    x = images(rng, (4, 8, 8, 1))
    layer = AdaptiveAugment(initial_p=1.0, augmentations="xflip", seed=4)
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    flips = keras.ops.convert_to_numpy(
        AdaptiveAugment(initial_p=1.0, augmentations="xflip", seed=4).sample_parameters(
            x
        )["xflip"]
    )
    expected = np.where(flips[:, None, None, None] == 1, x[:, :, ::-1], x)
    np.testing.assert_array_equal(out, expected)
    assert 0 < flips.sum() < 4  # (seed chosen so that both cases occur)


@pytest.mark.parametrize(
    "augmentations, shape",
    [
        ("xflip,rotate90", (4, 8, 8, 3)),
        ("xint", (4, 8, 12, 2)),
        ("blit", (4, 8, 8, 3)),
        ("brightness,contrast", (4, 8, 8, 3)),
        ("lumaflip,hue,saturation", (4, 8, 8, 3)),
        ("color", (4, 8, 8, 1)),
        ("blit,color", (4, 8, 8, 3)),
    ],
)
def test_transforms_match_numpy_transcription(rng, augmentations, shape):
    x = images(rng, shape)
    layer = AdaptiveAugment(augmentations=augmentations, xint_max=0.25, seed=6)
    params = numpy_params(layer, x, p=1.0)
    # The draws are not all identities with p = 1.
    assert any(
        np.any(v != (1 if k in ("contrast", "saturation") else 0))
        for k, v in params.items()
    )
    out = keras.ops.convert_to_numpy(layer.augment(x, params))
    np.testing.assert_allclose(out, np_ada(x.astype("float64"), params), atol=1e-5)


def test_call_uses_the_drawn_parameters(rng):
    x = images(rng)
    layer = AdaptiveAugment(initial_p=0.7, seed=12)
    params = numpy_params(AdaptiveAugment(initial_p=0.7, seed=12), x)
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(out, np_ada(x.astype("float64"), params), atol=1e-5)


def test_one_channel_skips_hue_and_saturation(rng):
    x = images(rng, (4, 8, 8, 1))
    params = numpy_params(AdaptiveAugment(seed=0), x, p=1.0)
    assert "hue" not in params and "saturation" not in params
    assert "brightness" in params and "lumaflip" in params


def test_statistics_of_the_draws():
    n, p = 2000, 0.6
    x = np.zeros((n, 8, 8, 3), "float32")
    layer = AdaptiveAugment(seed=5)
    # p = 1: every transform applies to every image.
    d = numpy_params(layer, x, p=1.0)
    for key, identity in (
        ("brightness", 0),
        ("contrast", 1),
        ("saturation", 1),
        ("hue", 0),
    ):
        assert np.all(d[key] != identity), key
    # ...and the flips / quarter turns / shifts take their non-trivial value
    # with probability 1/2, 3/4, 3/4 (the official draws).
    moved = (d["xint_h"] != 0) | (d["xint_w"] != 0)
    for frac, expected in (
        ((d["xflip"] == 1).mean(), 1 / 2),
        ((d["lumaflip"] == 1).mean(), 1 / 2),
        ((d["rotate90"] != 0).mean(), 3 / 4),
        (moved.mean(), 3 / 4),
    ):
        np.testing.assert_allclose(frac, expected, atol=0.04)
    d = numpy_params(layer, x, p=p)
    # Bernoulli(p) gates, then the official distributions.
    np.testing.assert_allclose((d["xflip"] == 1).mean(), p / 2, atol=0.04)
    np.testing.assert_allclose((d["rotate90"] != 0).mean(), p * 3 / 4, atol=0.04)
    assert set(np.unique(d["rotate90"])) == {0, 1, 2, 3}
    # round(U(-1/8, 1/8) * 8) per axis: -1, 0 or 1; nonzero w.p. 1/2 each.
    for key in ("xint_h", "xint_w"):
        assert set(np.unique(d[key])) == {-1, 0, 1}
        np.testing.assert_allclose((d[key] != 0).mean(), p / 2, atol=0.04)
    moved = (d["xint_h"] != 0) | (d["xint_w"] != 0)
    np.testing.assert_allclose(moved.mean(), p * 3 / 4, atol=0.04)
    b = d["brightness"][d["brightness"] != 0]
    np.testing.assert_allclose(len(b) / n, p, atol=0.04)
    np.testing.assert_allclose(b.std(), 0.2, rtol=0.05)
    for key, log2_std in (("contrast", 0.5), ("saturation", 1.0)):
        c = np.log2(d[key][d[key] != 1])
        np.testing.assert_allclose(len(c) / n, p, atol=0.04)
        np.testing.assert_allclose(c.std(), log2_std, rtol=0.05)
        assert abs(c.mean()) < 0.1
    np.testing.assert_allclose((d["lumaflip"] == 1).mean(), p / 2, atol=0.04)
    h = d["hue"][d["hue"] != 0]
    np.testing.assert_allclose(len(h) / n, p, atol=0.04)
    assert h.min() >= -math.pi and h.max() <= math.pi
    np.testing.assert_allclose(h.std(), 2 * math.pi / math.sqrt(12), rtol=0.05)


def test_gradient_reaches_the_input(rng):
    x = images(rng)
    layer = AdaptiveAugment(seed=7)
    params = numpy_params(layer, x, p=1.0)
    grad = input_gradient(
        lambda t: keras.ops.sum(layer.augment(t, params) ** 2, axis=(1, 2, 3)), x
    )
    assert np.all(np.isfinite(grad))
    assert all(np.abs(g).sum() > 0 for g in grad)
    d = rng.normal(size=x.shape)
    eps = 1e-3

    def loss(t):
        return np.sum(np_ada(t, params) ** 2)

    x64 = x.astype("float64")
    fd = (loss(x64 + eps * d) - loss(x64 - eps * d)) / (2 * eps)
    np.testing.assert_allclose(np.sum(grad * d), fd, rtol=1e-3)


def state(layer):
    return {
        k: float(variable_value(getattr(layer, k)))
        for k in ("p", "r_t", "sign_sum", "sign_count", "image_count", "num_updates")
    }


def test_update_arithmetic():
    # interval 2, batches of 4: an adjustment moves p by 8 / (0.1 * 1000).
    layer = AdaptiveAugment(target=0.6, interval=2, ada_kimg=0.1, initial_p=0.3)
    layer.update(np.array([[1.0], [2.0], [-1.0], [3.0]], "float32"))
    assert state(layer) == pytest.approx(
        {
            "p": 0.3,
            "r_t": 0.0,
            "sign_sum": 2.0,
            "sign_count": 4.0,
            "image_count": 4.0,
            "num_updates": 1.0,
        }
    )
    layer.update(np.array([[0.5], [0.0], [0.1], [-4.0]], "float32"))
    # r_t = (2 + 1) / 8 = 0.375 < 0.6: p = 0.3 - 0.08.
    assert state(layer) == pytest.approx(
        {
            "p": 0.22,
            "r_t": 0.375,
            "sign_sum": 0.0,
            "sign_count": 0.0,
            "image_count": 0.0,
            "num_updates": 0.0,
        }
    )
    for _ in range(2):
        layer.update(np.ones((4, 1), "float32"))
    assert state(layer)["p"] == pytest.approx(0.30)
    assert state(layer)["r_t"] == 1.0
    # Clipped to [0, max_p].
    top = AdaptiveAugment(interval=1, ada_kimg=0.001, initial_p=0.5, max_p=0.8)
    top.update(np.ones((2,), "float32"))
    assert state(top)["p"] == pytest.approx(0.8)
    for _ in range(2):
        top.update(-np.ones((2,), "float32"))
    assert state(top)["p"] == 0.0 and state(top)["r_t"] == -1.0


def memorising_discriminator(real, fake):
    """A linear Keras discriminator fitted (least squares) to +1 / -1."""
    data = np.concatenate([real, fake]).reshape(len(real) + len(fake), -1)
    target = np.concatenate([np.ones(len(real)), -np.ones(len(fake))])
    w = np.linalg.lstsq(data, target, rcond=None)[0]
    model = keras.Sequential(
        [keras.Input(real.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model.layers[-1].set_weights([w[:, None].astype("float32"), np.zeros(1, "float32")])
    return model


def test_p_rises_on_an_overfitting_discriminator_only(rng):
    # Real and fake from the same distribution: all the discriminator can do
    # is memorise its 16 training reals.
    real, fake, held_out = (images(rng, (16, 8, 8, 1)) for _ in range(3))
    d = memorising_discriminator(real, fake)
    on_train = keras.ops.convert_to_numpy(d(real))
    on_new = keras.ops.convert_to_numpy(d(held_out))
    np.testing.assert_allclose(on_train, 1.0, atol=1e-4)  # memorised
    kwargs = {"interval": 4, "ada_kimg": 3.2, "seed": 0}  # step 64 / 3200
    overfit, healthy = AdaptiveAugment(**kwargs), AdaptiveAugment(**kwargs)
    for _ in range(12):
        overfit.update(on_train)
        healthy.update(on_new)
    assert state(overfit)["r_t"] == 1.0
    assert state(overfit)["p"] == pytest.approx(0.06)
    assert abs(state(healthy)["r_t"]) < 0.5
    assert state(healthy)["p"] == 0.0


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_update_and_call_compiled(rng, backend):
    if keras.backend.backend() != backend:
        pytest.skip(f"needs the {backend} backend")
    x = images(rng)
    layer = AdaptiveAugment(interval=2, ada_kimg=0.008, initial_p=0.0, seed=1)
    layer.build(x.shape)
    logits = np.ones((4, 1), "float32")
    if backend == "jax":
        import jax

        variables = layer.non_trainable_variables

        @jax.jit
        def step(values, x, logits):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))) as s:
                out = layer(x, training=True)
                layer.update(logits)
            return out, [s.get_current_value(v) for v in variables]

        values = [v.value for v in variables]
        outs = []
        for _ in range(3):
            out, values = step(values, x, logits)
            outs.append(out)
        for v, value in zip(variables, values):
            v.assign(value)
    else:
        import tensorflow as tf

        @tf.function
        def step(x, logits):
            out = layer(x, training=True)
            layer.update(logits)
            return out

        outs = [step(x, logits) for _ in range(3)]
    # Two updates of 4 positive logits: p += 8 / 8 -> 1; one more call pending.
    assert state(layer) == pytest.approx(
        {
            "p": 1.0,
            "r_t": 1.0,
            "sign_sum": 4.0,
            "sign_count": 4.0,
            "image_count": 4.0,
            "num_updates": 1.0,
        }
    )
    outs = [keras.ops.convert_to_numpy(o) for o in outs]
    np.testing.assert_array_equal(outs[0], x)  # p was 0
    assert not np.allclose(outs[2], x)  # p = 1 now


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target": 0.0}, r"target in \(0, 1\)"),
        ({"target": 1.0}, r"target in \(0, 1\)"),
        ({"target": "high"}, "Received: target='high'"),
        ({"interval": 0}, "integer interval >= 1"),
        ({"interval": 2.5}, "integer interval >= 1"),
        ({"ada_kimg": 0}, r"ada_kimg in \(0, inf\)"),
        ({"ada_kimg": -5}, r"ada_kimg in \(0, inf\)"),
        ({"max_p": 0.0}, r"max_p in \(0, 1\]"),
        ({"initial_p": 0.9, "max_p": 0.5}, r"initial_p in \[0, 0.5\]"),
        ({"initial_p": -0.1}, r"initial_p in \[0, 1.0\]"),
        ({"augmentations": "blit,geom"}, "unknown augmentations.*'blit', 'color'"),
        ({"xint_max": 0.0}, r"xint_max in \(0, 0.5\]"),
        ({"brightness_std": -1.0}, "brightness_std in"),
        ({"contrast_std": float("nan")}, "contrast_std in"),
        ({"hue_max": 2.0}, r"hue_max in \[0, 1\]"),
        ({"saturation_std": -0.5}, "saturation_std in"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveAugment(**kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="'rotate90' needs square images"):
        AdaptiveAugment()(np.zeros((2, 8, 6, 3), "float32"))
    with pytest.raises(ValueError, match="need 1 or 3 channels"):
        AdaptiveAugment()(np.zeros((2, 8, 8, 2), "float32"))
    # Without the color group any channel count, without rotate90 any shape.
    x = np.zeros((4, 8, 12, 2), "float32")
    assert tuple(AdaptiveAugment(augmentations="xflip,xint")(x).shape) == x.shape


def test_integer_images_are_cast_to_the_compute_dtype(rng):
    # Brightness on int images stayed int32 (truncated); now cast first.
    x = rng.integers(-1, 2, size=(4, 8, 8, 3))
    layer = AdaptiveAugment(initial_p=1.0, augmentations="brightness", seed=4)
    params = numpy_params(layer, x.astype("float32"), p=1.0)
    layer = AdaptiveAugment(initial_p=1.0, augmentations="brightness", seed=4)
    out = layer(x.astype("int32"), training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    expected = np_color(x.astype("float32"), params)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), expected, atol=1e-5)
