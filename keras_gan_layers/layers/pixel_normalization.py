"""PixelNormalization: scale each feature vector to unit mean square."""

import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class PixelNormalization(keras.layers.Layer):
    """Normalizes each pixel's feature vector to unit mean square (ProGAN).

    `output = x / sqrt(mean(x ** 2, axis=axis) + epsilon)`

    ProGAN's "pixelwise feature vector normalization" in the generator, used
    after each convolution (and, in StyleGAN, on the latent vector before the
    mapping network). With the default `axis=-1` on images of shape
    `(batch, height, width, channels)`, every pixel's channel vector gets a
    mean square of 1; on `(batch, features)` vectors, every sample does.

    The layer has no weights. The mean square is computed in float32 (also
    under mixed precision, where `x ** 2` may overflow float16) and the
    output is cast to the compute dtype.

    Args:
        epsilon: Small float > 0 added to the mean square.
        axis: Int or tuple of ints, the axis (or axes) averaged over.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor of any rank.

    Returns:
        A tensor of the shape of `inputs`.

    Raises:
        ValueError: If `epsilon <= 0`, `axis` is not an int or a tuple of
            ints, or `axis` is out of range for the inputs.

    Example:

    ```python
    layer = PixelNormalization()
    x = keras.random.normal((2, 4, 4, 8))
    y = layer(x)
    keras.ops.mean(y**2, axis=-1)  # ~1 everywhere
    ```

    Reference:
    - [Karras et al., 2018 (ProGAN)](https://arxiv.org/abs/1710.10196)
    """

    def __init__(self, epsilon=1e-8, axis=-1, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if isinstance(epsilon, bool) or not (
            isinstance(epsilon, numbers.Real) and epsilon > 0
        ):
            raise ValueError(f"{name} needs epsilon > 0. Received: epsilon={epsilon!r}")
        axes = axis if isinstance(axis, (list, tuple)) else (axis,)
        if not axes or not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes
        ):
            raise ValueError(
                f"{name} needs axis to be an int or a tuple of ints. "
                f"Received: axis={axis!r}"
            )
        self.epsilon = float(epsilon)
        self.axis = (
            int(axis)
            if not isinstance(axis, (list, tuple))
            else tuple(int(a) for a in axis)
        )

    def _axes(self, rank):
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f"{type(self).__name__} got an axis out of range for inputs "
                    f"of rank {rank}. Received: axis={self.axis}"
                )
        return tuple(a % rank for a in axes)

    def _check_shape(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(d, (list, tuple)) or hasattr(d, "shape") for d in input_shape
        ):
            raise ValueError(
                f"{type(self).__name__} is called on one tensor, not a list. "
                f"Received: input_shape={list(map(tuple, input_shape))}"
            )
        return self._axes(len(input_shape))

    def build(self, input_shape):
        self._check_shape(input_shape)

    def call(self, inputs):
        axes = self._axes(len(inputs.shape))
        x = ops.cast(inputs, "float32")
        mean_square = ops.mean(ops.square(x), axis=axes, keepdims=True)
        outputs = x * ops.rsqrt(mean_square + self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        return tuple(input_shape)

    def get_config(self):
        axis = list(self.axis) if isinstance(self.axis, tuple) else self.axis
        return {**super().get_config(), "epsilon": self.epsilon, "axis": axis}
