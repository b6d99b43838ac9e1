"""AdaptiveInstanceNormalization: instance norm with a scale and shift from a style."""

import math
import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class AdaptiveInstanceNormalization(keras.layers.Layer):
    """Instance normalization whose scale and shift come from a style vector.

    Called on `[x, w]`: the features `x` of shape
    `(batch, height, width, channels)` are normalized per sample and per
    channel over the spatial axes, then each sample gets the scale and shift
    given by its style vector `w` of shape `(batch, w_dim)`:

    - `x_norm = (x - mean) / sqrt(variance + epsilon)`, mean and (biased)
      variance over `(height, width)`;
    - `scale = w @ scale_kernel_eff + scale_bias` (`scale_bias` starts at
      1, so the layer starts close to plain instance normalization);
    - `shift = w @ shift_kernel_eff + shift_bias` (`shift_bias` starts at 0);
    - `output = scale * x_norm + shift`.

    The learned affine map from `w` to the styles is StyleGAN's `style_mod`
    (a dense layer with the equalized learning rate and gain 1): the stored
    kernels, of shape `(w_dim, channels)`, are drawn from `N(0, 1)` and
    applied as `kernel / sqrt(w_dim)` (`effective_scale_kernel`,
    `effective_shift_kernel`).

    The normalization is computed in float32 (also under mixed precision)
    and the output is cast to the compute dtype.

    Args:
        epsilon: Small float > 0 added to the variance (StyleGAN: 1e-8).
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A list `[x, w]`: `x` of shape
            `(batch, height, width, channels)` (or any rank >= 3, the
            normalized axes being all but the first and the last), `w` of
            shape `(batch, w_dim)`.

    Returns:
        A tensor of the shape of `x`.

    Raises:
        ValueError: If `epsilon <= 0`, the layer is not called on a list
            `[x, w]`, `x` has rank < 3 or unknown channels, or `w` is not of
            shape `(batch, w_dim)` with a known `w_dim`.

    Example:

    ```python
    layer = AdaptiveInstanceNormalization()
    x = keras.random.normal((2, 8, 8, 16))
    w = keras.random.normal((2, 64))
    layer([x, w]).shape  # (2, 8, 8, 16)
    ```

    Reference:
    - [Huang & Belongie, 2017](https://arxiv.org/abs/1703.06868)
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if isinstance(epsilon, bool) or not (
            isinstance(epsilon, numbers.Real) and epsilon > 0
        ):
            raise ValueError(
                f"{type(self).__name__} needs epsilon > 0. Received: epsilon={epsilon!r}"
            )
        self.epsilon = float(epsilon)
        self.scale_kernel = None
        self.scale_bias = None
        self.shift_kernel = None
        self.shift_bias = None

    def _split(self, inputs):
        name = type(self).__name__
        if (
            not isinstance(inputs, (list, tuple))
            or len(inputs) != 2
            or isinstance(inputs[0], (numbers.Integral, type(None)))
        ):
            raise ValueError(
                f"{name} is called on a list [x, w]. Received: inputs={inputs!r}"
            )
        x_shape, w_shape = tuple(inputs[0].shape), tuple(inputs[1].shape)
        return inputs[0], inputs[1], x_shape, w_shape

    def _check_shapes(self, x_shape, w_shape):
        name = type(self).__name__
        x_shape, w_shape = tuple(x_shape), tuple(w_shape)
        if len(x_shape) < 3 or x_shape[-1] is None:
            raise ValueError(
                f"{name} needs x of shape (batch, height, width, channels) with "
                f"known channels. Received: x.shape={x_shape}"
            )
        if len(w_shape) != 2 or w_shape[-1] is None:
            raise ValueError(
                f"{name} needs a style w of shape (batch, w_dim) with a known "
                f"w_dim. Received: w.shape={w_shape}"
            )
        if None not in (x_shape[0], w_shape[0]) and x_shape[0] != w_shape[0]:
            raise ValueError(
                f"{name} needs x and w with the same batch size. "
                f"Received: x.shape={x_shape}, w.shape={w_shape}"
            )
        return x_shape, w_shape

    @property
    def style_scale(self):
        """The run-time kernel scale `1 / sqrt(w_dim)`, once built."""
        return 1.0 / math.sqrt(int(self.scale_kernel.shape[0]))

    @property
    def effective_scale_kernel(self):
        """The kernel mapping `w` to the scales: `scale_kernel / sqrt(w_dim)`."""
        return ops.multiply(self.scale_kernel, self.style_scale)

    @property
    def effective_shift_kernel(self):
        """The kernel mapping `w` to the shifts: `shift_kernel / sqrt(w_dim)`."""
        return ops.multiply(self.shift_kernel, self.style_scale)

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} is called on a list [x, w]. "
                f"Received: input_shape={input_shape!r}"
            )
        x_shape, w_shape = self._check_shapes(*input_shape)
        channels, w_dim = x_shape[-1], w_shape[-1]
        normal = keras.initializers.RandomNormal(mean=0.0, stddev=1.0)
        self.scale_kernel = self.add_weight(
            shape=(w_dim, channels),
            name="scale_kernel",
            initializer=normal,
            autocast=False,
        )
        self.scale_bias = self.add_weight(
            shape=(channels,), name="scale_bias", initializer="ones", autocast=False
        )
        self.shift_kernel = self.add_weight(
            shape=(w_dim, channels),
            name="shift_kernel",
            initializer=normal,
            autocast=False,
        )
        self.shift_bias = self.add_weight(
            shape=(channels,), name="shift_bias", initializer="zeros", autocast=False
        )

    def call(self, inputs):
        x, w, x_shape, w_shape = self._split(inputs)
        self._check_shapes(x_shape, w_shape)
        rank = len(x_shape)
        spatial = tuple(range(1, rank - 1))
        x32 = ops.cast(x, "float32")
        mean = ops.mean(x32, axis=spatial, keepdims=True)
        centered = x32 - mean
        variance = ops.mean(ops.square(centered), axis=spatial, keepdims=True)
        x_norm = centered * ops.rsqrt(variance + self.epsilon)

        # The affine runs in float32: the variables are not autocast.
        w32 = ops.cast(w, "float32")
        scale = ops.matmul(w32, self.effective_scale_kernel) + self.scale_bias
        shift = ops.matmul(w32, self.effective_shift_kernel) + self.shift_bias
        shape = (-1,) + (1,) * (rank - 2) + (x_shape[-1],)
        outputs = ops.reshape(scale, shape) * x_norm + ops.reshape(shift, shape)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} is called on a list [x, w]. "
                f"Received: input_shape={input_shape!r}"
            )
        return self._check_shapes(*input_shape)[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
