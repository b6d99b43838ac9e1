"""Penalties against closed forms: linear and quadratic discriminators."""

import types

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan_layers import penalties
from keras_gan_layers.backend import input_gradient
from keras_gan_layers.penalties import dragan as dragan_module
from tests.helpers import linear_discriminator

W_BIG = np.array([3.0, 4.0], "float32")  # ||w|| = 5
W_SMALL = np.array([0.3, 0.4], "float32")  # ||w|| = 0.5


def value(x):
    return float(ops.convert_to_numpy(x))


class Quadratic(keras.layers.Layer):
    """D(x) = sum_j c_j x_j^2, so grad D(x) = 2 c x (closed form)."""

    def __init__(self, c, **kwargs):
        super().__init__(**kwargs)
        self.c = np.asarray(c, "float32")

    def call(self, x, training=None):
        return ops.sum(
            ops.convert_to_tensor(self.c) * ops.square(x), axis=-1, keepdims=True
        )


def batch(rng, n=16, dim=2):
    return rng.normal(size=(n, dim)).astype("float32")


@pytest.mark.parametrize("w", [W_BIG, W_SMALL])
def test_gradient_penalty_linear_closed_form(rng, w):
    d = linear_discriminator(2, w, b=0.7)
    seed = keras.random.SeedGenerator(0)
    gp = penalties.GradientPenalty(weight=10.0)
    expected = 10.0 * (np.linalg.norm(w) - 1.0) ** 2
    assert value(gp(d, batch(rng), batch(rng), seed=seed)) == pytest.approx(
        expected, rel=1e-5
    )


def test_gradient_penalty_one_sided(rng):
    seed = keras.random.SeedGenerator(0)
    gp = penalties.GradientPenalty(weight=2.0, one_sided=True)
    assert value(
        gp(linear_discriminator(2, W_SMALL), batch(rng), batch(rng), seed=seed)
    ) == pytest.approx(0.0, abs=1e-7)
    assert value(
        gp(linear_discriminator(2, W_BIG), batch(rng), batch(rng), seed=seed)
    ) == pytest.approx(2.0 * 16.0, rel=1e-5)


def test_gradient_penalty_target(rng):
    seed = keras.random.SeedGenerator(0)
    gp = penalties.GradientPenalty(weight=1.0, target=2.0)
    assert value(
        gp(linear_discriminator(2, W_BIG), batch(rng), batch(rng), seed=seed)
    ) == pytest.approx(9.0, rel=1e-5)


def test_gradient_penalty_quadratic_at_fixed_point(rng):
    # real == fake, so the interpolate is x whatever eps: closed form.
    c = np.array([0.5, 2.0], "float32")
    x = batch(rng, n=8)
    norms = np.linalg.norm(2 * c * x, axis=1)
    expected = 10.0 * np.mean((norms - 1.0) ** 2)
    seed = keras.random.SeedGenerator(0)
    got = value(penalties.GradientPenalty()(Quadratic(c), x, x, seed=seed))
    assert got == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_interpolates_per_sample(rng):
    # D(x) = sum x^2 on 1-D samples: grad at eps*r + (1-eps)*f is 2*(that point),
    # so the penalty reveals the eps drawn; each sample must get its own eps in [0, 1].
    real = np.full((256, 1), 1.0, "float32")
    fake = np.full((256, 1), -1.0, "float32")
    d = Quadratic(np.array([1.0], "float32"))
    eps = keras.random.uniform((256, 1), seed=keras.random.SeedGenerator(3))
    x_hat = ops.convert_to_numpy(
        eps * ops.convert_to_tensor(real) + (1 - eps) * ops.convert_to_tensor(fake)
    )
    expected = np.mean((np.abs(2 * x_hat[:, 0]) - 1) ** 2)
    got = value(
        penalties.GradientPenalty(weight=1.0)(
            d, real, fake, seed=keras.random.SeedGenerator(3)
        )
    )
    assert got == pytest.approx(expected, rel=1e-5)
    assert np.std(x_hat) > 0.3  # not one eps for the whole batch


