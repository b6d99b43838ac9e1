"""ConstantInput: a learned tensor repeated over the batch (StyleGAN's 4x4 input)."""

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.layers.common import positive_int_arg


@keras_gan_export()
class ConstantInput(keras.layers.Layer):
    """A learned constant, repeated for every sample of the batch.

    The synthesis network of StyleGAN starts from a learned
    `(4, 4, channels)` tensor instead of the latent vector; the styles enter
    through the modulated convolutions. The layer owns that tensor
    (`constant`, drawn from `initializer`, N(0, 1) by default as in
    StyleGAN) and,
    called on any tensor with a batch axis (e.g. `w`), returns it repeated
    `batch` times. Only the batch size of the input is used.

    Args:
        shape: Tuple of ints, the shape of the constant (without batch).
        initializer: Initializer of the constant; None for
            `RandomNormal(stddev=1.0)`.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: Any tensor of shape `(batch, ...)`.

    Returns:
        A tensor of shape `(batch, *shape)`.

    Raises:
        ValueError: If `shape` is not a non-empty tuple of ints >= 1.

    Example:

    ```python
    layer = ConstantInput((4, 4, 64))
    w = keras.random.normal((8, 128))
    layer(w).shape  # (8, 4, 4, 64), the same tensor for every sample
    ```

    Reference:
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    """

    def __init__(self, shape, initializer=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        try:
            dims = tuple(shape)
        except TypeError:
            dims = ()
        if not dims:
            raise ValueError(
                f"{name} needs shape, a non-empty tuple of ints >= 1. "
                f"Received: shape={shape!r}"
            )
        self.constant_shape = tuple(positive_int_arg(d, "shape", name) for d in dims)
        if initializer is None:
            initializer = keras.initializers.RandomNormal(stddev=1.0)
        self.initializer = keras.initializers.get(initializer)
        self.constant = None

    def build(self, input_shape):
        self.constant = self.add_weight(
            shape=self.constant_shape, name="constant", initializer=self.initializer
        )

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        constant = ops.cast(self.constant, self.compute_dtype)
        return ops.broadcast_to(
            ops.expand_dims(constant, 0), (batch, *self.constant_shape)
        )

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.constant_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "shape": list(self.constant_shape),
            "initializer": keras.initializers.serialize(self.initializer),
        }
