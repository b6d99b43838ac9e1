"""SelfAttention2D: the self-attention block of SAGAN and BigGAN."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg


@keras_gan_export()
class SelfAttention2D(keras.layers.Layer):
    """Self-attention over the positions of a feature map, as in SAGAN/BigGAN.

    For an input `x` of shape `(batch, height, width, channels)` (channels
    last) with `c` channels, three 1x1 convolutions compute

    - queries `f(x)` with `c // key_ratio` channels,
    - keys `g(x)` with `c // key_ratio` channels,
    - values `h(x)` with `c // value_ratio` channels.

    Each query position attends to all key positions through
    `beta = softmax(f(x) g(x)^T)` (softmax over the key positions, no
    scaling, as in the papers), the attended values `beta h(x)` go through a
    fourth 1x1 convolution `o` back to `c` channels, and the layer returns

    `y = x + gamma * o(beta h(x))`,

    with a learned scalar `gamma` initialized to 0, so the block starts as
    the identity and learns how much non-local evidence to add. This is
    BigGAN's form of the SAGAN block (value channels `c // 2`, output
    convolution, convolutions without bias by default). With `pool=True`
    keys and values are also 2x2 max-pooled (stride 2), as in BigGAN, which
    divides the attention cost by 4 and needs an even height and width.

    With `spectral_norm=True` each convolution is wrapped in
    `keras.layers.SpectralNormalization` (SAGAN and BigGAN use spectral
    normalization in both networks). The attention logits and softmax are
    computed in float32 under mixed precision.

    Args:
        key_ratio: Int, queries and keys have `channels // key_ratio`
            channels. Must divide the number of channels.
        value_ratio: Int, values have `channels // value_ratio` channels.
            Must divide the number of channels.
        pool: Whether to 2x2 max-pool keys and values (BigGAN).
        spectral_norm: Whether to spectrally normalize the four convolutions.
        power_iterations: Power iterations per training call when
            `spectral_norm=True`.
        use_bias: Whether the 1x1 convolutions have a bias (BigGAN: no).
        kernel_initializer: Initializer of the convolution kernels.
        bias_initializer: Initializer of the convolution biases.
        gamma_initializer: Initializer of the scalar `gamma` (zeros: the
            layer starts as the identity).
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor of shape `(batch, height, width, channels)`.
        training: Python boolean; with `spectral_norm=True`, whether to
            advance the power iterations.

    Returns:
        A tensor of the shape of `inputs`.

    Raises:
        ValueError: If `key_ratio` or `value_ratio` is not an integer >= 1,
            `power_iterations < 1`, the input is not of rank 4, the number of
            channels is unknown or not divisible by `key_ratio` and
            `value_ratio`, or `pool=True` and the height or width is odd.

    Example:

    ```python
    layer = SelfAttention2D(key_ratio=8, value_ratio=2, spectral_norm=True)
    x = keras.random.normal((2, 8, 8, 16))
    layer(x).shape  # (2, 8, 8, 16)
    ```

    Reference:
    - [Zhang et al., 2019](https://arxiv.org/abs/1805.08318) (SAGAN)
    - [Brock et al., 2019](https://arxiv.org/abs/1809.11096) (BigGAN)
    """

    def __init__(
        self,
        key_ratio=8,
        value_ratio=2,
        pool=False,
        spectral_norm=False,
        power_iterations=1,
        use_bias=False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        gamma_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.key_ratio = positive_int_arg(key_ratio, "key_ratio", name)
        self.value_ratio = positive_int_arg(value_ratio, "value_ratio", name)
        self.power_iterations = positive_int_arg(
            power_iterations, "power_iterations", name
        )
        self.pool = bool(pool)
        self.spectral_norm = bool(spectral_norm)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.query_conv = None
        self.key_conv = None
        self.value_conv = None
        self.output_conv = None
        self.gamma = None

    def _check_shape(self, input_shape):
        name = type(self).__name__
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f"{name} is called on one tensor of shape (batch, height, "
                f"width, channels). Received: input_shape={input_shape!r}"
            )
        shape = tuple(input_shape)
        if len(shape) != 4:
            raise ValueError(
                f"{name} needs an input of rank 4 (batch, height, width, "
                f"channels). Received: input_shape={shape}"
            )
        channels = shape[-1]
        if channels is None:
            raise ValueError(
                f"{name} needs a known number of channels. "
                f"Received: input_shape={shape}"
            )
        for ratio_name, ratio in (
            ("key_ratio", self.key_ratio),
            ("value_ratio", self.value_ratio),
        ):
            if channels % ratio:
                raise ValueError(
                    f"{name} needs the number of channels to be divisible by "
                    f"{ratio_name}. Received: channels={channels}, "
                    f"{ratio_name}={ratio}"
                )
        if self.pool and any(d is not None and d % 2 for d in shape[1:3]):
            raise ValueError(
                f"{name} with pool=True needs an even height and width. "
                f"Received: input_shape={shape}"
            )
        return shape

    def _conv(self, filters, name):
        conv = keras.layers.Conv2D(
            filters,
            1,
            use_bias=self.use_bias,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            dtype=self.dtype_policy,
            name=name,
        )
        if self.spectral_norm:
            conv = keras.layers.SpectralNormalization(
                conv,
                power_iterations=self.power_iterations,
                dtype=self.dtype_policy,
                name=f"spectral_{name}",
            )
        return conv

    def build(self, input_shape):
        shape = self._check_shape(input_shape)
        channels = shape[-1]
        key_channels = channels // self.key_ratio
        value_channels = channels // self.value_ratio
        self.query_conv = self._conv(key_channels, "query")
        self.key_conv = self._conv(key_channels, "key")
        self.value_conv = self._conv(value_channels, "value")
        self.output_conv = self._conv(channels, "output")
        self.query_conv.build(shape)
        self.key_conv.build(shape)
        self.value_conv.build(shape)
        self.output_conv.build(shape[:-1] + (value_channels,))
        self.gamma = self.add_weight(
            shape=(),
            name="gamma",
            initializer=self.gamma_initializer,
            trainable=True,
        )

    def call(self, inputs, training=None):
        x = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        self._check_shape(x.shape)
        shape = ops.shape(x)
        height, width = shape[1], shape[2]
        query = self.query_conv(x, training=training)
        key = self.key_conv(x, training=training)
        value = self.value_conv(x, training=training)
        if self.pool:
            key = ops.max_pool(key, pool_size=2, strides=2, padding="valid")
            value = ops.max_pool(value, pool_size=2, strides=2, padding="valid")
        key_channels = query.shape[-1]
        value_channels = value.shape[-1]
        query = ops.reshape(query, (-1, height * width, key_channels))
        key_shape = ops.shape(key)
        positions = key_shape[1] * key_shape[2]
        key = ops.reshape(key, (-1, positions, key_channels))
        value = ops.reshape(value, (-1, positions, value_channels))
        logits = ops.matmul(
            ops.cast(query, "float32"),
            ops.transpose(ops.cast(key, "float32"), (0, 2, 1)),
        )
        attention = ops.cast(ops.softmax(logits, axis=-1), value.dtype)
        attended = ops.reshape(
            ops.matmul(attention, value), (-1, height, width, value_channels)
        )
        out = self.output_conv(attended, training=training)
        return x + ops.cast(self.gamma, x.dtype) * ops.cast(out, x.dtype)

    def compute_output_shape(self, input_shape):
        return self._check_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "key_ratio": self.key_ratio,
            "value_ratio": self.value_ratio,
            "pool": self.pool,
            "spectral_norm": self.spectral_norm,
            "power_iterations": self.power_iterations,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
        }
