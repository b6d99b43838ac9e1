"""Relativistic average GAN loss (RaSGAN)."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32, require_real_logits


def _relativistic(real_logits, fake_logits):
    real_logits, fake_logits = as_float32(real_logits), as_float32(fake_logits)
    real_rel = real_logits - ops.mean(fake_logits)
    fake_rel = fake_logits - ops.mean(real_logits)
    return real_rel, fake_rel


def relativistic_average_discriminator_loss(real_logits, fake_logits):
    """RaSGAN discriminator loss.

    `-E_x[log sigmoid(C(x) - E C(G(z)))] - E_z[log(1 - sigmoid(C(G(z)) - E C(x)))]`

    Reference:
    - [Jolicoeur-Martineau, 2018](https://arxiv.org/abs/1807.00734), eq. 20
    """
    real_rel, fake_rel = _relativistic(real_logits, fake_logits)
    return ops.mean(ops.softplus(-real_rel)) + ops.mean(ops.softplus(fake_rel))


def relativistic_average_generator_loss(fake_logits, real_logits=None):
    """RaSGAN generator loss: the discriminator loss with real and fake swapped.

    `-E_z[log sigmoid(C(G(z)) - E C(x))] - E_x[log(1 - sigmoid(C(x) - E C(G(z))))]`

    Reference:
    - [Jolicoeur-Martineau, 2018](https://arxiv.org/abs/1807.00734), eq. 21
    """
    require_real_logits(real_logits, "RelativisticAverageLoss")
    real_rel, fake_rel = _relativistic(real_logits, fake_logits)
    return ops.mean(ops.softplus(-fake_rel)) + ops.mean(ops.softplus(real_rel))


@keras_gan_export()
class RelativisticAverageLoss(GANLoss):
    """Relativistic average standard GAN loss (RaSGAN).

    The discriminator estimates how much more realistic real data is than the
    average fake (and vice versa); the generator loss needs the
    discriminator's outputs on real data, which `GAN` then computes in the
    generator step too. Aliases: `"ragan"`, `"relativistic_average"`.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="ragan")
    ```

    Reference:
    - [Jolicoeur-Martineau, 2018](https://arxiv.org/abs/1807.00734)
    """

    requires_real_logits_for_generator = True

    def discriminator_loss(self, real_logits, fake_logits):
        return relativistic_average_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return relativistic_average_generator_loss(fake_logits, real_logits)
