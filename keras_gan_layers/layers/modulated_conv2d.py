"""ModulatedConv2D: StyleGAN2's style-modulated, demodulated convolution."""

import math
import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.blur_2d import fir_kernel, upfirdn2d
from keras_gan_layers.layers.common import positive_int_arg, split_pair
from keras_gan_layers.layers.equalized_dense import (
    equalized_kernel_initializer,
    positive_float_arg,
    scaled_initializer,
)


@keras_gan_export()
class ModulatedConv2D(keras.layers.Layer):
    """A convolution whose weights are modulated per sample by a style vector.

    Called on `[x, w]`, with `x` of shape `(batch, height, width, channels)`
    and a style vector `w` of shape `(batch, w_dim)`, the layer

    1. maps `w` to one scale per input channel with a learned affine map
       (equalized learning rate): `s = w @ (A / sqrt(w_dim)) + b`, with `A`
       stored `N(0, 1)` and the bias `b` initialized to 1
       (`style_bias_initializer`);
    2. modulates the shared kernel `W` (stored `N(0, 1 / lr_multiplier**2)`,
       used as `W * lr_multiplier / sqrt(kernel_size**2 * channels)`):
       `W'[n, ..., i, j] = s[n, i] * W[..., i, j]` for sample `n`, input
       channel `i` and output channel `j`;
    3. with `demodulate=True`, divides each output channel by its norm:
       `W''[n, ..., j] = W'[n, ..., j] / sqrt(sum_{k, i} W'[n, k, i, j]**2 +
       epsilon)`, so that unit-variance inputs give unit-variance outputs;
    4. convolves each sample with its own kernel (`"same"` padding) and adds
       a bias (`bias * lr_multiplier`, stored `bias_initializer /
       lr_multiplier`) when `use_bias=True`.

    The per-sample kernels are never formed: the layer scales the input
    channels by `s`, runs one ordinary convolution with the shared kernel,
    and multiplies the output channels by the per-sample demodulation
    coefficients `1 / sqrt(s**2 @ sum_k W**2 + epsilon)`. This is exactly
    StyleGAN2's `fused_modconv=False` path, equal to the grouped per-sample
    convolution, and fast on every backend. The style map and the
    demodulation coefficients are computed in float32 (also under mixed
    precision).

    With `upsample=True` the output is twice as high and wide, as in
    StyleGAN2's `upsample_conv_2d`: the modulated input is upsampled 2x by
    zero insertion and convolved with the kernel (one transposed
    convolution of stride 2 with the flipped kernel), then low-pass filtered
    by the FIR filter `blur_kernel` with gain 4 (`Blur2D` with StyleGAN2's
    padding `((p + 1) // 2 + 1, p // 2 + 1)`, `p = taps - 2 - (kernel_size -
    1)`), which removes the zero-insertion images.

    No activation and no noise are applied: StyleGAN2 follows this layer
    with `NoiseInjection` and a leaky ReLU (times `sqrt(2)`).

    Args:
        filters: Int, number of output channels.
        kernel_size: Int, height and width of the (square) kernel.
        demodulate: Whether to demodulate (StyleGAN2's ToRGB layers do not).
        upsample: Whether to upsample 2x before the filter.
        lr_multiplier: Float > 0, learning-rate multiplier of the kernel and
            bias (equalized learning rate); the style map always uses 1.
        use_bias: Whether to add a bias to the output.
        epsilon: Float > 0 added to the squared norm in the demodulation.
        blur_kernel: 1-D FIR taps of the low-pass filter of `upsample=True`.
        kernel_initializer: Initializer of the stored kernel; `None` for
            `RandomNormal(stddev=1 / lr_multiplier)`.
        bias_initializer: Initializer of the effective output bias.
        style_kernel_initializer: Initializer of the stored style map `A`;
            `None` for `RandomNormal(stddev=1)`.
        style_bias_initializer: Initializer of the style bias `b` (ones: the
            styles start around 1).
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A list `[x, w]`: `x` of shape `(batch, height, width,
            channels)` and `w` of shape `(batch, w_dim)`.

    Returns:
        A tensor of shape `(batch, height, width, filters)`, or
        `(batch, 2 * height, 2 * width, filters)` with `upsample=True`.

    Raises:
        ValueError: If `filters` or `kernel_size` is not an integer >= 1,
            `lr_multiplier` or `epsilon` is not > 0, `blur_kernel` is not a
            valid 1-D FIR kernel, the layer is not called on a list `[x, w]`,
            `x` is not of rank 4, `w` is not of rank 2, or the channels of
            `x` or the size of `w` are unknown.

    Example:

    ```python
    layer = ModulatedConv2D(filters=32, kernel_size=3, upsample=True)
    x = keras.random.normal((2, 8, 8, 16))
    w = keras.random.normal((2, 64))
    layer([x, w]).shape  # (2, 16, 16, 32)
    ```

    Reference:
    - [Karras et al., 2020](https://arxiv.org/abs/1912.04958) (StyleGAN2)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        demodulate=True,
        upsample=False,
        lr_multiplier=1.0,
        use_bias=True,
        epsilon=1e-8,
        blur_kernel=(1, 3, 3, 1),
        kernel_initializer=None,
        bias_initializer="zeros",
        style_kernel_initializer=None,
        style_bias_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.filters = positive_int_arg(filters, "filters", name)
        self.kernel_size = positive_int_arg(kernel_size, "kernel_size", name)
        self.demodulate = bool(demodulate)
        self.upsample = bool(upsample)
        self.lr_multiplier = positive_float_arg(lr_multiplier, "lr_multiplier", name)
        self.use_bias = bool(use_bias)
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not epsilon > 0
        ):
            raise ValueError(f"{name} needs epsilon > 0. Received: epsilon={epsilon!r}")
        self.epsilon = float(epsilon)
        self._blur_taps = fir_kernel(blur_kernel, name, "blur_kernel")
        self.blur_kernel = [float(v) for v in blur_kernel]
        self._kernel_initializer_arg = kernel_initializer
        self.kernel_initializer = equalized_kernel_initializer(
            kernel_initializer, self.lr_multiplier
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self._style_kernel_initializer_arg = style_kernel_initializer
        self.style_kernel_initializer = equalized_kernel_initializer(
            style_kernel_initializer, 1.0
        )
        self.style_bias_initializer = keras.initializers.get(style_bias_initializer)
        self.kernel = None
        self.bias = None
        self.style_kernel = None
        self.style_bias = None

    def _shapes(self, input_shape):
        name = type(self).__name__
        x_shape, w_shape = split_pair(input_shape, name, names=("x", "w"))
        if isinstance(x_shape, (list, tuple)) and any(
            isinstance(s, (list, tuple)) for s in x_shape
        ):
            raise ValueError(
                f"{name} is called on a list [x, w]. Received: inputs={input_shape!r}"
            )
        x_shape, w_shape = tuple(x_shape), tuple(w_shape)
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError(
                f"{name} needs x of shape (batch, height, width, channels) with "
                f"known channels. Received: x.shape={x_shape}"
            )
        if len(w_shape) != 2 or w_shape[-1] is None:
            raise ValueError(
                f"{name} needs a style w of shape (batch, w_dim) with known "
                f"w_dim. Received: w.shape={w_shape}"
            )
        return x_shape, w_shape

    def build(self, input_shape):
        x_shape, w_shape = self._shapes(input_shape)
        channels, w_dim = x_shape[-1], w_shape[-1]
        self.style_kernel = self.add_weight(
            shape=(w_dim, channels),
            name="style_kernel",
            initializer=self.style_kernel_initializer,
            trainable=True,
            autocast=False,
        )
        self.style_bias = self.add_weight(
            shape=(channels,),
            name="style_bias",
            initializer=self.style_bias_initializer,
            trainable=True,
            autocast=False,
        )
        self.kernel = self.add_weight(
            shape=(self.kernel_size, self.kernel_size, channels, self.filters),
            name="kernel",
            initializer=self.kernel_initializer,
            trainable=True,
            autocast=False,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.filters,),
                name="bias",
                initializer=scaled_initializer(
                    self.bias_initializer, 1.0 / self.lr_multiplier
                ),
                trainable=True,
                autocast=False,
            )

    def styles(self, w):
        """The per-sample, per-input-channel scales `s`, float32 `(batch, c)`."""
        w_dim = self.style_kernel.shape[0]
        kernel = ops.cast(self.style_kernel, "float32") / math.sqrt(w_dim)
        return ops.matmul(ops.cast(w, "float32"), kernel) + ops.cast(
            self.style_bias, "float32"
        )

    def effective_kernel(self):
        """The shared kernel `W * lr_multiplier / sqrt(fan_in)`, float32."""
        fan_in = self.kernel_size**2 * self.kernel.shape[2]
        scale = self.lr_multiplier / math.sqrt(fan_in)
        return ops.cast(self.kernel, "float32") * scale

    def call(self, inputs):
        x, w = split_pair(inputs, type(self).__name__, names=("x", "w"))
        x = ops.convert_to_tensor(x, dtype=self.compute_dtype)
        w = ops.convert_to_tensor(w)
        self._shapes([x.shape, w.shape])
        styles = self.styles(w)
        kernel = self.effective_kernel()
        x = x * ops.cast(styles[:, None, None, :], x.dtype)
        if self.upsample:
            y = self._upsample_conv(x, ops.cast(kernel, x.dtype))
        else:
            y = ops.conv(x, ops.cast(kernel, x.dtype), padding="same")
        if self.demodulate:
            # sum over k, i of (s_i W_kij)^2 = s^2 @ sum_k W_kij^2.
            norms = ops.matmul(ops.square(styles), ops.sum(ops.square(kernel), (0, 1)))
            coefficients = ops.rsqrt(norms + self.epsilon)
            y = y * ops.cast(coefficients[:, None, None, :], y.dtype)
        if self.use_bias:
            bias = ops.cast(self.bias, "float32") * self.lr_multiplier
            y = y + ops.cast(bias, y.dtype)
        return y

    def _upsample_conv(self, x, kernel):
        """StyleGAN2's upsample_conv_2d: zero insertion + conv, then the FIR."""
        k = self.kernel_size
        # Transposed convolution == zero insertion then correlation with the
        # kernel; Keras wants the flipped kernel as (k, k, out, in).
        kernel_t = ops.transpose(ops.flip(kernel, axis=(0, 1)), (0, 1, 3, 2))
        y = ops.conv_transpose(x, kernel_t, strides=2, padding="valid")
        # StyleGAN2 takes (h - 1) * 2 + k rows; Keras adds one zero row at the
        # end when k < 2.
        extra = max(0, 2 - k)
        if extra:
            y = y[:, :-extra, :-extra, :]
        p = (self._blur_taps.size - 2) - (k - 1)
        return upfirdn2d(y, self._blur_taps * 2, pad=((p + 1) // 2 + 1, p // 2 + 1))

    def compute_output_shape(self, input_shape):
        x_shape, _ = self._shapes(input_shape)
        batch, height, width = x_shape[:3]
        if self.upsample:
            height = None if height is None else 2 * height
            width = None if width is None else 2 * width
        return (batch, height, width, self.filters)

    def get_config(self):
        kernel_initializer = self._kernel_initializer_arg
        if kernel_initializer is not None:
            kernel_initializer = keras.initializers.serialize(self.kernel_initializer)
        style_kernel_initializer = self._style_kernel_initializer_arg
        if style_kernel_initializer is not None:
            style_kernel_initializer = keras.initializers.serialize(
                self.style_kernel_initializer
            )
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "demodulate": self.demodulate,
            "upsample": self.upsample,
            "lr_multiplier": self.lr_multiplier,
            "use_bias": self.use_bias,
            "epsilon": self.epsilon,
            "blur_kernel": list(self.blur_kernel),
            "kernel_initializer": kernel_initializer,
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "style_kernel_initializer": style_kernel_initializer,
            "style_bias_initializer": keras.initializers.serialize(
                self.style_bias_initializer
            ),
        }
