"""Wasserstein GAN loss (critic scores)."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Critic loss `E[D(G(z))] - E[D(x)]` (minimised by the critic).

    Reference:
    - [Arjovsky et al., 2017](https://arxiv.org/abs/1701.07875)
    """
    return ops.mean(as_float32(fake_logits)) - ops.mean(as_float32(real_logits))


def wasserstein_generator_loss(fake_logits, real_logits=None):
    """Generator loss `-E[D(G(z))]`.

    Reference:
    - [Arjovsky et al., 2017](https://arxiv.org/abs/1701.07875)
    """
    return -ops.mean(as_float32(fake_logits))


@keras_gan_export()
class WassersteinLoss(GANLoss):
    """Wasserstein GAN loss.

    Critic: `E[D(G(z))] - E[D(x)]`; generator: `-E[D(G(z))]`. The critic must
    be kept (close to) 1-Lipschitz: pair it with `GradientPenalty` (WGAN-GP),
    `WeightClip` (the original WGAN) or spectral normalization. Aliases:
    `"wgan"`, `"wasserstein"`.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="wgan",
                penalties=[keras_gan_layers.penalties.GradientPenalty()],
                d_steps=5)
    ```

    Reference:
    - [Arjovsky et al., 2017](https://arxiv.org/abs/1701.07875)
    - [Gulrajani et al., 2017](https://arxiv.org/abs/1704.00028)
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return wasserstein_generator_loss(fake_logits)
