"""R1 and R2 zero-centred gradient penalties."""

import numbers

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

    Lazy regularisation (StyleGAN2, Karras et al. 2020, Appendix B):
    with `interval=k > 1` the penalty is computed only on every k-th
    discriminator update (those whose optimizer iteration count is a
    multiple of k, starting with the first), multiplied by k so that its
    average strength is unchanged, and is 0 on the others (StyleGAN2 uses
    k = 16); the steps in between skip the input gradient's cost. The log
    shows the applied value (k times the penalty, or 0), so its epoch
    mean is the average penalty.

    Args:
        gamma: Regularisation strength; the penalty is `gamma / 2` times the
            mean squared gradient norm.
        interval: Int >= 1; apply the penalty every `interval`
            discriminator updates (lazy regularisation), scaled by it.
        name: Log key; `"r1_penalty"` by default.

    Raises:
        ValueError: `interval` not an integer >= 1.

    Example:

    ```python
    gan.compile(d_optimizer, g_optimizer, loss="bce",
                penalties=[R1Penalty(gamma=1.0)])
    # StyleGAN2's lazy R1: every 16 discriminator updates, times 16.
    gan.compile(loss="bce", penalties=[R1Penalty(gamma=1.0, interval=16)])
    ```

    Reference:
    - [Mescheder et al., 2018](https://arxiv.org/abs/1801.04406), eq. 9
    - Lazy regularisation: [Karras et al., 2020](https://arxiv.org/abs/1912.04958)
    """

    default_name = "r1_penalty"
    uses_input_gradient = True

    def __init__(self, gamma=10.0, interval=1, name=None):
        super().__init__(weight=float(gamma) / 2.0, name=name)
        if (
            isinstance(interval, bool)
            or not isinstance(interval, numbers.Integral)
            or interval < 1
        ):
            raise ValueError(
                f"{type(self).__name__} interval must be an integer >= 1 (1: "
                f"every discriminator update). Received: interval={interval!r}"
            )
        self.gamma = float(gamma)
        self.interval = int(interval)

    def _samples(self, real, fake):
        return real

    def compute(self, discriminator, real, fake, seed=None):
        x = ops.convert_to_tensor(self._samples(real, fake))
        grad = discriminator_input_gradient(discriminator, x)
        return ops.mean(per_sample_norm(grad, squared=True))

    def get_config(self):
        return {"gamma": self.gamma, "interval": self.interval, "name": self.name}


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
