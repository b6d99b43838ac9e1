"""NoiseInjection: add per-pixel noise with a learned per-channel strength."""

import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class NoiseInjection(keras.layers.Layer):
    """Adds single-channel Gaussian noise scaled by a learned per-channel weight.

    `output = x + scale[c] * noise`, where `noise` of shape
    `(batch, height, width, 1)` is shared by all the channels of a pixel
    and `scale` is a `(channels,)` weight initialized to zero, so the layer
    starts as the identity. This is StyleGAN's noise input, which lets the
    generator place stochastic detail (hair, freckles) per pixel.

    Without an explicit noise, the noise is drawn from a standard normal
    distribution with the layer's own `keras.random.SeedGenerator`
    (attribute `seed_generator`), on every call, in training and in
    inference alike (as StyleGAN's `randomize_noise=True`). The seed
    generator's state is a variable of the layer, so a seeded layer draws a
    repeatable stream and a saved model resumes it. Pass `[x, noise]` to
    control the noise (e.g. fixed noise maps for a figure).

    Args:
        seed: Optional int seed of the layer's seed generator.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor `x` of shape `(batch, height, width, channels)`, or
            a list `[x, noise]` with `noise` of shape
            `(batch, height, width, 1)`.

    Returns:
        A tensor of the shape of `x`.

    Raises:
        ValueError: If `seed` is not an int or None, `x` is not of rank 4
            with known channels, or `noise` is not of shape
            `(batch, height, width, 1)`.

    Example:

    ```python
    layer = NoiseInjection(seed=0)
    x = keras.random.normal((2, 8, 8, 16))
    layer(x).shape  # (2, 8, 8, 16); equal to x until `scale` is trained
    ```

    Reference:
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise ValueError(
                f"{type(self).__name__} needs an int seed or None. "
                f"Received: seed={seed!r}"
            )
        self.seed = None if seed is None else int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.scale = None

    def _split(self, inputs):
        """`x` or `[x, noise]` (tensors or shapes) -> `(x, noise or None)`."""
        name = type(self).__name__
        if isinstance(inputs, (list, tuple)) and (
            not inputs or not isinstance(inputs[0], (numbers.Integral, type(None)))
        ):
            if len(inputs) != 2:
                raise ValueError(
                    f"{name} is called on x or on a list [x, noise]. "
                    f"Received: a list of {len(inputs)} inputs"
                )
            return inputs[0], inputs[1]
        return inputs, None

    def _check_shapes(self, x_shape, noise_shape):
        name = type(self).__name__
        x_shape = tuple(x_shape)
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError(
                f"{name} needs x of shape (batch, height, width, channels) with "
                f"known channels. Received: x.shape={x_shape}"
            )
        if noise_shape is not None:
            noise_shape = tuple(noise_shape)
            if len(noise_shape) != 4 or noise_shape[-1] != 1:
                raise ValueError(
                    f"{name} needs noise of shape (batch, height, width, 1). "
                    f"Received: noise.shape={noise_shape}"
                )
            for a, b in zip(x_shape[:3], noise_shape[:3]):
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f"{name} needs noise of shape (batch, height, width, 1) "
                        f"matching x. Received: x.shape={x_shape}, "
                        f"noise.shape={noise_shape}"
                    )
        return x_shape

    def build(self, input_shape):
        x_shape = self._check_shapes(*self._split(input_shape))
        self.scale = self.add_weight(
            shape=(x_shape[-1],),
            name="scale",
            initializer="zeros",
            trainable=True,
        )

    def call(self, inputs):
        x, noise = self._split(inputs)
        self._check_shapes(x.shape, None if noise is None else noise.shape)
        # Integer inputs (Keras autocasts floats only) take the compute dtype.
        x = ops.cast(x, self.compute_dtype)
        if noise is None:
            shape = ops.shape(x)
            noise = keras.random.normal(
                (shape[0], shape[1], shape[2], 1),
                dtype=x.dtype,
                seed=self.seed_generator,
            )
        else:
            noise = ops.cast(noise, x.dtype)
        return x + ops.cast(self.scale, x.dtype) * noise

    def compute_output_shape(self, input_shape):
        return self._check_shapes(*self._split(input_shape))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
