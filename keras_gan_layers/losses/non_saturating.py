"""Non-saturating GAN loss (binary cross-entropy), with label smoothing."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.losses.base import GANLoss, as_float32


def _bce_with_logits(target, logits):
    # -[t log sigmoid(l) + (1 - t) log(1 - sigmoid(l))]
    return target * ops.softplus(-logits) + (1.0 - target) * ops.softplus(logits)


def non_saturating_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Discriminator cross-entropy with one-sided label smoothing.

    `BCE(1 - label_smoothing, real) + BCE(0, fake)`, each averaged over the
    batch. Only the real targets are smoothed (Salimans et al., 2016).

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    - [Salimans et al., 2016](https://arxiv.org/abs/1606.03498)
    """
    real_logits, fake_logits = as_float32(real_logits), as_float32(fake_logits)
    return ops.mean(_bce_with_logits(1.0 - label_smoothing, real_logits)) + (
        ops.mean(ops.softplus(fake_logits))
    )


def non_saturating_generator_loss(fake_logits, real_logits=None):
    """Non-saturating generator loss, `-E[log D(G(z))]`.

    Equals `mean(softplus(-fake_logits))`.

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661), section 3
    """
    return ops.mean(ops.softplus(-as_float32(fake_logits)))


@keras_gan_export()
class NonSaturatingLoss(GANLoss):
    """Non-saturating GAN loss: binary cross-entropy on logits.

    Discriminator: `-E[(1 - s) log D(x) + s log(1 - D(x))] - E[log(1 - D(G(z)))]`
    with one-sided label smoothing `s` (real targets only). Generator:
    `-E[log D(G(z))]`. `D = sigmoid(logits)`. Aliases: `"bce"`,
    `"non_saturating"`, `"nsgan"`.

    Args:
        label_smoothing: Float in [0, 1). Real targets become
            `1 - label_smoothing`. Salimans et al. use 0.1.

    Example:

    ```python
    loss = NonSaturatingLoss(label_smoothing=0.1)
    real_logits, fake_logits = keras.ops.ones(8), -keras.ops.ones(8)
    d = loss.discriminator_loss(real_logits, fake_logits)
    g = loss.generator_loss(fake_logits)
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    - [Salimans et al., 2016](https://arxiv.org/abs/1606.03498)
    """

    def __init__(self, label_smoothing=0.0, name=None):
        super().__init__(name=name)
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(
                "label_smoothing must be in [0, 1). "
                f"Received: label_smoothing={label_smoothing}"
            )
        self.label_smoothing = float(label_smoothing)

    def discriminator_loss(self, real_logits, fake_logits):
        return non_saturating_discriminator_loss(
            real_logits, fake_logits, self.label_smoothing
        )

    def generator_loss(self, fake_logits, real_logits=None):
        return non_saturating_generator_loss(fake_logits)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
