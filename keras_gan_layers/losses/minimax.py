"""The original minimax GAN loss (saturating generator loss)."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32


def minimax_discriminator_loss(real_logits, fake_logits):
    """Minimax discriminator loss, `-E[log D(x)] - E[log(1 - D(G(z)))]`.

    `D = sigmoid(logits)`; computed stably as
    `mean(softplus(-real)) + mean(softplus(fake))`.

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """
    real_logits, fake_logits = as_float32(real_logits), as_float32(fake_logits)
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits, real_logits=None):
    """Saturating minimax generator loss, `E[log(1 - D(G(z)))]`.

    Equals `-mean(softplus(fake_logits))`. Its gradient vanishes when the
    discriminator rejects the fakes confidently, which is why the
    non-saturating loss is the usual choice.

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """
    return -ops.mean(ops.softplus(as_float32(fake_logits)))


@keras_gan_export()
class MinimaxLoss(GANLoss):
    """The minimax GAN loss of the original paper (saturating).

    Discriminator: `-E[log D(x)] - E[log(1 - D(G(z)))]` (the sum of the two
    cross-entropies, as in the paper). Generator: `E[log(1 - D(G(z)))]`.
    `D(x) = sigmoid(logit)`. Alias: `"minimax"`.

    Example:

    ```python
    loss = MinimaxLoss()
    zeros = keras.ops.zeros(4)
    float(loss.discriminator_loss(zeros, zeros))  # 2 log 2 = 1.386...
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """

    def discriminator_loss(self, real_logits, fake_logits):
        return minimax_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits, real_logits=None):
        return minimax_generator_loss(fake_logits)
