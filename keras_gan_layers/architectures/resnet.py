"""ResNet generator and discriminator of SNGAN / BigGAN (optionally conditional)."""

import keras
from keras import layers

from keras_gan_layers.architectures.common import (
    level_filters,
    positive_int,
    progressive_image_shape,
)
from keras_gan_layers.layers import (
    ConditionalBatchNormalization,
    ProjectionDiscriminatorHead,
    SelfAttention2D,
)


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def _filters_args(filters, max_filters, builder):
    filters = positive_int(filters, "filters", builder)
    max_filters = positive_int(max_filters, "max_filters", builder)
    if max_filters < filters:
        raise ValueError(
            f"{builder} needs max_filters >= filters. Received: "
            f"filters={filters}, max_filters={max_filters}"
        )
    return filters, max_filters


def _attention_arg(attention_resolution, resolutions, channels, builder):
    """None, or the height at which to insert self-attention (checked).

    `resolutions` are the heights of the blocks' outputs, `channels` their
    channels (divisible by 8: `SelfAttention2D`'s key ratio).
    """
    if attention_resolution is None:
        return None
    if (
        isinstance(attention_resolution, bool)
        or not isinstance(attention_resolution, int)
        or attention_resolution not in resolutions
    ):
        accepted = ", ".join(str(r) for r in resolutions)
        raise ValueError(
            f"{builder} attention_resolution must be None or the height of a "
            f"block's output, one of {accepted}. "
            f"Received: attention_resolution={attention_resolution!r}"
        )
    units = channels[resolutions.index(attention_resolution)]
    if units % 8:
        raise ValueError(
            f"{builder} attention_resolution={attention_resolution} needs the "
            "block there to have a multiple of 8 channels (the attention's "
            f"query and key have channels // 8). Received: {units} channels "
            "there; raise filters"
        )
    return attention_resolution


def _self_attention(spectral_norm, resolution):
    return SelfAttention2D(
        spectral_norm=spectral_norm, name=f"self_attention_{resolution}"
    )


