"""Every loss against a numpy transcription of its paper's formula."""

import numpy as np
import pytest
from keras import ops

from keras_gan_layers import losses

REAL = np.array([[2.0], [-1.0], [0.5], [3.0]], dtype="float32")
FAKE = np.array([[0.5], [-3.0], [1.5], [-0.2]], dtype="float32")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype("float64")))


def value(x):
    return float(ops.convert_to_numpy(x))


def test_minimax():
    d = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    g = np.mean(np.log(1 - sigmoid(FAKE)))
    loss = losses.MinimaxLoss()
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(loss.generator_loss(FAKE)) == pytest.approx(g, rel=1e-6)
    assert value(losses.minimax_discriminator_loss(REAL, FAKE)) == pytest.approx(
        d, rel=1e-6
    )
    # At D = 1/2 everywhere the discriminator loss is 2 log 2 (the paper's optimum value).
    zeros = np.zeros((5, 1), "float32")
    assert value(loss.discriminator_loss(zeros, zeros)) == pytest.approx(
        2 * np.log(2), rel=1e-6
    )


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_non_saturating(smoothing):
    t = 1.0 - smoothing
    d = np.mean(
        -(t * np.log(sigmoid(REAL)) + (1 - t) * np.log(1 - sigmoid(REAL)))
    ) - np.mean(np.log(1 - sigmoid(FAKE)))
    g = -np.mean(np.log(sigmoid(FAKE)))
    loss = losses.NonSaturatingLoss(label_smoothing=smoothing)
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(loss.generator_loss(FAKE)) == pytest.approx(g, rel=1e-6)
    assert value(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(
        g, rel=1e-6
    )


def test_non_saturating_is_stable_for_large_logits():
    big = np.array([[80.0], [-80.0]], "float32")
    assert np.isfinite(value(losses.NonSaturatingLoss().discriminator_loss(big, -big)))
    # softplus(80) = 80 to float precision: -log(1 - sigmoid(80)) = 80.
    assert value(
        losses.non_saturating_generator_loss(np.array([[-80.0]], "float32"))
    ) == pytest.approx(80.0)


def test_label_smoothing_range():
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.NonSaturatingLoss(label_smoothing=1.0)


@pytest.mark.parametrize("a,b,c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_least_squares(a, b, c):
    d = 0.5 * np.mean((REAL - b) ** 2) + 0.5 * np.mean((FAKE - a) ** 2)
    g = 0.5 * np.mean((FAKE - c) ** 2)
    loss = losses.LeastSquaresLoss(a=a, b=b, c=c)
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(loss.generator_loss(FAKE)) == pytest.approx(g, rel=1e-6)


def test_wasserstein():
    loss = losses.WassersteinLoss()
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(
        FAKE.mean() - REAL.mean(), rel=1e-6
    )
    assert value(loss.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


def test_hinge():
    d = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
    loss = losses.HingeLoss()
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(loss.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)
    # Hand-computed: relu(1-2)+relu(1+1)+relu(1-0.5)+relu(1-3) = 0+2+0.5+0 -> 2.5/4;
    # relu(1+0.5)+relu(1-3)+relu(1+1.5)+relu(1-0.2) = 1.5+0+2.5+0.8 -> 4.8/4.
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(
        2.5 / 4 + 4.8 / 4, rel=1e-6
    )


def test_relativistic_average():
    real_rel = REAL - FAKE.mean()
    fake_rel = FAKE - REAL.mean()
    d = -np.mean(np.log(sigmoid(real_rel))) - np.mean(np.log(1 - sigmoid(fake_rel)))
    g = -np.mean(np.log(sigmoid(fake_rel))) - np.mean(np.log(1 - sigmoid(real_rel)))
    loss = losses.RelativisticAverageLoss()
    assert loss.requires_real_logits_for_generator
    assert value(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(loss.generator_loss(FAKE, REAL)) == pytest.approx(g, rel=1e-6)
    with pytest.raises(ValueError, match="real_logits"):
        loss.generator_loss(FAKE)


def test_losses_accept_flat_and_column_logits():
    loss = losses.HingeLoss()
    assert value(loss.discriminator_loss(REAL[:, 0], FAKE[:, 0])) == pytest.approx(
        value(loss.discriminator_loss(REAL, FAKE))
    )


@pytest.mark.parametrize(
    "alias,cls",
    [
        ("bce", losses.NonSaturatingLoss),
        ("minimax", losses.MinimaxLoss),
        ("lsgan", losses.LeastSquaresLoss),
        ("wgan", losses.WassersteinLoss),
        ("hinge", losses.HingeLoss),
        ("ragan", losses.RelativisticAverageLoss),
        ("HINGE", losses.HingeLoss),
        ("HingeLoss", losses.HingeLoss),
    ],
)
def test_get_alias(alias, cls):
    assert type(losses.get(alias)) is cls


def test_get_instance_and_config_round_trip():
    original = losses.LeastSquaresLoss(a=-1.0, b=1.0, c=0.0)
    assert losses.get(original) is original
    config = losses.serialize(original)
    assert config["registered_name"] == "keras_gan_layers>LeastSquaresLoss"
    restored = losses.get(config)
    assert type(restored) is losses.LeastSquaresLoss
    assert restored.get_config() == original.get_config()
    smooth = losses.deserialize(losses.serialize(losses.NonSaturatingLoss(0.1)))
    assert smooth.label_smoothing == pytest.approx(0.1)


def test_get_unknown_name_lists_valid_ones():
    with pytest.raises(
        ValueError, match="Unknown GAN loss: 'wasserstien'.*bce.*hinge.*wgan"
    ):
        losses.get("wasserstien")


def test_get_bad_type():
    with pytest.raises(ValueError, match="Could not interpret GAN loss"):
        losses.get(3)
