"""R1 and R2 zero-centred gradient penalties."""

from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.penalties.base import (
    Penalty,
    discriminator_input_gradient,
    per_sample_norm,
)


@keras_gan_export()
class R1Penalty(Penalty):
    """R1 regularisation: `gamma / 2 * E_real[||grad D(x)||^2]`.

    Penalises the discriminator's gradient on real data (zero-centred). Used
    by StyleGAN with `gamma=10` at 1024 px; smaller images want smaller gamma.

    Args:
        gamma: Regularisation strength; the penalty is `gamma / 2` times the
            mean squared gradient norm.
        name: Log key; `"r1_penalty"` by default.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="bce",
                penalties=[R1Penalty(gamma=1.0)])
    ```

    Reference:
    - [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406), eq. 9
    """

    default_name = "r1_penalty"
    uses_input_gradient = True

    def __init__(self, gamma=10.0, name=None):
        super().__init__(weight=float(gamma) / 2.0, name=name)
        self.gamma = float(gamma)

    def _samples(self, real, fake):
        return real

    def compute(self, discriminator, real, fake, seed=None):
        x = ops.convert_to_tensor(self._samples(real, fake))
        grad = discriminator_input_gradient(discriminator, x)
        return ops.mean(per_sample_norm(grad, squared=True))

    def get_config(self):
        return {"gamma": self.gamma, "name": self.name}


@keras_gan_export()
class R2Penalty(R1Penalty):
    """R2 regularisation: `gamma / 2 * E_fake[||grad D(G(z))||^2]`.

    The R1 penalty evaluated on generated samples instead of real ones.

    Args:
        gamma: Regularisation strength.
        name: Log key; `"r2_penalty"` by default.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, penalties=[R1Penalty(), R2Penalty()])
    ```

    Reference:
    - [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406), eq. 10
    """

    default_name = "r2_penalty"

    def _samples(self, real, fake):
        return fake