@pytest.mark.parametrize(
    "cls,samples", [(penalties.R1Penalty, "real"), (penalties.R2Penalty, "fake")]
)
def test_r1_r2_closed_form(rng, cls, samples):
    c = np.array([0.5, 2.0], "float32")
    real, fake = batch(rng), batch(rng)
    x = real if samples == "real" else fake
    expected = 3.0 / 2.0 * np.mean(np.sum((2 * c * x) ** 2, axis=1))
    got = value(cls(gamma=3.0)(Quadratic(c), real, fake))
    assert got == pytest.approx(expected, rel=1e-5)
    # Linear D: gamma / 2 * ||w||^2.
    assert value(
        cls(gamma=3.0)(linear_discriminator(2, W_BIG), real, fake)
    ) == pytest.approx(1.5 * 25.0, rel=1e-5)


def test_dragan_linear_closed_form(rng):
    seed = keras.random.SeedGenerator(0)
    got = value(
        penalties.DRAGANPenalty(weight=10.0)(
            linear_discriminator(2, W_BIG), batch(rng), batch(rng), seed=seed
        )
    )
    assert got == pytest.approx(10.0 * 16.0, rel=1e-5)


# A critic with P = 4 outputs per sample, shaped like a PatchGAN map
# (batch, 2, 2, 1): output j is k_j . x + b_j, so the mean over a sample's
# outputs has the gradient mean_j k_j = [3, 4] (norm 5); the sum's would be
# [12, 16] (norm 20).
PATCH_KERNEL = np.array([[1.0, 5.0, 2.0, 4.0], [6.0, 2.0, 3.0, 5.0]], "float32")


def patch_critic():
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(4)
    outputs = keras.layers.Reshape((2, 2, 1))(dense(inputs))
    dense.set_weights([PATCH_KERNEL, np.array([0.1, -0.2, 0.3, 0.0], "float32")])
    return keras.Model(inputs, outputs)


def test_input_gradient_of_per_sample_mean(rng):
    grad = ops.convert_to_numpy(input_gradient(patch_critic(), batch(rng, n=5)))
    np.testing.assert_allclose(grad, np.tile([3.0, 4.0], (5, 1)), rtol=1e-6)


@pytest.mark.parametrize(
    "penalty,expected",
    [
        (penalties.GradientPenalty(weight=10.0), 10.0 * (5.0 - 1.0) ** 2),
        (penalties.GradientPenalty(weight=1.0, target=2.0), (5.0 - 2.0) ** 2),
        (penalties.R1Penalty(gamma=3.0), 1.5 * 5.0**2),
        (penalties.R2Penalty(gamma=3.0), 1.5 * 5.0**2),
        (penalties.DRAGANPenalty(weight=10.0), 10.0 * (5.0 - 1.0) ** 2),
    ],
    ids=["gp", "gp_target", "r1", "r2", "dragan"],
)
def test_multi_output_critic_closed_form(rng, penalty, expected):
    """Penalties see the mean of a sample's outputs, as the losses do."""
    got = penalty(
        patch_critic(), batch(rng), batch(rng), seed=keras.random.SeedGenerator(0)
    )
    assert value(got) == pytest.approx(expected, rel=1e-5)


def test_dragan_matches_numpy_transcription(monkeypatch, rng):
    """The perturbation itself: known u and alpha, quadratic critic, numpy reference."""
    real = batch(rng, n=6, dim=3)
    u = rng.uniform(size=real.shape).astype("float32")
    alpha = rng.uniform(size=(6, 1)).astype("float32")
    draws = []

    def fake_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        draws.append(tuple(shape))
        return ops.convert_to_tensor(u if tuple(shape) == real.shape else alpha)

    monkeypatch.setattr(
        dragan_module, "random", types.SimpleNamespace(uniform=fake_uniform)
    )
    c = np.array([0.5, 2.0, -1.0], "float32")
    penalty = penalties.DRAGANPenalty(weight=3.0, target=1.5, scale=1.5)
    got = value(penalty(Quadratic(c), real, -real, seed=keras.random.SeedGenerator(0)))

    x = real.astype("float64")
    perturbed = x + 1.5 * x.std() * u
    x_hat = x + alpha * (perturbed - x)
    norms = np.linalg.norm(2 * c * x_hat, axis=1)
    expected = 3.0 * np.mean((norms - 1.5) ** 2)
    assert draws == [real.shape, (6, 1)]
    assert got == pytest.approx(expected, rel=1e-5)
    # Not the value at the unperturbed data: the perturbation is tested.
    at_real = 3.0 * np.mean((np.linalg.norm(2 * c * x, axis=1) - 1.5) ** 2)
    assert abs(expected - at_real) > 0.05 * expected


