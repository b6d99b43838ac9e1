"""Lazy R1 (`R1Penalty(interval=k)`, StyleGAN2) against updates computed by hand.

D(x) = w . x + b (linear): its input gradient is w, so R1 = gamma / 2 |w|^2.
With the Wasserstein loss and plain SGD, each discriminator update is
`w <- w - lr * ((c - mean(x)) + due * k * gamma * w)`, where `due` is 1 on
updates 0, k, 2k, ... and 0 otherwise.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN
from keras_gan_layers.penalties import R1Penalty, R2Penalty
from tests.helpers import constant_generator, linear_discriminator

W = np.array([0.5, -0.3])
C = np.array([0.2, 0.4])
X = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32")
LR, GAMMA = 0.1, 2.0


@pytest.mark.parametrize(
    "interval, jit_compile",
    [
        (1, "auto"),
        (3, "auto"),
        # The due test reads the optimizer's iteration count inside the
        # compiled step: XLA on TensorFlow (jit is JAX's default).
        pytest.param(
            3,
            True,
            marks=pytest.mark.skipif(
                keras.backend.backend() != "tensorflow",
                reason="jit_compile=True is the default on JAX; torch.compile apart",
            ),
        ),
    ],
)
def test_lazy_r1_updates_match_hand_computation(interval, jit_compile):
    gan = GAN(constant_generator(3, C), linear_discriminator(2, W, 0.1), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        g_optimizer=keras.optimizers.SGD(0.0),
        loss="wgan",
        penalties=[R1Penalty(gamma=GAMMA, interval=interval)],
        d_steps=2,
        jit_compile=jit_compile,
    )
    epochs = 4  # 8 discriminator updates, one batch per epoch
    history = gan.fit(X, batch_size=4, epochs=epochs, verbose=0, shuffle=False)

    w, logged = W.copy(), []
    for update in range(2 * epochs):
        due = update % interval == 0
        penalty = interval * GAMMA / 2 * w @ w if due else 0.0
        logged.append(penalty)
        grad = (C - X.mean(axis=0)) + (interval * GAMMA * w if due else 0.0)
        w = w - LR * grad
    kernel = gan.discriminator.get_weights()[0][:, 0]
    np.testing.assert_allclose(kernel, w, rtol=1e-5, atol=1e-7)
    # One step an epoch; the logs are those of the step's last update.
    expected = np.asarray(logged)[1::2]
    np.testing.assert_allclose(history.history["r1_penalty"], expected, rtol=1e-5)


@pytest.mark.parametrize("interval", [0, -2, 1.5, True, "4"])
def test_bad_interval(interval):
    with pytest.raises(ValueError, match="interval must be an integer >= 1"):
        R1Penalty(interval=interval)


def test_config_keeps_interval():
    for cls in (R1Penalty, R2Penalty):
        penalty = cls(gamma=0.5, interval=16)
        clone = cls.from_config(penalty.get_config())
        assert (clone.gamma, clone.interval) == (0.5, 16)
