"""Adversarial losses: `GANLoss` classes, plain functions and `get`."""

from keras_gan_layers.losses.base import GANLoss
from keras_gan_layers.losses.hinge import (
    HingeLoss,
    hinge_discriminator_loss,
    hinge_generator_loss,
)
from keras_gan_layers.losses.least_squares import (
    LeastSquaresLoss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
)
from keras_gan_layers.losses.minimax import (
    MinimaxLoss,
    minimax_discriminator_loss,
    minimax_generator_loss,
)
from keras_gan_layers.losses.non_saturating import (
    NonSaturatingLoss,
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
)
from keras_gan_layers.losses.registry import ALIASES, deserialize, get, serialize
from keras_gan_layers.losses.relativistic_average import (
    RelativisticAverageLoss,
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
)
from keras_gan_layers.losses.wasserstein import (
    WassersteinLoss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
