"""EqualizedConv2D: a 2-D convolution with the equalized learning rate."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg
from keras_gan_layers.layers.equalized_dense import SQRT_2, EqualizedWeights


def _int_pair(value, name, layer):
    """An int or a pair of ints >= 1 -> a tuple of two ints."""
    values = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(values) != 2:
        raise ValueError(
            f"{layer} needs {name} to be an int or a pair of ints. "
            f"Received: {name}={value!r}"
        )
    try:
        return tuple(positive_int_arg(v, name, layer) for v in values)
    except ValueError:
        raise ValueError(
            f"{layer} needs {name} to be an int >= 1 or a pair of them. "
            f"Received: {name}={value!r}"
        ) from None


def _output_length(length, kernel, stride, dilation, padding):
    if length is None:
        return None
    if padding == "same":
        return -(-length // stride)
    return max(0, (length - dilation * (kernel - 1) - 1) // stride + 1)


@keras_gan_export()
class EqualizedConv2D(EqualizedWeights, keras.layers.Layer):
    """A 2-D convolution with the equalized learning rate of ProGAN and StyleGAN.

    The kernel is stored with unit-scale values and scaled at run time, so
    that Adam-style optimizers update every layer at the same speed
    whatever its fan-in:

    - the stored kernel `w`, of shape
      `(kernel_height, kernel_width, in_channels, filters)`, is drawn from
      `N(0, (1 / lr_multiplier) ** 2)`;
    - the layer convolves with the effective kernel
      `w * gain / sqrt(fan_in) * lr_multiplier`, where
      `fan_in = kernel_height * kernel_width * in_channels`;
    - the stored bias is `bias_initializer / lr_multiplier` and the layer
      adds `bias * lr_multiplier`;
    - `output = activation(conv(x, effective_kernel) + effective_bias)`.

    With the defaults (`gain=sqrt(2)`, `lr_multiplier=1`) the effective
    kernel is exactly `w * sqrt(2 / fan_in)`, He's constant applied at run
    time (ProGAN). StyleGAN2's official code uses `gain=1` and multiplies the
    leaky-ReLU output by `sqrt(2)` instead; pass `gain=1.0` for that.

    Inputs are channels-last. `effective_kernel` and `effective_bias` give
    the scaled weights; regularizers and constraints apply to the stored
    variables. The argument names follow `keras.layers.Conv2D`.

    Args:
        filters: Int, the number of output channels.
        kernel_size: Int or pair of ints, the height and width of the kernel.
        strides: Int or pair of ints, the strides of the convolution.
        padding: `"same"` or `"valid"` (case-insensitive).
        activation: Activation function (name or callable); `None` for
            linear.
        use_bias: Whether the layer uses a bias.
        lr_multiplier: Float > 0, learning-rate multiplier of this layer.
        gain: Float > 0, the gain of the run-time scale (`sqrt(2)` for
            ReLU-like activations).
        dilation_rate: Int or pair of ints, the dilation of the kernel.
        kernel_initializer: Initializer of the stored kernel; `None` for
            `RandomNormal(stddev=1 / lr_multiplier)`.
        bias_initializer: Initializer of the effective bias (the stored bias
            is its value divided by `lr_multiplier`).
        kernel_regularizer: Optional regularizer of the stored kernel.
        bias_regularizer: Optional regularizer of the stored bias.
        kernel_constraint: Optional constraint of the stored kernel.
        bias_constraint: Optional constraint of the stored bias.
        **kwargs: Base layer keyword arguments (e.g. `name`, `dtype` and
            `activity_regularizer`).

    Call arguments:
        inputs: A tensor of shape `(batch, height, width, in_channels)`.

    Returns:
        A tensor of shape `(batch, new_height, new_width, filters)`, with
        `new_height = ceil(height / stride)` for `"same"` padding.

    Raises:
        ValueError: If `filters` is not an integer >= 1, `kernel_size`,
            `strides` or `dilation_rate` is not an int >= 1 or a pair of
            them, `padding` is not `"same"` or `"valid"`, `lr_multiplier` or
            `gain` is not > 0, both strides and dilation are > 1, or the
            inputs are not of rank 4 with known channels.

    Example:

    ```python
    layer = EqualizedConv2D(32, 3, activation="leaky_relu")
    x = keras.random.normal((2, 16, 16, 8))
    layer(x).shape  # (2, 16, 16, 32)
    ```

    Reference:
    - [Karras et al., 2018 (ProGAN), section 4.1](https://arxiv.org/abs/1710.10196)
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="same",
        activation=None,
        use_bias=True,
        lr_multiplier=1.0,
        gain=SQRT_2,
        dilation_rate=1,
        kernel_initializer=None,
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.filters = positive_int_arg(filters, "filters", name)
        self.kernel_size = _int_pair(kernel_size, "kernel_size", name)
        self.strides = _int_pair(strides, "strides", name)
        self.dilation_rate = _int_pair(dilation_rate, "dilation_rate", name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{name} does not support strides > 1 together with "
                f"dilation_rate > 1. Received: strides={strides}, "
                f"dilation_rate={dilation_rate}"
            )
        if not isinstance(padding, str) or padding.lower() not in ("same", "valid"):
            raise ValueError(
                f'{name} needs padding "same" or "valid". Received: padding={padding!r}'
            )
        self.padding = padding.lower()
        self._init_equalized(
            activation,
            use_bias,
            lr_multiplier,
            gain,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            kernel_constraint,
            bias_constraint,
        )

    def _check_shape(self, shape):
        shape = tuple(shape)
        if len(shape) != 4 or shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs inputs of shape "
                "(batch, height, width, channels) with known channels. "
                f"Received: inputs.shape={shape}"
            )
        return shape

    def build(self, input_shape):
        channels = self._check_shape(input_shape)[-1]
        self._add_equalized_weights((*self.kernel_size, channels, self.filters))

    def call(self, inputs):
        # Integer inputs (Keras autocasts floats only) take the compute dtype.
        inputs = ops.cast(inputs, self.compute_dtype)
        outputs = ops.conv(
            inputs,
            self.effective_kernel,
            strides=self.strides,
            padding=self.padding,
            data_format="channels_last",
            dilation_rate=self.dilation_rate,
        )
        if self.use_bias:
            outputs = outputs + self.effective_bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = self._check_shape(input_shape)
        sizes = (
            _output_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                (height, width), self.kernel_size, self.strides, self.dilation_rate
            )
        )
        return (batch, *sizes, self.filters)

    def get_config(self):
        kernel_initializer = self._kernel_initializer_arg
        if kernel_initializer is not None:
            kernel_initializer = keras.initializers.serialize(self.kernel_initializer)
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "lr_multiplier": self.lr_multiplier,
            "gain": self.gain,
            "dilation_rate": self.dilation_rate,
            "kernel_initializer": kernel_initializer,
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }
