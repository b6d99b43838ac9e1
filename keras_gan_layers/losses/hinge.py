"""Hinge GAN loss."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss `E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`.

    Reference:
    - [Lim & Ye, 2017](https://arxiv.org/abs/1705.02894)
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957), equation 16
    """
    real_logits, fake_logits = as_float32(real_logits), as_float32(fake_logits)
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(ops.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits, real_logits=None):
    """Hinge generator loss `-E[D(G(z))]`.

    Reference:
    - [Lim & Ye, 2017](https://arxiv.org/abs/1705.02894)
    """
    return -ops.mean(as_float32(fake_logits))


@keras_gan_export()
class HingeLoss(GANLoss):
    """Hinge GAN loss (geometric GAN, SNGAN, SAGAN, BigGAN).

    Discriminator: `E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`.
    Generator: `-E[D(G(z))]`. Alias: `"hinge"`.

    Example:

    ```python
    loss = HingeLoss()
    ones = keras.ops.ones(2)
    float(loss.discriminator_loss(ones, -ones))  # 0.0: both margins met
    ```

    Reference:
    - [Lim & Ye, 2017](https://arxiv.org/abs/1705.02894)
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return hinge_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return hinge_generator_loss(fake_logits)
