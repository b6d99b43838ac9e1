"""EqualizedDense: a dense layer with the equalized learning rate."""

import math
import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg

# The default gain: He initialization's constant for ReLU-like activations.
SQRT_2 = math.sqrt(2.0)


def positive_float_arg(value, name, layer):
    """`float(value)` if it is a real number > 0, else a ValueError."""
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) and value > 0):
        raise ValueError(f"{layer} needs {name} > 0. Received: {name}={value!r}")
    return float(value)


def equalized_kernel_initializer(kernel_initializer, lr_multiplier):
    """The stored-kernel initializer: `N(0, (1 / lr_multiplier) ** 2)` by default."""
    if kernel_initializer is None:
        return keras.initializers.RandomNormal(mean=0.0, stddev=1.0 / lr_multiplier)
    return keras.initializers.get(kernel_initializer)


def scaled_initializer(initializer, factor):
    """An initializer returning `initializer(shape, dtype) * factor`."""

    def initialize(shape, dtype=None):
        return ops.multiply(initializer(shape, dtype=dtype), factor)

    return initialize


class EqualizedWeights:
    """What `EqualizedDense` and `EqualizedConv2D` share: equalized learning rate.

    The kernel is stored as drawn by its initializer (N(0, 1 / lr_multiplier)
    by default) and scaled at run time by `gain / sqrt(fan_in) *
    lr_multiplier`; the bias is stored divided by `lr_multiplier` and
    multiplied by it at run time (Karras et al. 2018, StyleGAN). `fan_in` is
    the product of the kernel's dimensions but the last.
    """

    def _init_equalized(
        self,
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
    ):
        name = type(self).__name__
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.lr_multiplier = positive_float_arg(lr_multiplier, "lr_multiplier", name)
        self.gain = positive_float_arg(gain, "gain", name)
        self._kernel_initializer_arg = kernel_initializer
        self.kernel_initializer = equalized_kernel_initializer(
            kernel_initializer, self.lr_multiplier
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.kernel = None
        self.bias = None

    def _add_equalized_weights(self, kernel_shape):
        self.kernel = self.add_weight(
            shape=kernel_shape,
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(kernel_shape[-1],),
                name="bias",
                initializer=scaled_initializer(
                    self.bias_initializer, 1.0 / self.lr_multiplier
                ),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    @property
    def fan_in(self):
        """Inputs of each output unit (the kernel's dimensions but the last), once built."""
        if self.kernel is None:
            return None
        return int(math.prod(self.kernel.shape[:-1]))

    @property
    def kernel_scale(self):
        """The run-time kernel scale `gain / sqrt(fan_in) * lr_multiplier`."""
        return self.gain / math.sqrt(self.fan_in) * self.lr_multiplier

    @property
    def effective_kernel(self):
        """The kernel the layer applies: `kernel * kernel_scale`."""
        return ops.multiply(self.kernel, self.kernel_scale)

    @property
    def effective_bias(self):
        """The bias the layer adds: `bias * lr_multiplier` (None without bias)."""
        if self.bias is None:
            return None
        return ops.multiply(self.bias, self.lr_multiplier)


@keras_gan_export()
class EqualizedDense(EqualizedWeights, keras.layers.Layer):
    """A dense layer with the equalized learning rate of ProGAN and StyleGAN.

    The kernel is stored with unit-scale values and scaled at run time, so
    that Adam-style optimizers update every layer at the same speed
    whatever its fan-in:

    - the stored kernel `w` is drawn from `N(0, (1 / lr_multiplier) ** 2)`;
    - the layer uses the effective kernel
      `w * gain / sqrt(fan_in) * lr_multiplier`, `fan_in = input_dim`;
    - the stored bias is `bias_initializer / lr_multiplier` and the layer
      uses `bias * lr_multiplier`, so the effective bias starts at
      `bias_initializer`'s value;
    - `output = activation(x @ effective_kernel + effective_bias)`.

    With the default `gain=sqrt(2)` (He initialization, ProGAN's default)
    and `lr_multiplier=1`, the effective kernel is exactly
    `w * sqrt(2 / fan_in)`, as in `EqualizedConv2D`. StyleGAN2's official
    code uses `gain=1` in its layers and multiplies the leaky-ReLU output by
    `sqrt(2)` instead; pass `gain=1.0` for that convention (and e.g.
    `lr_multiplier=0.01` for StyleGAN's mapping network).

    `effective_kernel` and `effective_bias` give the scaled weights.
    Regularizers and constraints apply to the stored variables.

    Args:
        units: Int, dimension of the output space.
        activation: Activation function (name or callable); `None` for
            linear.
        use_bias: Whether the layer uses a bias.
        lr_multiplier: Float > 0, learning-rate multiplier of this layer.
        gain: Float > 0, the gain of the run-time scale (`sqrt(2)` for
            ReLU-like activations).
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
        inputs: A tensor of shape `(batch, ..., input_dim)`.

    Returns:
        A tensor of shape `(batch, ..., units)`.

    Raises:
        ValueError: If `units` is not an integer >= 1, `lr_multiplier` or
            `gain` is not > 0, or the last input dimension is unknown.

    Example:

    ```python
    layer = EqualizedDense(64, activation="leaky_relu")
    x = keras.random.normal((4, 512))
    layer(x).shape  # (4, 64)
    ```

    Reference:
    - [Karras et al., 2018 (ProGAN), section 4.1](https://arxiv.org/abs/1710.10196)
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        lr_multiplier=1.0,
        gain=SQRT_2,
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
        self.units = positive_int_arg(units, "units", name)
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

    def _check_shape(self, input_shape):
        name = type(self).__name__
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(d, (list, tuple)) for d in input_shape
        ):
            raise ValueError(
                f"{name} is called on one tensor of shape (batch, ..., "
                f"features), not a list. Received: input_shape="
                f"{list(map(tuple, input_shape))}"
            )
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"{name} needs inputs of shape (batch, ..., features) with a known "
                f"last input dimension. Received: inputs.shape={tuple(input_shape)}"
            )
        return input_shape[-1]

    def build(self, input_shape):
        input_dim = self._check_shape(input_shape)
        self._add_equalized_weights((input_dim, self.units))

    def call(self, inputs):
        outputs = ops.matmul(inputs, self.effective_kernel)
        if self.use_bias:
            outputs = outputs + self.effective_bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        kernel_initializer = self._kernel_initializer_arg
        if kernel_initializer is not None:
            kernel_initializer = keras.initializers.serialize(self.kernel_initializer)
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "lr_multiplier": self.lr_multiplier,
            "gain": self.gain,
            "kernel_initializer": kernel_initializer,
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
            "bias_constraint": keras.constraints.serialize(self.bias_constraint),
        }
