"""Truncation: StyleGAN's truncation trick toward the running mean of w."""

import math
import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export


@keras_gan_export()
class Truncation(keras.layers.Layer):
    """StyleGAN's truncation trick in the intermediate latent space W.

    The layer keeps `w_avg`, a running mean of the vectors `w` it sees in
    training, and in inference pulls each `w` toward it:

    - training (`training=True`): `w_avg <- beta * w_avg + (1 - beta) *
      mean_batch(w)` (the official code's `lerp(batch_mean, w_avg, beta)`),
      and `w` passes unchanged;
    - inference: `output = w_avg + psi * (w - w_avg)`.

    `psi=1` leaves `w` unchanged, `psi=0` gives `w_avg` for every latent
    (the "mean face"), values in between trade variety for fidelity. Both
    `psi` and `w_avg` are non-trainable float32 variables, so `psi` can be
    changed on a built model (`layer.psi.assign(0.7)`, or
    `keras_gan_layers.architectures.set_truncation(generator, 0.7)`) and is
    saved with the weights; `get_config` reports its current value. A
    generator EMA (`GAN(..., ema_decay=...)`) copies both from the trained
    generator after every update, as StyleGAN copies `w_avg`.

    Args:
        psi: Float, the truncation strength used in inference.
        beta: Float in [0, 1], decay of the running mean (0.995 as in
            StyleGAN; 1 freezes it).
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A tensor `w` of shape `(batch, w_dim)`.
        training: Python boolean: update `w_avg` and return `w` (True), or
            truncate toward `w_avg`.

    Returns:
        A tensor of the shape of `inputs`.

    Raises:
        ValueError: If `psi` is not a finite number, `beta` is outside
            [0, 1], or the input is not of shape `(batch, w_dim)`.

    Example:

    ```python
    layer = Truncation(psi=0.7)
    w = keras.random.normal((4, 16))
    layer(w, training=True)  # updates layer.w_avg, returns w
    layer(w).shape  # (4, 16): w_avg + 0.7 * (w - w_avg)
    ```

    Reference:
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948),
      section 3 and appendix B
    - [Brock et al., 2019](https://arxiv.org/abs/1809.11096) (truncation trick)
    """

    def __init__(self, psi=1.0, beta=0.995, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if (
            isinstance(psi, bool)
            or not isinstance(psi, numbers.Real)
            or not math.isfinite(psi)
        ):
            raise ValueError(f"{name} needs a finite number psi. Received: psi={psi!r}")
        if (
            isinstance(beta, bool)
            or not isinstance(beta, numbers.Real)
            or not 0.0 <= beta <= 1.0
        ):
            raise ValueError(f"{name} needs 0 <= beta <= 1. Received: beta={beta!r}")
        self.initial_psi = float(psi)
        self.beta = float(beta)
        self.psi = None
        self.w_avg = None

    def _check_shape(self, shape):
        shape = tuple(shape)
        if len(shape) != 2 or shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs inputs of shape (batch, w_dim). "
                f"Received: inputs.shape={shape}"
            )
        return shape

    def build(self, input_shape):
        shape = self._check_shape(input_shape)
        self.w_avg = self.add_weight(
            shape=(shape[-1],),
            name="w_avg",
            initializer="zeros",
            trainable=False,
            autocast=False,
            dtype="float32",
        )
        self.psi = self.add_weight(
            shape=(),
            name="psi",
            initializer=keras.initializers.Constant(self.initial_psi),
            trainable=False,
            autocast=False,
            dtype="float32",
        )

    def call(self, inputs, training=None):
        self._check_shape(inputs.shape)
        # Integer inputs (Keras autocasts floats only) take the compute dtype.
        inputs = ops.cast(inputs, self.compute_dtype)
        w_avg = ops.cast(self.w_avg, inputs.dtype)
        if training:
            batch_mean = ops.mean(ops.cast(inputs, "float32"), axis=0)
            beta = ops.convert_to_tensor(self.beta, "float32")
            self.w_avg.assign(batch_mean + beta * (self.w_avg - batch_mean))
            return inputs
        psi = ops.cast(self.psi, inputs.dtype)
        return w_avg + psi * (inputs - w_avg)

    def compute_output_shape(self, input_shape):
        return self._check_shape(input_shape)

    def get_config(self):
        psi = self.initial_psi
        if self.psi is not None:
            psi = float(ops.convert_to_numpy(self.psi.value))
        return {**super().get_config(), "psi": psi, "beta": self.beta}
