"""Fully connected generator and discriminator."""

import math

import keras
from keras import layers

from keras_gan_layers.architectures.common import positive_int
from keras_gan_layers.layers import MinibatchStdDev


def _units(hidden_units, builder):
    units = tuple(hidden_units)
    for u in units:
        positive_int(u, "hidden_units", builder)
    return units


def mlp_generator(
    latent_dim,
    output_shape,
    hidden_units=(256, 256),
    activation="relu",
    output_activation="tanh",
    normalization=None,
    name="generator",
):
    """Fully connected generator.

    With `output_shape=(28, 28, 1)` and `hidden_units=(256, 512, 1024)` it is
    the classic GAN generator; with `output_shape=(2,)`,
    `output_activation=None` and small layers it is the toy network used on
    2-D Gaussian mixtures.

    Args:
        latent_dim: Int, size of the latent vector.
        output_shape: Shape of one sample, e.g. `(2,)` or `(28, 28, 1)`.
        hidden_units: Units of each hidden layer.
        activation: Hidden activation.
        output_activation: `"tanh"` for data in [-1, 1], None for unbounded.
        normalization: None or `"batch"` after each hidden layer.
        name: Model name.

    Returns:
        A functional `keras.Model` from `(batch, latent_dim)` to
        `(batch, *output_shape)`.

    Example:

    ```python
    generator = mlp_generator(2, (2,), hidden_units=(128, 128),
                              output_activation=None)
    ```

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    """
    builder = "mlp_generator"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    output_shape = tuple(positive_int(d, "output_shape", builder) for d in output_shape)
    if normalization not in (None, "batch"):
        raise ValueError(
            f"{builder} normalization must be None or 'batch'. Received: "
            f"normalization={normalization!r}"
        )
    inputs = keras.Input((latent_dim,), name="latent")
    x = inputs
    for units in _units(hidden_units, builder):
        x = layers.Dense(units)(x)
        if normalization == "batch":
            x = layers.BatchNormalization()(x)
        x = layers.Activation(activation)(x)
    x = layers.Dense(
        math.prod(output_shape), activation=output_activation, dtype="float32"
    )(x)
    if len(output_shape) > 1:
        x = layers.Reshape(output_shape)(x)
    return keras.Model(inputs, x, name=name)


def mlp_discriminator(
    input_shape,
    hidden_units=(256, 256),
    negative_slope=0.2,
    spectral_norm=False,
    dropout=0.0,
    pack=1,
    mbstd_group_size=None,
    mbstd_num_channels=1,
    name="discriminator",
):
    """Fully connected discriminator with LeakyReLU, one logit per sample.

    Args:
        input_shape: Shape of one sample, e.g. `(2,)` or `(28, 28, 1)`.
        hidden_units: Units of each hidden layer.
        negative_slope: LeakyReLU slope.
        spectral_norm: Wrap each dense layer in
            `keras.layers.SpectralNormalization`.
        dropout: Dropout rate after each hidden layer.
        pack: Samples packed into one input (PacGAN): the last axis of the
            input is `pack` times that of `input_shape` (`(2 * pack,)` for
            2-D points), as `GAN(..., pack=pack)` feeds it.
        mbstd_group_size: None, or the group size of a `MinibatchStdDev`
            layer before the last hidden layer: it appends the standard
            deviation of that layer's input features over groups of this
            many samples, so the discriminator sees how varied a batch is
            (ProGAN; it keeps the 2-D grid's 25 modes, see
            docs/mode_coverage.md). Batches must then be divisible by it.
        mbstd_num_channels: Features that layer appends.
        name: Model name.

    Returns:
        A functional `keras.Model` from `(batch, *input_shape)` (last axis
        times `pack`) to `(batch, 1)` logits.

    Example:

    ```python
    discriminator = mlp_discriminator((2,), hidden_units=(128, 128))
    ```

    Raises:
        ValueError: On sizes, `pack` or group sizes below 1, a dropout
            outside [0, 1), or `mbstd_num_channels` that does not divide
            the features it follows.

    Reference:
    - [Goodfellow et al., 2014](https://arxiv.org/abs/1406.2661)
    - [Lin et al., 2018](https://arxiv.org/abs/1712.04086) (PacGAN)
    - [Karras et al., 2018](https://arxiv.org/abs/1710.10196) (minibatch
      standard deviation)
    """
    builder = "mlp_discriminator"
    input_shape = tuple(positive_int(d, "input_shape", builder) for d in input_shape)
    pack = positive_int(pack, "pack", builder)
    input_shape = (*input_shape[:-1], input_shape[-1] * pack)
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(
            f"{builder} needs 0 <= dropout < 1. Received: dropout={dropout}"
        )

    if mbstd_group_size is not None:
        mbstd_group_size = positive_int(mbstd_group_size, "mbstd_group_size", builder)
    mbstd_num_channels = positive_int(mbstd_num_channels, "mbstd_num_channels", builder)
    hidden_units = _units(hidden_units, builder)

    def wrap(layer):
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    inputs = keras.Input(input_shape, name="sample")
    x = layers.Flatten()(inputs) if len(input_shape) > 1 else inputs
    # The minibatch standard deviation goes before the last hidden layer
    # (before the output layer when there is none), as in ProGAN/StyleGAN2.
    mbstd_at = max(len(hidden_units) - 1, 0) if mbstd_group_size else None
    for i, units in enumerate((*hidden_units, None)):
        if i == mbstd_at:
            x = MinibatchStdDev(mbstd_group_size, mbstd_num_channels, name="mbstd")(x)
        if units is None:
            break
        x = wrap(layers.Dense(units))(x)
        x = layers.LeakyReLU(negative_slope)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    outputs = wrap(layers.Dense(1, dtype="float32"))(x)
    return keras.Model(inputs, outputs, name=name)
