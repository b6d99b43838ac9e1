"""`Penalty`: the interface of discriminator regularisers."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import input_gradient


def per_sample_norm(x, squared=False):
    """L2 norm of each sample of `x` over all non-batch axes (float32)."""
    x = ops.cast(x, "float32")
    x = ops.reshape(x, (ops.shape(x)[0], -1))
    sq = ops.sum(ops.square(x), axis=1)
    if squared:
        return sq
    # The epsilon keeps the gradient of the norm finite at zero.
    return ops.sqrt(sq + 1e-12)


def discriminator_input_gradient(discriminator, x):
    """Per-sample gradient of the discriminator output w.r.t. its input."""
    return input_gradient(
        lambda t: discriminator(t, training=True),
        x,
        variables=getattr(discriminator, "variables", None),
    )


def batch_broadcast_shape(x):
    """Shape `(batch, 1, 1, ...)` that broadcasts one scalar per sample."""
    return (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)


@keras_gan_export()
class Penalty:
    """Base class of penalties added to the discriminator's loss.

    A penalty is called as `penalty(discriminator, real, fake, seed=None)`
    and returns a scalar that is already multiplied by its weight. `GAN`
    adds it to the discriminator loss and logs it under `name`. Randomness
    (interpolation coefficients) comes from `seed`, which `GAN` sets to its
    own `keras.random.SeedGenerator`.

    Subclasses implement `compute(discriminator, real, fake, seed)` (the
    unweighted value).

    Args:
        weight: Multiplier of the penalty.
        name: Key of the penalty in the training logs.

    Example:

    ```python
    class LogitPenalty(keras_gan_layers.penalties.Penalty):
        def compute(self, discriminator, real, fake, seed=None):
            return keras.ops.mean(keras.ops.square(discriminator(real)))
    ```
    """

    default_name = "penalty"

    def __init__(self, weight=1.0, name=None):
        weight = float(weight)
        if weight < 0:
            raise ValueError(
                f"{type(self).__name__} weight must be >= 0. Received: weight={weight}"
            )
        self.weight = weight
        self.name = name or self.default_name

    def compute(self, discriminator, real, fake, seed=None):
        """Unweighted penalty value (scalar)."""
        raise NotImplementedError

    def __call__(self, discriminator, real, fake, seed=None):
        return self.weight * ops.cast(
            self.compute(discriminator, real, fake, seed=seed), "float32"
        )

    def get_config(self):
        return {"weight": self.weight, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
