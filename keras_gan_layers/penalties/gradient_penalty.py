"""WGAN-GP gradient penalty."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.penalties.base import (
    Penalty,
    batch_broadcast_shape,
    discriminator_input_gradient,
    per_sample_norm,
)


@keras_gan_export()
class GradientPenalty(Penalty):
    """Gradient penalty of WGAN-GP.

    `weight * E[(||grad D(x_hat)||_2 - target)^2]` with
    `x_hat = eps * real + (1 - eps) * fake`, `eps ~ U[0, 1]` drawn once per
    sample. With `one_sided=True` only norms above `target` are penalised:
    `E[max(0, ||grad D(x_hat)|| - target)^2]` (section 4 and appendix of the
    paper). Do not use batch normalization in the critic: it couples the
    samples whose per-sample gradients this penalises.

    Args:
        weight: lambda in the paper; 10 by default.
        target: Target gradient norm; 1 by default.
        one_sided: Penalise only norms above `target`.
        name: Log key; `"gradient_penalty"` by default.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="wgan",
                penalties=[GradientPenalty(weight=10.0)], d_steps=5)
    ```

    Reference:
    - [Gulrajani et al., 2017](https://arxiv.org/abs/1704.00028)
    """

    default_name = "gradient_penalty"
    uses_input_gradient = True

    def __init__(self, weight=10.0, target=1.0, one_sided=False, name=None):
        super().__init__(weight=weight, name=name)
        self.target = float(target)
        self.one_sided = bool(one_sided)

    def compute(self, discriminator, real, fake, seed=None):
        real = ops.convert_to_tensor(real)
        fake = ops.cast(fake, real.dtype)
        eps = keras.random.uniform(
            batch_broadcast_shape(real), dtype=real.dtype, seed=seed
        )
        interpolated = eps * real + (1.0 - eps) * fake
        grad = discriminator_input_gradient(discriminator, interpolated)
        excess = per_sample_norm(grad) - self.target
        if self.one_sided:
            excess = ops.relu(excess)
        return ops.mean(ops.square(excess))

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "one_sided": self.one_sided,
        }
