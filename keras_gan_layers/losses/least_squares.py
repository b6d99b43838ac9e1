"""Least squares GAN loss (LSGAN)."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32


def least_squares_discriminator_loss(real_logits, fake_logits, a=0.0, b=1.0):
    """LSGAN discriminator loss, `1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]`.

    `D` is the raw discriminator output (no sigmoid).

    Reference:
    - [Mao et al., 2017](https://arxiv.org/abs/1611.04076), equation 2
    """
    real_logits, fake_logits = as_float32(real_logits), as_float32(fake_logits)
    return 0.5 * ops.mean(ops.square(real_logits - b)) + 0.5 * ops.mean(
        ops.square(fake_logits - a)
    )


def least_squares_generator_loss(fake_logits, real_logits=None, c=1.0):
    """LSGAN generator loss, `1/2 E[(D(G(z)) - c)^2]`.

    Reference:
    - [Mao et al., 2017](https://arxiv.org/abs/1611.04076), equation 2
    """
    return 0.5 * ops.mean(ops.square(as_float32(fake_logits) - c))


@keras_gan_export()
class LeastSquaresLoss(GANLoss):
    """Least squares GAN loss (LSGAN), with the paper's 1/2 factors.

    Discriminator: `1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]`.
    Generator: `1/2 E[(D(G(z)) - c)^2]`. The defaults `a=0, b=1, c=1` are the
    paper's 0-1 coding; `a=-1, b=1, c=0` satisfies its Pearson chi-square
    conditions. Aliases: `"lsgan"`, `"least_squares"`.

    Args:
        a: Target for fake samples in the discriminator loss.
        b: Target for real samples in the discriminator loss.
        c: Value the generator wants the discriminator to believe for fakes.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss=LeastSquaresLoss(a=-1, b=1, c=0))
    ```

    Reference:
    - [Mao et al., 2017](https://arxiv.org/abs/1611.04076)
    """

    def __init__(self, a=0.0, b=1.0, c=1.0, name=None):
        super().__init__(name=name)
        self.a, self.b, self.c = float(a), float(b), float(c)

    def discriminator_loss(self, real_logits, fake_logits):
        return least_squares_discriminator_loss(
            real_logits, fake_logits, self.a, self.b
        )

    def generator_loss(self, fake_logits, real_logits=None):
        return least_squares_generator_loss(fake_logits, c=self.c)

    def get_config(self):
        return {**super().get_config(), "a": self.a, "b": self.b, "c": self.c}