def resnet_generator(
    latent_dim,
    image_shape=(32, 32, 3),
    filters=64,
    max_filters=512,
    num_blocks=None,
    num_classes=None,
    attention_resolution=None,
    name="generator",
):
    """ResNet generator of SNGAN and BigGAN.

    A dense layer maps the latent vector to a `(h / 2**num_blocks,
    w / 2**num_blocks)` feature map (4x4 for the usual sizes), then
    `num_blocks` residual up blocks double the size:

    `x -> BN -> ReLU -> upsample -> conv3x3 -> BN -> ReLU -> conv3x3`, plus the
    shortcut `upsample(x) -> conv1x1`,

    with nearest-neighbour upsampling. The last block has `filters`
    channels; going down in resolution the channels double up to
    `max_filters` (as BigGAN's channel multipliers). A final
    `BN -> ReLU -> conv3x3 -> tanh` gives the image in [-1, 1].

    With `num_classes`, the batch normalizations of the blocks are
    `ConditionalBatchNormalization` layers (a scale and shift per class, the
    SNGAN projection / BigGAN generator; the final one stays unconditional,
    as in the SNGAN code), and the model takes `[latent, label]`, like
    `conditional_dcgan_generator`, so it drops into `ConditionalGAN`. With
    `attention_resolution`, a `SelfAttention2D` layer (SAGAN, BigGAN)
    follows the block whose output has that height.

    Args:
        latent_dim: Int, size of the latent vector.
        image_shape: `(height, width, channels)`, 1 or 3 channels. With
            `num_blocks=None`, height and width must be `4 * 2**n` (8, 16,
            32, 64, ...).
        filters: Channels of the last (full-resolution) block.
        max_filters: Cap on the channels of the lower-resolution blocks.
        num_blocks: None to start from 4x4, or the number of up blocks (then
            height and width divisible by `2**num_blocks`, e.g. 28x28 from
            7x7 with 2 blocks).
        num_classes: None (unconditional) or the number of classes.
        attention_resolution: None, or the height of a block's output after
            which to apply self-attention.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` latents, or
        `[latent (batch, latent_dim), label (batch,) int32]` with
        `num_classes`, to float32 images `(batch, *image_shape)` in [-1, 1].

    Raises:
        ValueError: On an image size the blocks cannot reach, `filters`,
            `max_filters`, `latent_dim` or `num_classes` below 1, or an
            `attention_resolution` that no block produces.

    Example:

    ```python
    generator = resnet_generator(128, image_shape=(32, 32, 3), filters=64)
    images = generator(keras.random.normal((4, 128)))  # (4, 32, 32, 3)
    ```

    Reference:
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    - [Zhang et al., 2019](https://arxiv.org/abs/1805.08318)
    - [Brock et al., 2019](https://arxiv.org/abs/1809.11096)
    """
    builder = "resnet_generator"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    filters, max_filters = _filters_args(filters, max_filters, builder)
    (height, width, channels), num_blocks = progressive_image_shape(
        image_shape, num_blocks, builder
    )
    if num_classes is not None:
        num_classes = positive_int(num_classes, "num_classes", builder)
    resolutions = [height // 2 ** (num_blocks - i - 1) for i in range(num_blocks)]
    widths = [
        level_filters(filters, max_filters, num_blocks - i - 1)
        for i in range(num_blocks)
    ]
    attention_resolution = _attention_arg(
        attention_resolution, resolutions, widths, builder
    )

    def normalize(x, label):
        if num_classes is not None:
            return ConditionalBatchNormalization(
                num_classes, momentum=0.9, epsilon=1e-5
            )([x, label])
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)

    factor = 2**num_blocks
    start = (height // factor, width // factor)
    latent = keras.Input((latent_dim,), name="latent")
    label = _label_input() if num_classes is not None else None
    units = level_filters(filters, max_filters, num_blocks)
    x = layers.Dense(start[0] * start[1] * units)(latent)
    x = layers.Reshape((*start, units))(x)
    for i, resolution in enumerate(resolutions):
        out = level_filters(filters, max_filters, num_blocks - i - 1)
        h = layers.ReLU()(normalize(x, label))
        h = layers.UpSampling2D(2)(h)
        h = layers.Conv2D(out, 3, padding="same")(h)
        h = layers.ReLU()(normalize(h, label))
        h = layers.Conv2D(out, 3, padding="same")(h)
        shortcut = layers.UpSampling2D(2)(x)
        shortcut = layers.Conv2D(out, 1)(shortcut)
        x = layers.Add(name=f"up_block_{resolution}")([h, shortcut])
        if resolution == attention_resolution:
            x = _self_attention(False, resolution)(x)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    x = layers.ReLU()(x)
    outputs = layers.Conv2D(
        channels, 3, padding="same", activation="tanh", dtype="float32"
    )(x)
    inputs = latent if num_classes is None else [latent, label]
    return keras.Model(inputs, outputs, name=name)


def resnet_discriminator(
    image_shape=(32, 32, 3),
    filters=64,
    max_filters=512,
    num_blocks=None,
    num_classes=None,
    attention_resolution=None,
    spectral_norm=True,
    pack=1,
    name="discriminator",
):
    """ResNet discriminator of SNGAN and BigGAN, spectrally normalized.

    `num_blocks` residual down blocks halve the size (4x4 for the usual
    sizes), then one residual block keeps it:

    `x -> ReLU -> conv3x3 -> ReLU -> conv3x3 -> avgpool2`, plus the shortcut
    `conv1x1 -> avgpool2` (an identity when neither the size nor the
    channels change).

    The first block is SNGAN's "optimized" block, which sees the image
    without a ReLU first: `conv3x3 -> ReLU -> conv3x3 -> avgpool2` plus
    `avgpool2 -> conv1x1`. The first block has `filters` channels, doubling
    with each halving up to `max_filters`. A ReLU, global sum pooling and a
    dense layer give one logit per image. Every convolution and dense layer
    is wrapped in `keras.layers.SpectralNormalization` (Miyato et al.).

    With `num_classes`, the model takes `[image, label]` (as
    `conditional_dcgan_discriminator`) and the output is a
    `ProjectionDiscriminatorHead` on the pooled features (Miyato & Koyama),
    spectrally normalized with `spectral_norm`. With `attention_resolution`,
    a `SelfAttention2D` layer (spectrally normalized with `spectral_norm`)
    follows the down block whose output has that height. With `pack=m`
    (PacGAN), the input has `channels * m` channels: `m` samples
    concatenated along the channel axis, which `GAN(..., pack=m)` does.

    Args:
        image_shape: `(height, width, channels)` of one sample, 1 or 3
            channels. With `num_blocks=None`, height and width must be
            `4 * 2**n` (8, 16, 32, 64, ...).
        filters: Channels of the first block.
        max_filters: Cap on the channels of the lower-resolution blocks.
        num_blocks: None to go down to 4x4, or the number of down blocks
            (height and width divisible by `2**num_blocks`).
        num_classes: None (unconditional) or the number of classes.
        attention_resolution: None, or the height of a down block's output
            after which to apply self-attention.
        spectral_norm: Spectrally normalize every weight layer.
        pack: Samples packed into one discriminator input (PacGAN).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images `(batch, height, width,
        channels * pack)`, or `[image, label (batch,) int32]` with
        `num_classes`, to float32 logits `(batch, 1)`.

    Raises:
        ValueError: On an image size the blocks cannot reach, `filters`,
            `max_filters`, `num_classes` or `pack` below 1, or an
            `attention_resolution` that no block produces.

    Example:

    ```python
    discriminator = resnet_discriminator((32, 32, 3), filters=64)
    logits = discriminator(keras.random.normal((4, 32, 32, 3)))  # (4, 1)
    ```

    Reference:
    - [Miyato et al., 2018](https://arxiv.org/abs/1802.05957)
    - [Miyato & Koyama, 2018](https://arxiv.org/abs/1802.05637)
    - [Lin et al., 2018](https://arxiv.org/abs/1712.04086) (PacGAN)
    - [Brock et al., 2019](https://arxiv.org/abs/1809.11096)
    """
    builder = "resnet_discriminator"
    filters, max_filters = _filters_args(filters, max_filters, builder)
    (height, width, channels), num_blocks = progressive_image_shape(
        image_shape, num_blocks, builder
    )
    pack = positive_int(pack, "pack", builder)
    if num_classes is not None:
        num_classes = positive_int(num_classes, "num_classes", builder)
    resolutions = [height // 2 ** (i + 1) for i in range(num_blocks)]
    widths = [level_filters(filters, max_filters, i) for i in range(num_blocks)]
    attention_resolution = _attention_arg(
        attention_resolution, resolutions, widths, builder
    )

    def wrap(layer):
        return layers.SpectralNormalization(layer) if spectral_norm else layer

    def conv(units, kernel_size):
        return wrap(layers.Conv2D(units, kernel_size, padding="same"))

    image = keras.Input((height, width, channels * pack), name="image")
    label = _label_input() if num_classes is not None else None
    x = image
    units = filters
    for i in range(num_blocks + 1):
        down = i < num_blocks
        units_in = units
        units = level_filters(filters, max_filters, min(i, num_blocks - 1))
        if i == 0:  # SNGAN's optimized first block
            h = conv(units, 3)(x)
            h = conv(units, 3)(layers.ReLU()(h))
            h = layers.AveragePooling2D(2)(h)
            shortcut = conv(units, 1)(layers.AveragePooling2D(2)(x))
        else:
            h = conv(units, 3)(layers.ReLU()(x))
            h = conv(units, 3)(layers.ReLU()(h))
            shortcut = x
            if units != units_in or down:
                shortcut = conv(units, 1)(x)
            if down:
                h = layers.AveragePooling2D(2)(h)
                shortcut = layers.AveragePooling2D(2)(shortcut)
        resolution = height // 2 ** min(i + 1, num_blocks)
        block_name = f"down_block_{resolution}" if down else "block_final"
        x = layers.Add(name=block_name)([h, shortcut])
        if down and resolution == attention_resolution:
            x = _self_attention(spectral_norm, resolution)(x)
    x = layers.ReLU()(x)
    area = (height // 2**num_blocks) * (width // 2**num_blocks)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Rescaling(float(area), name="global_sum_pooling")(x)
    if num_classes is not None:
        outputs = ProjectionDiscriminatorHead(
            num_classes, spectral_norm=spectral_norm, dtype="float32"
        )([x, label])
        return keras.Model([image, label], outputs, name=name)
    if spectral_norm:
        dense = layers.SpectralNormalization(
            layers.Dense(1, dtype="float32"), dtype="float32", name="logits"
        )
    else:
        dense = layers.Dense(1, dtype="float32", name="logits")
    return keras.Model(image, dense(x), name=name)
