"""Learning-rate schedules the GAN papers use."""

import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate, then a linear decay to zero (CycleGAN, pix2pix).

    `lr(step) = initial_learning_rate` for `step < constant_steps`, then
    `initial_learning_rate * (1 - (step - constant_steps) / decay_steps)`,
    reaching 0 at `constant_steps + decay_steps` and staying there. The
    CycleGAN code (`lr_policy="linear"`) keeps the rate for 100 epochs and
    decays it over the next 100, once per epoch; this schedule decays per
    optimizer step (`constant_steps = 100 * steps_per_epoch`). A GAN
    optimizer counts its own updates: the discriminator's makes `d_steps`
    per `fit` step.

    Args:
        initial_learning_rate: Float > 0.
        decay_steps: Int >= 1, the steps over which the rate falls to 0.
        constant_steps: Int >= 0, the steps at the initial rate first.
        name: Optional name.

    Raises:
        ValueError: a rate that is not a float > 0, `decay_steps < 1`,
            `constant_steps < 0`.

    Example:

    ```python
    steps = epochs * steps_per_epoch
    schedule = LinearDecay(2e-4, decay_steps=steps // 2, constant_steps=steps // 2)
    model.compile(
        keras.optimizers.Adam(schedule, beta_1=0.5),
        keras.optimizers.Adam(schedule, beta_1=0.5),
    )
    ```

    Reference:
    - [Zhu et al., 2017 (CycleGAN)](https://arxiv.org/abs/1703.10593), Section 4
    """

    def __init__(self, initial_learning_rate, decay_steps, constant_steps=0, name=None):
        if (
            isinstance(initial_learning_rate, bool)
            or not isinstance(initial_learning_rate, numbers.Real)
            or not 0 < initial_learning_rate < float("inf")
        ):
            raise ValueError(
                "LinearDecay needs initial_learning_rate, a finite float > 0. "
                f"Received: initial_learning_rate={initial_learning_rate!r}"
            )
        for key, value, low in (
            ("decay_steps", decay_steps, 1),
            ("constant_steps", constant_steps, 0),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or value < low
            ):
                raise ValueError(
                    f"LinearDecay needs {key}, an int >= {low}. "
                    f"Received: {key}={value!r}"
                )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = int(decay_steps)
        self.constant_steps = int(constant_steps)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        progress = (step - self.constant_steps) / float(self.decay_steps)
        fraction = ops.clip(1.0 - progress, 0.0, 1.0)
        return self.initial_learning_rate * fraction

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "constant_steps": self.constant_steps,
            "name": self.name,
        }
