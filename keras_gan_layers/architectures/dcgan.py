"""DCGAN generator and discriminator for any image size divisible by 2**num_blocks."""

import keras
from keras import layers

from keras_gan_layers.architectures.common import (
    image_shape_arg,
    normalization_layer,
    positive_int,
)

#: Generator activations by name: the paper's ReLU, or LeakyReLU(0.2).
ACTIVATIONS = {
    "relu": layers.ReLU,
    "leaky_relu": lambda: layers.LeakyReLU(negative_slope=0.2),
}


def dcgan_generator(
    latent_dim,
    image_shape=(28, 28, 1),
    filters=64,
    num_blocks=2,
    kernel_size=4,
    normalization=None,
    activation="leaky_relu",
    output_kernel_size=3,
    name="generator",
):
    """DCGAN generator: dense projection, then transposed convolutions.

    The latent vector is projected to `(h / 2**num_blocks, w / 2**num_blocks,
    filters * 2**num_blocks)`, then `num_blocks` stride-2 transposed
    convolutions halve the filters and double the size, each followed by the
    normalization and the activation; a final convolution maps to the
    channels with `tanh`, so outputs lie in [-1, 1].

    The defaults (no normalization, LeakyReLU(0.2)) are those of the keras.io
    DCGAN examples; on 28x28 digits at 500 steps they gave a lower FID than
    the paper's batch-normalized ReLU generator (see "Default DCGAN vs a
    hand-written keras.io DCGAN" in `docs/performance.md`). The paper's
    generator is `normalization="batch", activation="relu"`.

    Args:
        latent_dim: Int, size of the latent vector.
        image_shape: `(height, width, channels)`, height and width divisible
            by `2**num_blocks`, 1 or 3 channels.
        filters: Filters of the last upsampling block.
        num_blocks: Number of 2x upsampling blocks.
        kernel_size: Kernel size of the transposed convolutions.
        normalization: None (default), `"batch"` (the paper), `"layer"` or
            `"instance"`, after the projection and every transposed
            convolution.
        activation: `"leaky_relu"` (default; LeakyReLU with slope 0.2) or
            `"relu"` (the paper).
        output_kernel_size: Kernel size of the final `tanh` convolution.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` to
        `(batch, *image_shape)`.

    Example:

    ```python
    generator = dcgan_generator(100, image_shape=(32, 32, 3))
    images = generator(keras.random.normal((4, 100)))  # (4, 32, 32, 3)
    ```

    Reference:
    - [Radford et al., 2016](https://arxiv.org/abs/1511.06434)
    """
    builder = "dcgan_generator"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    output_kernel_size = positive_int(output_kernel_size, "output_kernel_size", builder)
    num_blocks = positive_int(num_blocks, "num_blocks", builder)
    filters = positive_int(filters, "filters", builder)
    height, width, channels = image_shape_arg(image_shape, num_blocks, builder)
    normalization_layer(normalization, builder)  # validate early
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"{builder} activation must be one of {sorted(ACTIVATIONS)}. "
            f"Received: activation={activation!r}"
        )

    factor = 2**num_blocks
    start = (height // factor, width // factor, filters * factor)
    inputs = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(start[0] * start[1] * start[2], use_bias=normalization is None)(
        inputs
    )
    x = layers.Reshape(start)(x)
    norm = normalization_layer(normalization, builder)
    if norm is not None:
        x = norm(x)
    x = ACTIVATIONS[activation]()(x)
    for i in range(num_blocks):
        x = layers.Conv2DTranspose(
            filters * 2 ** (num_blocks - i - 1),
            kernel_size,
            strides=2,
            padding="same",
            use_bias=normalization is None,
        )(x)
        norm = normalization_layer(normalization, builder)
        if norm is not None:
            x = norm(x)
        x = ACTIVATIONS[activation]()(x)
    outputs = layers.Conv2D(
        channels,
        output_kernel_size,
        padding="same",
        activation="tanh",
        dtype="float32",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def dcgan_discriminator(
    image_shape=(28, 28, 1),
    filters=64,
    num_blocks=2,
    kernel_size=4,
    normalization=None,
    spectral_norm=False,
    dropout=0.0,
    pack=1,
    name="discriminator",
):
    """DCGAN discriminator: stride-2 convolutions with LeakyReLU(0.2).

    `num_blocks` stride-2 convolutions double the filters from `filters`,
    then a dense layer gives one logit per image (no sigmoid: the losses
    work on logits). No normalization by default, which suits every loss and
    penalty (batch normalization breaks per-sample gradient penalties).

    Args:
        image_shape: `(height, width, channels)`, height and width divisible
            by `2**num_blocks`.
        filters: Filters of the first convolution.
        num_blocks: Number of stride-2 convolutions.
        kernel_size: Convolution kernel size.
        normalization: None, `"batch"`, `"layer"` or `"instance"`, applied
            after every convolution but the first (as in the paper).
        spectral_norm: Wrap every convolution and the dense layer in
            `keras.layers.SpectralNormalization` (Miyato et al., 2018).
        dropout: Dropout rate after each block (0 disables it).
        pack: Samples packed into one input (PacGAN, Lin et al., 2018,
            https://arxiv.org/abs/1712.04086): the input has
            `channels * pack` channels, as `GAN(..., pack=pack)` feeds it.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, height, width,
        channels * pack)` to `(batch, 1)` logits.

    Example:

    ```python
    discriminator = dcgan_discriminator((32, 32, 3), spectral_norm=True)
    logits = discriminator(keras.random.normal((4, 32, 32, 3)))  # (4, 1)
    ```

    Reference:
    - [Radford et al., 2016](https://arxiv.org/abs/1511.06434)
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    """
    builder = "dcgan_discriminator"
    num_blocks = positive_int(num_blocks, "num_blocks", builder)
    filters = positive_int(filters, "filters", builder)
    image_shape = image_shape_arg(image_shape, num_blocks, builder)
    pack = positive_int(pack, "pack", builder)
    normalization_layer(normalization, builder)
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(
            f"{builder} needs 0 <= dropout < 1. Received: dropout={dropout}"
        )

    def wrap(layer):
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    inputs = keras.Input((*image_shape[:2], image_shape[2] * pack), name="image")
    x = inputs
    for i in range(num_blocks):
        x = wrap(layers.Conv2D(filters * 2**i, kernel_size, strides=2, padding="same"))(
            x
        )
        norm = normalization_layer(normalization, builder) if i else None
        if norm is not None:
            x = norm(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    outputs = wrap(layers.Dense(1, dtype="float32"))(x)
    return keras.Model(inputs, outputs, name=name)
