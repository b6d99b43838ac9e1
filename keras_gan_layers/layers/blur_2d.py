"""Blur2D: StyleGAN2's FIR filter with zero-insertion up- and downsampling."""

import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg


def fir_kernel(kernel, layer, name="kernel"):
    """A 1-D FIR kernel as float64 numpy, normalized to sum 1, or a ValueError."""
    try:
        values = np.asarray(kernel, dtype="float64")
    except (TypeError, ValueError):
        values = None
    if (
        values is None
        or values.ndim != 1
        or values.size == 0
        or not np.all(np.isfinite(values))
        or values.sum() == 0.0
    ):
        raise ValueError(
            f"{layer} needs a non-empty 1-D sequence of finite numbers with a "
            f"non-zero sum as {name}. Received: {name}={kernel!r}"
        )
    return values / values.sum()


def upfirdn_padding(taps, up, down):
    """`(pad_before, pad_after)` giving `floor(size * up / down)` outputs.

    The padding of StyleGAN2's `upsample_2d` (`down=1`), `downsample_2d`
    (`up=1`) and blur (`up=down=1`); both factors at once generalize them.
    A negative value crops.
    """
    return (taps + up - down) // 2, (taps - up - down + 1) // 2


def upfirdn2d(x, kernel, up=1, down=1, pad=(0, 0), gain=1.0):
    """Upsample, pad, filter and downsample an NHWC tensor, channel by channel.

    `x` is upsampled by inserting `up - 1` zeros after every pixel along the
    height and the width, padded by `pad = (before, after)` zeros on both
    spatial axes (negative values crop), convolved (a true convolution, the
    kernel flipped) with the separable kernel `gain * outer(kernel, kernel)`
    and every `down`-th pixel is kept: `upfirdn2d` of StyleGAN2. `kernel` is
    a 1-D numpy array used as given (no normalization); the channel count of
    `x` must be static.
    """
    channels = x.shape[-1]
    if up > 1:
        shape = ops.shape(x)
        height, width = shape[1], shape[2]
        x = ops.reshape(x, (-1, height, 1, width, 1, channels))
        x = ops.pad(x, [[0, 0], [0, 0], [0, up - 1], [0, 0], [0, up - 1], [0, 0]])
        x = ops.reshape(x, (-1, height * up, width * up, channels))
    before, after = pad
    if before > 0 or after > 0:
        grow = [max(before, 0), max(after, 0)]
        x = ops.pad(x, [[0, 0], grow, grow, [0, 0]])
    if before < 0 or after < 0:
        start = max(-before, 0)
        stop = -max(-after, 0) or None
        x = x[:, start:stop, start:stop, :]
    flipped = np.asarray(kernel, dtype="float64")[::-1]
    taps = flipped.size

    def depthwise(x, filters, strides):
        filters = np.tile(filters[:, :, None, None], (1, 1, channels, 1))
        filters = ops.convert_to_tensor(filters.astype("float32"), dtype=x.dtype)
        return ops.depthwise_conv(x, filters, strides=strides, padding="valid")

    if down > 1:
        # One 2-D pass with equal strides: TensorFlow's CPU depthwise kernel
        # rejects strides (down, 1) on some machines and dtypes ("only
        # supports equal length strides"; seen in float16).
        return depthwise(x, np.outer(flipped * gain, flipped), (down, down))
    x = depthwise(x, (flipped * gain).reshape(taps, 1), (1, 1))  # vertical
    return depthwise(x, flipped.reshape(1, taps), (1, 1))  # horizontal