def test_input_gradient_matches_finite_differences(rng):
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(5, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )
    x = rng.normal(size=(4, 3)).astype("float64")
    grad = ops.convert_to_numpy(input_gradient(lambda t: model(t), x.astype("float32")))

    def f(v):
        return ops.convert_to_numpy(model(v.astype("float32")))[:, 0].astype("float64")

    h = 1e-2
    numeric = np.zeros_like(x)
    for j in range(3):
        e = np.zeros_like(x)
        e[:, j] = h
        numeric[:, j] = (f(x + e) - f(x - e)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=2e-3, atol=2e-4)


@pytest.mark.tensorflow_only
def test_gradient_penalty_gradient_wrt_weights():
    """Second-order path: d/dw [lambda (||w|| - 1)^2] = 2 lambda (||w|| - 1) w / ||w||."""
    import tensorflow as tf

    d = linear_discriminator(2, W_BIG)
    x = np.ones((4, 2), "float32")
    with tf.GradientTape() as tape:
        value_ = penalties.GradientPenalty(weight=10.0)(
            d, x, -x, seed=keras.random.SeedGenerator(0)
        )
    kernel = d.layers[-1].kernel
    grad = tape.gradient(value_, kernel).numpy()[:, 0]
    expected = 2 * 10.0 * (5.0 - 1.0) * W_BIG / 5.0
    np.testing.assert_allclose(grad, expected, rtol=1e-5)


def test_weight_clip():
    clip = penalties.WeightClip(0.01)
    w = np.array([-1.0, -0.005, 0.0, 0.02], "float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(clip(w)), [-0.01, -0.005, 0.0, 0.01]
    )
    restored = keras.constraints.deserialize(keras.constraints.serialize(clip))
    assert isinstance(restored, penalties.WeightClip) and restored.clip_value == 0.01
    with pytest.raises(ValueError, match="clip_value"):
        penalties.WeightClip(0.0)


def test_weight_clip_applied_by_optimizer():
    layer = keras.layers.Dense(
        2, kernel_constraint=penalties.WeightClip(0.05), kernel_initializer="ones"
    )
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), verbose=0)
    assert (
        np.abs(
            layer.kernel.numpy()
            if hasattr(layer.kernel, "numpy")
            else ops.convert_to_numpy(layer.kernel)
        ).max()
        <= 0.05 + 1e-7
    )


@pytest.mark.parametrize(
    "penalty",
    [
        penalties.GradientPenalty(weight=5.0, target=0.5, one_sided=True, name="gp"),
        penalties.R1Penalty(gamma=0.2),
        penalties.R2Penalty(gamma=0.3, name="r2"),
        penalties.DRAGANPenalty(weight=3.0, scale=0.2),
    ],
)
def test_config_round_trip(penalty):
    restored = penalties.get(penalties.serialize(penalty))
    assert type(restored) is type(penalty)
    assert restored.get_config() == penalty.get_config()
    assert restored.weight == penalty.weight


def test_get_aliases_and_errors():
    assert type(penalties.get("gp")) is penalties.GradientPenalty
    assert penalties.get("gp").weight == 10.0
    assert type(penalties.get("r1")) is penalties.R1Penalty
    assert type(penalties.get("dragan")) is penalties.DRAGANPenalty
    with pytest.raises(ValueError, match="Unknown penalty: 'r3'.*dragan, gp"):
        penalties.get("r3")
    with pytest.raises(ValueError, match="weight must be a number >= 0"):
        penalties.GradientPenalty(weight=-1)
