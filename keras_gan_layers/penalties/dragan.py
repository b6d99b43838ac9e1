"""DRAGAN gradient penalty around the real data."""

from keras import ops, random

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.penalties.base import (
    Penalty,
    batch_broadcast_shape,
    discriminator_input_gradient,
    per_sample_norm,
)


@keras_gan_export()
class DRAGANPenalty(Penalty):
    """DRAGAN penalty: gradient norm pushed to `target` near the real data.

    `weight * E[(||grad D(x_hat)|| - target)^2]` with
    `x_hat = x + alpha * (x_p - x)`, `x_p = x + scale * std(x) * u`,
    `u ~ U[0, 1)` elementwise, `alpha ~ U[0, 1]` per sample, and `std(x)` the
    standard deviation of the whole real batch, as in the authors' reference
    implementation.

    Args:
        weight: lambda; 10 by default.
        target: k, the target norm; 1 by default.
        scale: C, the perturbation scale relative to `std(x)`; 0.5 by default.
        name: Log key; `"dragan_penalty"` by default.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="bce",
                penalties=[DRAGANPenalty()])
    ```

    Reference:
    - [Kodali et al., 2017](https://arxiv.org/abs/1705.07215)
    """

    default_name = "dragan_penalty"
    uses_input_gradient = True

    def __init__(self, weight=10.0, target=1.0, scale=0.5, name=None):
        super().__init__(weight=weight, name=name)
        self.target = float(target)
        self.scale = float(scale)

    def compute(self, discriminator, real, fake, seed=None):
        real = ops.convert_to_tensor(real)
        noise = random.uniform(ops.shape(real), dtype=real.dtype, seed=seed)
        perturbed = real + self.scale * ops.std(real) * noise
        alpha = random.uniform(batch_broadcast_shape(real), dtype=real.dtype, seed=seed)
        x_hat = real + alpha * (perturbed - real)
        grad = discriminator_input_gradient(discriminator, x_hat)
        return ops.mean(ops.square(per_sample_norm(grad) - self.target))

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "scale": self.scale,
        }