@keras_gan_export()
class Blur2D(keras.layers.Layer):
    """Low-pass FIR filter with optional up/downsampling (StyleGAN2 upfirdn2d).

    Each channel of an NHWC input of size `(height, width)` is

    1. upsampled by `up` by inserting `up - 1` zeros after every pixel
       (along both spatial axes),
    2. padded with zeros as StyleGAN2's `upsample_2d` / `downsample_2d`
       helpers do (a "same"-style padding, see below),
    3. convolved with the separable 2-D kernel
       `gain * up**2 * outer(k, k)`, where `k = kernel / sum(kernel)`: the
       2-D kernel sums to `gain * up**2`, so with `gain=1` the mean of the
       image is kept after zero insertion,
    4. downsampled by `down` (every `down`-th pixel is kept).

    The output has `floor(height * up / down)` rows and
    `floor(width * up / down)` columns. The padding before and after each
    spatial axis is `((taps + up - down) // 2, (taps - up - down + 1) // 2)`
    for a kernel of `taps` taps, which is exactly StyleGAN2's padding for
    `upsample_2d` (`down=1`), `downsample_2d` (`up=1`) and its plain blur
    (`up=down=1`, e.g. `(2, 1)` for `[1, 3, 3, 1]`).

    The default `kernel=(1, 3, 3, 1)` is the binomial filter of StyleGAN2
    (`[1, 2, 1]` is the one of the progressive GAN follow-ups). The layer has
    no weights; it runs a depthwise convolution per spatial axis.

    Args:
        kernel: 1-D sequence of filter taps (any non-zero sum; normalized).
        up: Int >= 1, upsampling factor.
        down: Int >= 1, downsampling factor.
        gain: Float, overall scale of the filter.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor of shape `(batch, height, width, channels)`.

    Returns:
        A tensor of shape
        `(batch, height * up // down, width * up // down, channels)`.

    Raises:
        ValueError: If `kernel` is not a non-empty 1-D sequence of finite
            numbers with a non-zero sum, `up` or `down` is not an integer
            >= 1, `gain` is not a finite number, the input is not of rank 4
            or its channels are unknown, or the output would be empty.

    Example:

    ```python
    x = keras.random.normal((2, 8, 8, 3))
    Blur2D(up=2)(x).shape  # (2, 16, 16, 3)
    Blur2D(down=2)(x).shape  # (2, 4, 4, 3)
    ```

    Reference:
    - [Karras et al., 2020](https://arxiv.org/abs/1912.04958) (StyleGAN2)
    - [Zhang, 2019](https://arxiv.org/abs/1904.11486) (antialiased
      downsampling)
    """

    def __init__(self, kernel=(1, 3, 3, 1), up=1, down=1, gain=1.0, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self._taps = fir_kernel(kernel, name)
        self.kernel = [float(v) for v in np.asarray(kernel, dtype="float64")]
        self.up = positive_int_arg(up, "up", name)
        self.down = positive_int_arg(down, "down", name)
        if (
            isinstance(gain, bool)
            or not isinstance(gain, numbers.Real)
            or not math.isfinite(gain)
        ):
            raise ValueError(
                f"{name} needs a finite number gain. Received: gain={gain!r}"
            )
        self.gain = float(gain)

    def _output_size(self, size):
        if size is None:
            return None
        out = size * self.up // self.down
        if out < 1:
            raise ValueError(
                f"{type(self).__name__} would return an empty image: "
                f"size * up // down = {size} * {self.up} // {self.down} = {out}."
            )
        return out

    def compute_output_shape(self, input_shape):
        name = type(self).__name__
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f"{name} is called on one tensor of shape (batch, height, "
                f"width, channels). Received: input_shape={input_shape!r}"
            )
        shape = tuple(input_shape)
        if len(shape) != 4 or shape[-1] is None:
            raise ValueError(
                f"{name} needs an input of rank 4 (batch, height, width, "
                f"channels) with known channels. Received: input_shape={shape}"
            )
        return (
            shape[0],
            self._output_size(shape[1]),
            self._output_size(shape[2]),
            shape[3],
        )

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        x = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        self.compute_output_shape(x.shape)
        return upfirdn2d(
            x,
            self._taps * self.up,
            up=self.up,
            down=self.down,
            pad=upfirdn_padding(self._taps.size, self.up, self.down),
            gain=self.gain,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "kernel": list(self.kernel),
            "up": self.up,
            "down": self.down,
            "gain": self.gain,
        }
