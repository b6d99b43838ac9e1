"""Mixed precision: loss scaling added when missing, float32 losses, finite training,
loss-scaled penalty input gradients."""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN, penalties
from keras_gan_layers.models import DiscriminatorView
from tests.helpers import tiny_dcgan, tiny_images


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_mixed_precision_training(policy):
    gan = tiny_dcgan()
    gan.compile(loss="wgan", penalties=["gp"], d_steps=2)
    wrapped = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (policy == "mixed_float16")
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer) == wrapped
    # Layers compute in the low precision; weights stay float32.
    assert gan.generator.layers[1].compute_dtype == policy.split("_")[1]
    assert all(v.dtype == "float32" for v in gan.trainable_variables)
    before = [np.array(w) for w in gan.discriminator.get_weights()]
    history = gan.fit(tiny_images(32), batch_size=16, epochs=2, verbose=0)
    for key, values in history.history.items():
        assert np.isfinite(values).all(), key
    after = gan.discriminator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    # The logits reach the losses as float32 whatever the policy.
    logits = gan.discriminator(tiny_images(4))
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_user_loss_scale_optimizer_is_not_wrapped_twice(policy):
    gan = tiny_dcgan()
    d_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-4))
    gan.compile(d_optimizer=d_opt, g_optimizer=keras.optimizers.Adam(1e-4))
    assert gan.d_optimizer is d_opt
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(
        gan.d_optimizer.inner_optimizer, keras.optimizers.LossScaleOptimizer
    )


# ----------------------------------------------- loss-scaled input gradients
X4 = np.array(
    [[0.1, 0.2, -0.3, 0.4], [-0.5, 0.9, 0.0, -0.1], [0.3, -0.4, 0.6, 0.2]]
    + [[0.7, 0.0, -0.8, 0.5]],
    "float32",
)
LATENTS = np.random.default_rng(5).normal(size=(4, 3)).astype("float32")


class FixedLatentGAN(GAN):
    def sample_latents(self, batch_size, seed=None):
        return keras.ops.convert_to_tensor(LATENTS)


def mlp(units, out, activation, weights, scale=None):
    """Dense layers built under the active policy, weights set exactly."""
    inputs = keras.Input((weights[0].shape[0],))
    x = inputs
    for n in units:
        x = keras.layers.Dense(n, activation=activation)(x)
    model = keras.Model(inputs, keras.layers.Dense(out)(x))
    model.set_weights(weights)
    return model


def dense_weights(rng, sizes, last_scale=1.0):
    weights = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        std = last_scale if i == len(sizes) - 2 else 1.0 / np.sqrt(a)
        weights += [rng.normal(0, std, (a, b)), rng.normal(0, 0.1, (b,))]
    return [w.astype("float32") for w in weights]


def wgan_gp_step(scale=None):
    rng = np.random.default_rng(0)
    g = mlp([8], 4, "tanh", dense_weights(rng, [3, 8, 4]))
    d = mlp([8], 1, "tanh", dense_weights(rng, [4, 8, 1], last_scale=0.5))
    before = [w.copy() for w in d.get_weights() + g.get_weights()]
    gan = FixedLatentGAN(g, d, seed=0, data_range=None)
    optimizers = [keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)]
    if scale is not None:
        # The default first scale, 2**15, overflows this penalty's float16
        # gradients: dynamic scaling would skip steps until it fits.
        optimizers = [
            keras.optimizers.LossScaleOptimizer(opt, initial_scale=scale)
            for opt in optimizers
        ]
    gan.compile(*optimizers, loss="wgan", penalties=["gp"])
    logs = gan.fit(X4, batch_size=4, epochs=1, verbose=0, shuffle=False).history
    after = d.get_weights() + g.get_weights()
    return (
        gan,
        {k: v[0] for k, v in logs.items()},
        [a - b for a, b in zip(after, before)],
    )


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_wgan_gp_step_matches_float32(policy):
    gan, logs16, updates16 = wgan_gp_step(scale=2.0**10)
    assert float(keras.ops.convert_to_numpy(gan.d_optimizer.scale_loss(1.0))) == 2**10
    assert gan.discriminator.layers[1].compute_dtype == "float16"
    keras.mixed_precision.set_global_policy("float32")
    _, logs32, updates32 = wgan_gp_step()
    for key in ("d_loss", "gradient_penalty", "g_loss"):
        assert logs16[key] == pytest.approx(logs32[key], rel=1e-2, abs=1e-3), key
    # Each network's update (all its weights as one vector): float16 rounding
    # stays within 1e-2 of the float32 update.
    for network in (slice(0, 4), slice(4, None)):
        u16 = np.concatenate([u.ravel() for u in updates16[network]])
        u32 = np.concatenate([u.ravel() for u in updates32[network]])
        assert np.linalg.norm(u16 - u32) <= 1e-2 * np.linalg.norm(u32)


