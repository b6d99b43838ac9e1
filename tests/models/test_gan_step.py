"""One training step of GAN against updates computed by hand.

D(x) = w . x + b (linear), G(z) = z K + c with K = 0, so every fake is c.
With plain SGD the updates have closed forms, which pins down the order of
the updates (discriminator first, generator against the updated
discriminator), d_steps, and the logged values.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from tests.helpers import constant_generator, linear_discriminator

LR = 0.1
W = np.array([0.5, -0.3])
B = 0.1
C = np.array([0.2, 0.4])
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def make_gan(loss, d_steps=1):
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, B), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        g_optimizer=keras.optimizers.SGD(LR),
        loss=loss,
        d_steps=d_steps,
    )
    return gan


def weights(gan):
    d_kernel, d_bias = gan.discriminator.get_weights()
    _, g_bias = gan.generator.get_weights()
    return d_kernel[:, 0], d_bias[0], g_bias


@pytest.mark.parametrize("d_steps", [1, 2, 3])
def test_wasserstein_step(d_steps):
    gan = make_gan("wgan", d_steps)
    history = gan.fit(
        X.astype("float32"), batch_size=4, epochs=1, verbose=0, shuffle=False
    )
    xbar = X.mean(axis=0)
    # d/dw [w.c - w.xbar] = c - xbar, constant in w: each D step moves w by the same amount.
    w = W.copy()
    for _ in range(d_steps):
        last_d_loss = w @ (C - xbar)
        last_real, last_fake = w @ xbar + B, w @ C + B
        w = w - LR * (C - xbar)
    g_loss = -(w @ C + B)
    c = C + LR * w  # d/dc [-(w.c + b)] = -w
    d_kernel, d_bias, g_bias = weights(gan)
    np.testing.assert_allclose(d_kernel, w, rtol=1e-5)
    np.testing.assert_allclose(d_bias, B, rtol=1e-5)
    np.testing.assert_allclose(g_bias, c, rtol=1e-5)
    logs = {k: v[0] for k, v in history.history.items()}
    assert logs["d_loss"] == pytest.approx(last_d_loss, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(g_loss, rel=1e-5)
    assert logs["real_score"] == pytest.approx(last_real, rel=1e-5)
    assert logs["fake_score"] == pytest.approx(last_fake, rel=1e-5)
    assert logs["loss"] == pytest.approx(last_d_loss + g_loss, rel=1e-5)
    assert int(gan.d_optimizer.iterations) == d_steps
    assert int(gan.g_optimizer.iterations) == 1


def test_bce_step():
    gan = make_gan("bce")
    history = gan.fit(X.astype("float32"), batch_size=4, epochs=1, verbose=0)
    s_real = X @ W + B
    s_fake = C @ W + B
    d_loss = np.mean(np.log1p(np.exp(-s_real))) + np.log1p(np.exp(s_fake))
    # d/ds softplus(-s) = -sigmoid(-s); d/ds softplus(s) = sigmoid(s)
    grad_w = np.mean(-sigmoid(-s_real)[:, None] * X, axis=0) + sigmoid(s_fake) * C
    grad_b = np.mean(-sigmoid(-s_real)) + sigmoid(s_fake)
    w1, b1 = W - LR * grad_w, B - LR * grad_b
    s1 = C @ w1 + b1
    g_loss = np.log1p(np.exp(-s1))
    c1 = C - LR * (-sigmoid(-s1) * w1)
    d_kernel, d_bias, g_bias = weights(gan)
    np.testing.assert_allclose(d_kernel, w1, rtol=1e-5)
    np.testing.assert_allclose(d_bias, b1, rtol=1e-5)
    np.testing.assert_allclose(g_bias, c1, rtol=1e-5)
    assert history.history["d_loss"][0] == pytest.approx(d_loss, rel=1e-5)
    assert history.history["g_loss"][0] == pytest.approx(g_loss, rel=1e-5)


def test_gradient_penalty_enters_discriminator_update():
    # Linear D: GP = lambda (||w|| - 1)^2, gradient 2 lambda (||w|| - 1) w / ||w||.
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, B), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        g_optimizer=keras.optimizers.SGD(LR),
        loss="wgan",
        penalties=["gp"],
    )
    history = gan.fit(X.astype("float32"), batch_size=4, epochs=1, verbose=0)
    norm = np.linalg.norm(W)
    grad = (C - X.mean(axis=0)) + 2 * 10.0 * (norm - 1) * W / norm
    d_kernel, _, _ = weights(gan)
    np.testing.assert_allclose(d_kernel, W - LR * grad, rtol=1e-5)
    assert history.history["gradient_penalty"][0] == pytest.approx(
        10.0 * (norm - 1) ** 2, rel=1e-5
    )
    assert history.history["loss"][0] == pytest.approx(
        history.history["d_loss"][0]
        + history.history["gradient_penalty"][0]
        + history.history["g_loss"][0],
        rel=1e-5,
    )


def test_relativistic_generator_step_uses_real_logits():
    gan = make_gan("ragan")
    history = gan.fit(X.astype("float32"), batch_size=4, epochs=1, verbose=0)
    d_kernel, d_bias, _ = weights(gan)
    s_real = X @ d_kernel + d_bias
    s_fake = C @ d_kernel + d_bias
    g_loss = np.mean(np.log1p(np.exp(-(s_fake - s_real.mean())))) + np.mean(
        np.log1p(np.exp(s_real - s_fake))
    )
    assert history.history["g_loss"][0] == pytest.approx(g_loss, rel=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="jit_compile=True means torch.compile here",
)
def test_wasserstein_gp_step_with_jit_compile():
    """XLA on TensorFlow (jax.jit is the JAX default): same closed-form step."""
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, B), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        g_optimizer=keras.optimizers.SGD(LR),
        loss="wgan",
        penalties=["gp"],
        jit_compile=True,
    )
    assert gan.jit_compile is True
    gan.fit(X.astype("float32"), batch_size=4, epochs=1, verbose=0)
    norm = np.linalg.norm(W)
    grad = (C - X.mean(axis=0)) + 2 * 10.0 * (norm - 1) * W / norm
    d_kernel, _, _ = weights(gan)
    np.testing.assert_allclose(d_kernel, W - LR * grad, rtol=1e-5)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
@pytest.mark.parametrize("source", ["generator", "filtered dataset"])
def test_logs_over_an_input_of_unknown_length(method, source):
    # Keras runs the step on a generator (or a dataset of unknown
    # cardinality) until the input fails inside the step; that last call
    # must not count as a batch, nor as an optimizer step, nor draw from
    # the seed stream. Learning rate 0: the weights stay, so both batches
    # of 2 have the closed-form losses of the start.
    if source == "filtered dataset":
        if keras.backend.backend() != "tensorflow":
            pytest.skip("tf.data input: the TensorFlow pass")
        import tensorflow as tf

        data = lambda: (  # noqa: E731
            tf.data.Dataset.from_tensor_slices(X.astype("float32"))
            .filter(lambda x: True)
            .batch(2)
        )
    else:
        data = lambda: ((X[i : i + 2].astype("float32"),) for i in (0, 2))  # noqa: E731
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, B), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.0),
        g_optimizer=keras.optimizers.SGD(0.0),
        loss="bce",
    )
    if method == "fit":
        logs = {k: v[0] for k, v in gan.fit(data(), verbose=0).history.items()}
        assert int(gan.d_optimizer.iterations) == 2
        assert int(gan.g_optimizer.iterations) == 2
        # The seed stream where 2 steps on arrays leave it.
        arrays = GAN(constant_generator(3, C), linear_discriminator(2, W, B), seed=0)
        arrays.compile(loss="bce")
        arrays.fit(X.astype("float32"), batch_size=2, shuffle=False, verbose=0)
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(gan.seed_generator.state),
            keras.ops.convert_to_numpy(arrays.seed_generator.state),
        )
    else:
        logs = gan.evaluate(data(), verbose=0, return_dict=True)
    s_real, s_fake = X @ W + B, C @ W + B
    d_loss = np.mean(np.log1p(np.exp(-s_real))) + np.log1p(np.exp(s_fake))
    assert logs["d_loss"] == pytest.approx(d_loss, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(np.log1p(np.exp(-s_fake)), rel=1e-5)
