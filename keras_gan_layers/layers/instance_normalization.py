"""InstanceNormalization: `keras.layers.GroupNormalization` with one channel a group."""

import numbers

import keras

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class InstanceNormalization(keras.layers.GroupNormalization):
    """Instance normalization: each channel of each sample normalized on its own.

    `output = gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with the
    mean and (biased) variance of each sample and channel taken over all the
    other axes (height and width for images), and `gamma` / `beta` learned
    per channel. It is `keras.layers.GroupNormalization(groups=-1)` under a
    name of its own, for code and saved configs coming from
    tensorflow-addons' `tfa.layers.InstanceNormalization` (CycleGAN,
    pix2pix style transfer generators); the computation, the float32
    upcast under mixed precision and the weights (`gamma`, `beta`) are Keras'.

    `groups` is not an argument: it is always one group per channel, and
    `get_config` leaves it out. For configs saved by tensorflow-addons, a
    `groups` of -1 or equal to the number of channels is accepted and
    ignored; any other value is an error at build time.

    Args:
        axis: Int, the channel axis.
        epsilon: Small float added to the variance.
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned scale `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        beta_regularizer: Optional regularizer of `beta`.
        gamma_regularizer: Optional regularizer of `gamma`.
        beta_constraint: Optional constraint of `beta`.
        gamma_constraint: Optional constraint of `gamma`.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor of shape `(batch, ..., channels)` (rank >= 2; with
            rank 2 each feature is normalized over itself only).

    Returns:
        A tensor of the shape of `inputs`.

    Raises:
        ValueError: If a `groups` keyword is neither -1 nor an integer >= 1,
            or (at build) is not -1 and differs from the number of channels.

    Example:

    ```python
    layer = InstanceNormalization()
    x = keras.random.normal((2, 8, 8, 3))
    layer(x).shape  # (2, 8, 8, 3)
    ```

    Reference:
    - [Ulyanov et al., 2016](https://arxiv.org/abs/1607.08022)
    """

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        groups = kwargs.pop("groups", -1)
        if (
            isinstance(groups, bool)
            or not isinstance(groups, numbers.Integral)
            or (groups < 1 and groups != -1)
        ):
            raise ValueError(
                f"{type(self).__name__} always uses one group per channel "
                "(groups=-1); use keras.layers.GroupNormalization for other "
                f"groupings. Received: groups={groups!r}"
            )
        self._requested_groups = int(groups)
        super().__init__(
            groups=-1,
            axis=axis,
            epsilon=epsilon,
            center=center,
            scale=scale,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
            **kwargs,
        )

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(d, (list, tuple)) for d in input_shape
        ):
            raise ValueError(
                f"{type(self).__name__} is called on one tensor, not a list. "
                f"Received: input_shape={list(map(tuple, input_shape))}"
            )
        channels = input_shape[self.axis]
        if self._requested_groups not in (-1, channels):
            raise ValueError(
                f"{type(self).__name__} always uses one group per channel; use "
                "keras.layers.GroupNormalization for other groupings. "
                f"Received: groups={self._requested_groups} for {channels} "
                "channels"
            )
        super().build(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("groups", None)
        return config