def tiny_output_critic(output_weight):
    """D(x) = w2 . (W1^T x + b1): input gradient W1 w2, whatever x."""
    rng = np.random.default_rng(1)
    w1 = rng.uniform(0.5, 1.0, (4, 3)).astype("float32") * 1e-3
    w2 = np.full((3, 1), output_weight, "float32")
    d = mlp([3], 1, None, [w1, np.zeros(3, "float32"), w2, np.zeros(1, "float32")])
    # The float16 values the layers compute with, in float64.
    grad = w1.astype("float16").astype("float64") @ w2.astype("float16").astype(
        "float64"
    )
    return d, grad[:, 0]


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_scaled_input_gradient_does_not_underflow(policy):
    # Input gradients ~3e-8, under float16's smallest subnormal (6e-8).
    d, grad = tiny_output_critic(1e-5)
    assert np.abs(grad).max() < 6e-8
    expected = 0.5 * np.sum(grad**2)  # R1 with gamma = 1
    r1 = penalties.R1Penalty(gamma=1.0)
    unscaled = DiscriminatorView(d)
    scaled = DiscriminatorView(d, loss_scale=2.0**15)
    wrong = float(keras.ops.convert_to_numpy(r1(unscaled, X4, X4)))
    right = float(keras.ops.convert_to_numpy(r1(scaled, X4, X4)))
    assert abs(wrong - expected) > 0.5 * expected  # underflow: the bug
    assert right == pytest.approx(expected, rel=1e-2, abs=0)
    # The model scales with its discriminator optimizer's loss scale.
    g = mlp([], 4, None, dense_weights(np.random.default_rng(2), [3, 4]))
    gan = FixedLatentGAN(g, d, seed=0, data_range=None)
    gan.compile(loss="wgan", penalties=[r1])
    _, logs = gan.compute_discriminator_loss(keras.ops.convert_to_tensor(X4))
    got = float(keras.ops.convert_to_numpy(logs["r1_penalty"]))
    assert got == pytest.approx(expected, rel=1e-2, abs=0)


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_overflowing_scaled_input_gradient_skips_the_step(policy):
    # Output weight 8: the penalty's scaled float16 gradient (32768 * 8 per
    # sample) overflows, the loss's (32768 / 4 * 8) does not. The step is
    # skipped and the scale halved, as for any overflow, and the logs stay
    # finite (`fit` would stop on an infinite penalty).
    d, _ = tiny_output_critic(8.0)
    before = d.get_weights()
    g = mlp([], 4, None, dense_weights(np.random.default_rng(2), [3, 4]))
    gan = FixedLatentGAN(g, d, seed=0, data_range=None)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), "wgan", ["r1"])
    logs = gan.fit(X4, batch_size=4, epochs=1, verbose=0).history
    assert logs["r1_penalty"][0] == 0.0
    assert all(np.isfinite(v[0]) for v in logs.values())
    for a, b in zip(d.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    scale = keras.ops.convert_to_numpy(gan.d_optimizer.scale_loss(1.0))
    assert float(scale) == 2.0**14
