"""Class-conditional DCGAN generator and discriminator (cGAN, SNGAN, ACGAN)."""

import keras
from keras import layers

from keras_gan_layers.architectures.common import (
    image_shape_arg,
    normalization_layer,
    positive_int,
)
from keras_gan_layers.layers import (
    ConditionalBatchNormalization,
    LabelConcatenation,
    ProjectionDiscriminatorHead,
)

GENERATOR_CONDITIONING = ("concatenation", "batch_norm")
DISCRIMINATOR_CONDITIONING = ("concatenation", "projection", "auxiliary_classifier")


def _conditioning_arg(conditioning, accepted, builder):
    if conditioning not in accepted:
        names = ", ".join(repr(c) for c in accepted)
        raise ValueError(
            f"{builder} conditioning must be one of {names}. "
            f"Received: conditioning={conditioning!r}"
        )
    return conditioning


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def conditional_dcgan_generator(
    latent_dim,
    num_classes,
    image_shape=(28, 28, 1),
    filters=64,
    num_blocks=2,
    kernel_size=4,
    conditioning="concatenation",
    embedding_dim=None,
    name="generator",
):
    """Class-conditional DCGAN generator.

    The network of `dcgan_generator` (dense projection, `num_blocks` stride-2
    transposed convolutions with batch normalization and ReLU, a `tanh`
    convolution) with the class fed in one of two ways:

    - `"concatenation"` (Mirza & Osindero): the one-hot label, or a learned
      `embedding_dim`-sized embedding of it, is appended to the latent vector
      by `LabelConcatenation`.
    - `"batch_norm"` (the SNGAN / BigGAN generator of the projection
      discriminator): every batch normalization is a
      `ConditionalBatchNormalization`, whose scale and shift depend on the
      class.

    Args:
        latent_dim: Int, size of the latent vector.
        num_classes: Int, number of classes.
        image_shape: `(height, width, channels)`, height and width divisible
            by `2**num_blocks`, 1 or 3 channels.
        filters: Filters of the last upsampling block.
        num_blocks: Number of 2x upsampling blocks.
        kernel_size: Kernel size of the transposed convolutions.
        conditioning: `"concatenation"` or `"batch_norm"`.
        embedding_dim: With `"concatenation"`, None for a one-hot code or the
            size of a learned label embedding. Must be None with
            `"batch_norm"`.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `[latent (batch, latent_dim),
        label (batch,) int32]` to images `(batch, *image_shape)` in [-1, 1].

    Raises:
        ValueError: On a bad size, `num_classes < 1`, an unknown
            `conditioning`, or `embedding_dim` given with `"batch_norm"`.

    Example:

    ```python
    generator = conditional_dcgan_generator(64, 10, image_shape=(32, 32, 3))
    labels = keras.ops.convert_to_tensor([0, 3, 9, 3], dtype="int32")
    images = generator([keras.random.normal((4, 64)), labels])  # (4, 32, 32, 3)
    ```

    Reference:
    - [Mirza & Osindero, 2014](https://arxiv.org/abs/1411.1784)
    - [Radford et al., 2016](https://arxiv.org/abs/1511.06434)
    - [de Vries et al., 2017](https://arxiv.org/abs/1707.00683)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    """
    builder = "conditional_dcgan_generator"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    num_classes = positive_int(num_classes, "num_classes", builder)
    num_blocks = positive_int(num_blocks, "num_blocks", builder)
    filters = positive_int(filters, "filters", builder)
    height, width, channels = image_shape_arg(image_shape, num_blocks, builder)
    _conditioning_arg(conditioning, GENERATOR_CONDITIONING, builder)
    if embedding_dim is not None:
        if conditioning != "concatenation":
            raise ValueError(
                f"{builder} embedding_dim applies to "
                "conditioning='concatenation' only. Received: "
                f"embedding_dim={embedding_dim}, conditioning={conditioning!r}"
            )
        embedding_dim = positive_int(embedding_dim, "embedding_dim", builder)

    def normalize(x, label):
        if conditioning == "batch_norm":
            return ConditionalBatchNormalization(
                num_classes, momentum=0.9, epsilon=1e-5
            )([x, label])
        return normalization_layer("batch", builder)(x)

    factor = 2**num_blocks
    start = (height // factor, width // factor, filters * factor)
    latent = keras.Input((latent_dim,), name="latent")
    label = _label_input()
    x = latent
    if conditioning == "concatenation":
        x = LabelConcatenation(num_classes, embedding_dim=embedding_dim)([x, label])
    x = layers.Dense(start[0] * start[1] * start[2], use_bias=False)(x)
    x = layers.Reshape(start)(x)
    x = layers.ReLU()(normalize(x, label))
    for i in range(num_blocks):
        x = layers.Conv2DTranspose(
            filters * 2 ** (num_blocks - i - 1),
            kernel_size,
            strides=2,
            padding="same",
            use_bias=False,
        )(x)
        x = layers.ReLU()(normalize(x, label))
    outputs = layers.Conv2D(
        channels, 3, padding="same", activation="tanh", dtype="float32"
    )(x)
    return keras.Model([latent, label], outputs, name=name)


def conditional_dcgan_discriminator(
    image_shape,
    num_classes,
    filters=64,
    num_blocks=2,
    kernel_size=4,
    conditioning="concatenation",
    spectral_norm=False,
    dropout=0.0,
    name="discriminator",
):
    """Class-conditional DCGAN discriminator.

    The convolution stack of `dcgan_discriminator` (`num_blocks` stride-2
    convolutions doubling the filters, LeakyReLU(0.2), optional dropout, no
    normalization) with the class used in one of three ways:

    - `"concatenation"` (Mirza & Osindero): the one-hot label is appended to
      the image channels at every pixel (`LabelConcatenation`) before the
      first convolution; a dense layer gives the logit.
    - `"projection"` (Miyato & Koyama): the features are summed over space
      (global sum pooling) and `ProjectionDiscriminatorHead` returns
      `psi(h) + <embed(label), h>`.
    - `"auxiliary_classifier"` (ACGAN, Odena et al.): the image alone goes
      through the stack, which ends in two dense heads: the adversarial
      logit and `num_classes` class logits. The label input is declared but
      unused, so every conditional discriminator is called as
      `d([image, label])`.

    All outputs are float32 logits (also under mixed precision).

    Args:
        image_shape: `(height, width, channels)`, height and width divisible
            by `2**num_blocks`, 1 or 3 channels.
        num_classes: Int, number of classes.
        filters: Filters of the first convolution.
        num_blocks: Number of stride-2 convolutions.
        kernel_size: Convolution kernel size.
        conditioning: `"concatenation"`, `"projection"` or
            `"auxiliary_classifier"`.
        spectral_norm: Wrap every convolution and dense layer in
            `keras.layers.SpectralNormalization`; with `"projection"` the
            head's embedding is spectrally normalized too.
        dropout: Dropout rate after each block (0 disables it).
        name: Model name.

    Returns:
        A functional `keras.Model` taking `[image (batch, *image_shape),
        label (batch,) int32]` and returning `(batch, 1)` logits, or with
        `"auxiliary_classifier"` the list `[(batch, 1) adversarial logits,
        (batch, num_classes) class logits]`.

    Raises:
        ValueError: On a bad size, `num_classes < 1`, a dropout outside
            [0, 1) or an unknown `conditioning`.

    Example:

    ```python
    discriminator = conditional_dcgan_discriminator(
        (32, 32, 3), 10, conditioning="projection", spectral_norm=True
    )
    labels = keras.ops.convert_to_tensor([0, 3, 9, 3], dtype="int32")
    logits = discriminator([keras.random.normal((4, 32, 32, 3)), labels])  # (4, 1)
    ```

    Reference:
    - [Mirza & Osindero, 2014](https://arxiv.org/abs/1411.1784)
    - [Odena et al., 2017](https://arxiv.org/abs/1610.09585)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    """
    builder = "conditional_dcgan_discriminator"
    num_classes = positive_int(num_classes, "num_classes", builder)
    num_blocks = positive_int(num_blocks, "num_blocks", builder)
    filters = positive_int(filters, "filters", builder)
    image_shape = image_shape_arg(image_shape, num_blocks, builder)
    _conditioning_arg(conditioning, DISCRIMINATOR_CONDITIONING, builder)
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(
            f"{builder} needs 0 <= dropout < 1. Received: dropout={dropout}"
        )

    def wrap(layer):
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    image = keras.Input(image_shape, name="image")
    label = _label_input()
    x = image
    if conditioning == "concatenation":
        x = LabelConcatenation(num_classes)([x, label])
    for i in range(num_blocks):
        x = wrap(layers.Conv2D(filters * 2**i, kernel_size, strides=2, padding="same"))(
            x
        )
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)

    if conditioning == "projection":
        factor = 2**num_blocks
        area = (image_shape[0] // factor) * (image_shape[1] // factor)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Rescaling(float(area), name="global_sum_pooling")(x)
        outputs = ProjectionDiscriminatorHead(
            num_classes, spectral_norm=spectral_norm, dtype="float32"
        )([x, label])
    elif conditioning == "auxiliary_classifier":
        x = layers.Flatten()(x)
        outputs = [
            _output_dense(1, spectral_norm, name="adversarial_logits")(x),
            _output_dense(num_classes, spectral_norm, name="class_logits")(x),
        ]
    else:
        x = layers.Flatten()(x)
        outputs = _output_dense(1, spectral_norm)(x)
    return keras.Model([image, label], outputs, name=name)


def _output_dense(units, spectral_norm, name=None):
    """A float32 dense output layer (named on the wrapper with spectral norm).

    The wrapper is float32 too: `SpectralNormalization` casts its output to
    the dtype of its (autocast) input.
    """
    if spectral_norm:
        return layers.SpectralNormalization(
            layers.Dense(units, dtype="float32"), dtype="float32", name=name
        )
    return layers.Dense(units, dtype="float32", name=name)
