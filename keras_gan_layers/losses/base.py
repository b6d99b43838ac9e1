"""`GANLoss`: the interface every adversarial loss implements."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export


def as_float32(logits):
    """Logits as float32, so losses stay accurate under mixed precision."""
    return ops.cast(logits, "float32")


@keras_gan_export()
class GANLoss:
    """Base class of adversarial losses.

    A GAN loss works on discriminator outputs (logits or critic scores) and
    never sees the networks. Subclasses implement `discriminator_loss` and
    `generator_loss`; both return a scalar that the corresponding network
    minimises, averaged over the batch.

    Args:
        name: Name of the loss, used in configs.

    Example:

    ```python
    class MyLoss(keras_gan_layers.losses.GANLoss):
        def discriminator_loss(self, real_logits, fake_logits):
            return keras.ops.mean(fake_logits) - keras.ops.mean(real_logits)

        def generator_loss(self, fake_logits, real_logits=None):
            return -keras.ops.mean(fake_logits)
    ```
    """

    #: Whether `generator_loss` needs the discriminator's outputs on real
    #: data (relativistic losses). The training step computes them only then.
    requires_real_logits_for_generator = False

    def __init__(self, name=None):
        self.name = name or _default_name(type(self).__name__)

    def discriminator_loss(self, real_logits, fake_logits):
        """Loss the discriminator minimises. Returns a scalar."""
        raise NotImplementedError

    def generator_loss(self, fake_logits, real_logits=None):
        """Loss the generator minimises. Returns a scalar."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _default_name(class_name):
    out = []
    for i, ch in enumerate(class_name):
        if ch.isupper() and i and not class_name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def require_real_logits(real_logits, loss_name):
    if real_logits is None:
        raise ValueError(
            f"{loss_name}.generator_loss needs the discriminator's outputs on "
            "real data: call generator_loss(fake_logits, real_logits). "
            "Received: real_logits=None."
        )
