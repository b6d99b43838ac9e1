"""Weight clipping constraint of the original WGAN."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class WeightClip(keras.constraints.Constraint):
    """Clips every weight to `[-clip_value, clip_value]` after each update.

    The original WGAN keeps the critic Lipschitz this way. Attach it to the
    critic's layers (`kernel_constraint=WeightClip(0.01)`); Keras applies it
    after every optimizer step.

    Args:
        clip_value: Positive bound; 0.01 in the paper.

    Example:

    ```python
    layer = keras.layers.Dense(1, kernel_constraint=WeightClip(0.01))
    ```

    Reference:
    - [Arjovsky et al., 2017](https://arxiv.org/abs/1701.07875), algorithm 1
    """

    def __init__(self, clip_value=0.01):
        clip_value = float(clip_value)
        if clip_value <= 0:
            raise ValueError(
                f"clip_value must be > 0. Received: clip_value={clip_value}"
            )
        self.clip_value = clip_value

    def __call__(self, w):
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
