"""MinibatchStdDev: append the minibatch standard deviation as features."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg


@keras_gan_export()
class MinibatchStdDev(keras.layers.Layer):
    """Appends the standard deviation over a group of samples as new channels.

    A discriminator layer that lets the discriminator see the variety of a
    batch, which discourages mode collapse (ProGAN). It follows StyleGAN2's
    official `minibatch_stddev_layer`, transposed to channels-last:

    1. The batch is split into groups of `G = min(group_size, batch)`
       samples; sample `i` belongs to group `i % (batch // G)`.
    2. The channels are split into `num_channels` consecutive groups.
    3. For each group of samples, the standard deviation of every feature
       over the `G` samples is computed (biased variance, then
       `sqrt(variance + 1e-8)`).
    4. Each standard deviation map is averaged over the height, the width
       and the channels of its channel group: one number per group of
       samples and channel group.
    5. These `num_channels` numbers are tiled over the height and width and
       appended to the channels of every sample of the group.

    Inputs of shape `(batch, features)` (a fully connected discriminator's
    hidden layer) are treated as `(batch, 1, 1, features)`: `num_channels`
    features are appended, each the mean over a group of features of their
    standard deviation over the group of samples.

    The statistics are computed in float32 (also under mixed precision) and
    cast to the compute dtype.

    The batch size must be divisible by `G`: a batch of 6 with
    `group_size=4` is an error. With `model.fit`, choose a batch size (and a
    dataset size, or `drop_remainder=True`) such that every batch, the last
    one included, is divisible by the group size. When the batch size is
    only known at run time, a non-divisible batch fails in the backend's
    reshape instead of with this layer's error.

    Args:
        group_size: Int, the number of samples whose standard deviation is
            computed together; smaller batches use the whole batch as one
            group. ProGAN and StyleGAN2 use 4.
        num_channels: Int, the number of channels appended (StyleGAN2's
            `num_new_features`); it must divide the number of input channels.
            ProGAN and StyleGAN2 use 1.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor of shape `(batch, height, width, channels)` or
            `(batch, features)`.

    Returns:
        A tensor of shape `(batch, height, width, channels + num_channels)`
        (or `(batch, features + num_channels)`): the inputs followed by the
        `num_channels` standard deviation maps (features).

    Raises:
        ValueError: If `group_size` or `num_channels` is not an integer
            >= 1, if the inputs are not of rank 4 or 2 or have unknown
            channels, if `num_channels` does not divide the channels, or if
            a known batch size is 0 or not divisible by
            `min(group_size, batch)`.

    Example:

    ```python
    layer = MinibatchStdDev(group_size=4)
    x = keras.random.normal((8, 4, 4, 16))
    layer(x).shape  # (8, 4, 4, 17)
    layer(keras.random.normal((8, 64))).shape  # (8, 65)
    ```

    Reference:
    - [Karras et al., 2018 (ProGAN)](https://arxiv.org/abs/1710.10196)
    - [Karras et al., 2020 (StyleGAN2)](https://arxiv.org/abs/1912.04958)
    """

    def __init__(self, group_size=4, num_channels=1, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.group_size = positive_int_arg(group_size, "group_size", name)
        self.num_channels = positive_int_arg(num_channels, "num_channels", name)

    def _check_shape(self, shape):
        name = type(self).__name__
        shape = tuple(shape)
        if len(shape) not in (2, 4):
            raise ValueError(
                f"{name} needs inputs of shape (batch, height, width, channels) "
                f"or (batch, features). Received: inputs.shape={shape}"
            )
        channels = shape[-1]
        if channels is None:
            raise ValueError(
                f"{name} needs a known number of channels. "
                f"Received: inputs.shape={shape}"
            )
        if channels % self.num_channels != 0:
            raise ValueError(
                f"{name} needs num_channels to divide the input channels. "
                f"Received: num_channels={self.num_channels}, "
                f"inputs.shape={shape}"
            )
        batch = shape[0]
        if batch == 0:
            raise ValueError(
                f"{name} needs at least one sample (the standard deviation of "
                f"an empty group is undefined). Received: inputs.shape={shape}"
            )
        if batch is not None:
            group = min(self.group_size, batch)
            if batch % group != 0:
                raise ValueError(
                    f"{name} needs a batch size divisible by the group size "
                    f"min(group_size, batch)={group}. Received: batch={batch}, "
                    f"group_size={self.group_size}"
                )
        return shape

    def build(self, input_shape):
        self._check_shape(input_shape)

    def call(self, inputs):
        static = self._check_shape(inputs.shape)
        if not keras.backend.is_float_dtype(inputs.dtype):
            # Integer inputs (Keras autocasts floats only): compute dtype,
            # so that the appended standard deviation is not truncated.
            inputs = ops.cast(inputs, self.compute_dtype)
        if len(static) == 2:  # (batch, features) as (batch, 1, 1, features)
            outputs = self.call(inputs[:, None, None, :])
            return outputs[:, 0, 0, :]
        channels = static[-1]
        dynamic = ops.shape(inputs)
        batch, height, width = (
            static[i] if static[i] is not None else dynamic[i] for i in range(3)
        )
        if isinstance(batch, int):
            group = min(self.group_size, batch)
        else:
            group = ops.minimum(self.group_size, batch)
        n = self.num_channels
        # [G, M, H, W, n, c]: sample g * M + m is in group m.
        y = ops.reshape(
            ops.cast(inputs, "float32"),
            (group, -1, height, width, n, channels // n),
        )
        y = y - ops.mean(y, axis=0, keepdims=True)
        y = ops.mean(ops.square(y), axis=0)  # [M, H, W, n, c]
        y = ops.sqrt(y + 1e-8)
        y = ops.mean(y, axis=(1, 2, 4))  # [M, n]
        y = ops.tile(y, (group, 1))  # [N, n]: row g * M + m is y[m]
        y = ops.cast(y, inputs.dtype)
        y = ops.broadcast_to(ops.reshape(y, (-1, 1, 1, n)), (batch, height, width, n))
        return ops.concatenate([inputs, y], axis=-1)

    def compute_output_shape(self, input_shape):
        shape = self._check_shape(input_shape)
        return shape[:-1] + (shape[-1] + self.num_channels,)

    def get_config(self):
        return {
            **super().get_config(),
            "group_size": self.group_size,
            "num_channels": self.num_channels,
        }
