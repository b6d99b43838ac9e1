"""Penalty forward passes read the discriminator's state and never write it.

A gradient penalty runs the discriminator once more, in training mode; the
batch-normalization moving statistics and the spectral-normalization
power-iteration vector must come out of a `GAN` step as if the penalty had
not run, on every backend. Batch normalization in a penalised
discriminator also gets a warning at `compile`.
"""

import warnings

import keras
import numpy as np
import pytest

from keras_gan_layers import GAN, penalties
from tests.helpers import constant_generator

X = np.array(
    [[0.1, 0.2], [-0.5, 0.9], [0.3, -0.4], [0.7, 0.0]], "float32"
)  # the real batch
C = np.array([0.2, -0.6], "float32")  # every fake sample (constant generator)
MOMENTUM = 0.5


def bn_critic(trainable=True):
    """Batch normalization first: its input is the batch itself, whatever the weights."""
    inputs = keras.Input((2,))
    bn = keras.layers.BatchNormalization(momentum=MOMENTUM, name="critic_bn")
    bn.trainable = trainable
    x = keras.layers.Dense(3, activation="tanh")(bn(inputs))
    return keras.Model(inputs, keras.layers.Dense(1)(x), name="critic")


def sn_critic():
    inputs = keras.Input((2,))
    sn = keras.layers.SpectralNormalization(keras.layers.Dense(3), name="critic_sn")
    x = keras.layers.Activation("tanh")(sn(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    init = np.random.default_rng(3)
    model.set_weights([init.normal(size=w.shape) for w in model.get_weights()])
    return model


def one_step(discriminator, penalty_list, d_lr=0.1):
    gan = GAN(constant_generator(3, C), discriminator, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the batch-norm warning
        gan.compile(
            d_optimizer=keras.optimizers.SGD(d_lr),
            g_optimizer=keras.optimizers.SGD(0.1),
            loss="wgan",
            penalties=penalty_list,
        )
    gan.fit(X, batch_size=4, epochs=1, verbose=0, shuffle=False)
    return gan


@pytest.mark.parametrize("penalty", ["gp", "r1", "dragan"])
def test_batch_norm_statistics_ignore_the_penalty_pass(penalty):
    gan = one_step(bn_critic(), [penalty])
    bn = gan.discriminator.get_layer("critic_bn")
    # Three training-mode calls: real and fake (discriminator update), fake
    # (generator update). Keras' rule: moving = m * moving + (1 - m) * batch,
    # with the biased batch variance; the fakes have zero variance.
    mean, var = np.zeros(2), np.ones(2)
    for batch in (X, np.tile(C, (4, 1)), np.tile(C, (4, 1))):
        mean = MOMENTUM * mean + (1 - MOMENTUM) * batch.mean(axis=0)
        var = MOMENTUM * var + (1 - MOMENTUM) * batch.var(axis=0)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_mean), mean, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(bn.moving_variance), var, rtol=1e-5, atol=1e-6
    )


def test_spectral_norm_vector_ignores_the_penalty_pass():
    # With a zero discriminator learning rate the penalty can only reach the
    # state through its own forward pass: the step must end as without it.
    initial = sn_critic()
    weights = initial.get_weights()
    states = {}
    for name, penalty_list in (("none", []), ("gp", ["gp"])):
        critic = sn_critic()
        critic.set_weights(weights)
        gan = one_step(critic, penalty_list, d_lr=0.0)
        sn = gan.discriminator.get_layer("critic_sn")
        states[name] = [keras.ops.convert_to_numpy(v) for v in (sn.vector_u, sn.kernel)]
    u0 = keras.ops.convert_to_numpy(initial.get_layer("critic_sn").vector_u)
    assert not np.allclose(states["none"][0], u0)  # the power iteration ran
    for got, expected in zip(states["gp"], states["none"]):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def compile_warnings(discriminator, penalty_list):
    gan = GAN(constant_generator(3, C), discriminator, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gan.compile(loss="wgan", penalties=penalty_list)
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize(
    "penalty",
    [
        penalties.GradientPenalty(),
        penalties.DRAGANPenalty(),
        penalties.R1Penalty(),
        penalties.R2Penalty(),
    ],
)
def test_gradient_penalty_with_batch_norm_warns(penalty):
    messages = [m for m in compile_warnings(bn_critic(), [penalty]) if "critic_bn" in m]
    assert len(messages) == 1, messages
    assert penalty.name in messages[0] and "section 4" in messages[0]


@pytest.mark.parametrize(
    "critic,penalty_list",
    [
        (bn_critic, []),  # no penalty
        (sn_critic, ["gp"]),  # no batch normalization
        (lambda: bn_critic(trainable=False), ["gp"]),  # frozen: moving statistics
    ],
    ids=["no_penalty", "no_batch_norm", "frozen_batch_norm"],
)
def test_no_batch_norm_warning(critic, penalty_list):
    assert not [
        m for m in compile_warnings(critic(), penalty_list) if "BatchNormalization" in m
    ]
