"""Image-to-image translation networks: CycleGAN's ResNet, pix2pix's U-Net, PatchGAN."""

import keras
from keras import layers

from keras_gan_layers.architectures.common import level_filters, positive_int
from keras_gan_layers.layers import InstanceNormalization, ReflectionPadding2D

NORMALIZATIONS = ("instance", "batch", None)


def _normalization_arg(normalization, builder):
    if normalization == "none":
        normalization = None
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"{builder} normalization must be 'instance', 'batch' or None. "
            f"Received: normalization={normalization!r}"
        )
    return normalization


def _normalize(x, normalization):
    """The normalization layer applied to `x` (PyTorch's epsilon and momentum)."""
    if normalization == "instance":
        return InstanceNormalization(epsilon=1e-5)(x)
    if normalization == "batch":
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
    return x


def _dropout_arg(dropout, builder):
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, (int, float))
        or not 0.0 <= dropout < 1.0
    ):
        raise ValueError(
            f"{builder} needs 0 <= dropout < 1. Received: dropout={dropout!r}"
        )
    return float(dropout)


def _non_negative_int(value, name, builder):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{builder} needs {name} >= 0. Received: {name}={value!r}")
    return value


def _image_shape_arg(image_shape, builder, factor=1, allow_none=False):
    """`(height, width, channels)`: sizes divisible by `factor` (or None)."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = ()

    def size_ok(d):
        if d is None:
            return allow_none
        return not isinstance(d, bool) and isinstance(d, int) and d >= 1

    if (
        len(shape) != 3
        or not all(size_ok(d) for d in shape[:2])
        or not (isinstance(shape[2], int) and not isinstance(shape[2], bool))
        or shape[2] < 1
        or any(d is not None and d % factor for d in shape[:2])
    ):
        sizes = f"height and width divisible by {factor}" if factor > 1 else "sizes"
        free = " (or None)" if allow_none else ""
        raise ValueError(
            f"{builder} needs image_shape=(height, width, channels) with "
            f"positive integer {sizes}{free} and channels >= 1. "
            f"Received: image_shape={image_shape!r}"
        )
    return shape


def resnet_translator(
    image_shape=(256, 256, 3),
    output_channels=None,
    filters=64,
    num_blocks=9,
    num_downsamples=2,
    normalization="instance",
    dropout=0.0,
    name="generator",
):
    """CycleGAN's ResNet generator (Johnson et al.'s image transformation net).

    In the notation of the CycleGAN paper (appendix 7.2), with
    `filters=64`, `num_downsamples=2` and `num_blocks=9`:

    `c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3`

    - `c7s1-k`: reflection padding 3, a 7x7 convolution with `k` filters,
      normalization, ReLU (the last one has no normalization and a `tanh`).
    - `dk`: a 3x3 stride-2 convolution with `k` filters, normalization,
      ReLU (`num_downsamples` of them, doubling the filters).
    - `Rk`: a residual block `x + h(x)` with `h` = reflection padding 1,
      3x3 convolution, normalization, ReLU, dropout (if `dropout > 0`),
      reflection padding 1, 3x3 convolution, normalization.
    - `uk`: a 3x3 stride-2 transposed convolution with `k` filters,
      normalization, ReLU (halving the filters back).

    The stride-2 convolutions use Keras' `"same"` padding, the other
    convolutions reflection padding (`ReflectionPadding2D`), as the
    official PyTorch code. Normalization is `InstanceNormalization`
    (learned per-channel scale and offset, epsilon 1e-5) by default; a
    convolution followed by a normalization has no bias. The PyTorch code
    uses an instance normalization without affine parameters and keeps the
    biases: with the same layers, this network has one more parameter per
    normalized channel (11,383,427 parameters at 256x256x3 with the defaults
    against 11,378,179).

    The network is fully convolutional: `image_shape` may have `None` as
    height and width; whatever they are, they must be divisible by
    `2**num_downsamples`, and the smallest feature map must be larger than
    1 pixel (reflection pads by 1 there) and the image larger than 3 pixels.

    Args:
        image_shape: `(height, width, channels)`; height and width divisible
            by `2**num_downsamples`, or None.
        output_channels: Channels of the output image; None for the input's.
        filters: Filters of the first convolution (doubling with each
            downsampling).
        num_blocks: Residual blocks at the lowest resolution (9 for 256x256
            images in the paper, 6 for 128x128). 0 is allowed.
        num_downsamples: Stride-2 convolutions (and transposed convolutions
            back up).
        normalization: `"instance"` (default, the paper), `"batch"` or None.
        dropout: Dropout rate inside the residual blocks, after the first
            convolution's ReLU. The paper uses none (0.0, the default); the
            PyTorch code's default options use 0.5 (none with
            `--no_dropout`).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping images `(batch, height, width,
        channels)` in [-1, 1] to float32 images `(batch, height, width,
        output_channels)` in [-1, 1].

    Raises:
        ValueError: On a bad `image_shape` (sizes not divisible by
            `2**num_downsamples`), `filters`, `num_downsamples` or
            `output_channels` below 1, a negative `num_blocks`, an unknown
            `normalization`, or `dropout` outside [0, 1).

    Example:

    ```python
    generator = resnet_translator((128, 128, 3), num_blocks=6)
    fake_b = generator(keras.random.uniform((1, 128, 128, 3), -1, 1))
    fake_b.shape  # (1, 128, 128, 3)
    ```

    Reference:
    - [Johnson et al., 2016](https://arxiv.org/abs/1603.08155)
    - [Zhu et al., 2017](https://arxiv.org/abs/1703.10593) (CycleGAN)
    """
    builder = "resnet_translator"
    filters = positive_int(filters, "filters", builder)
    num_blocks = _non_negative_int(num_blocks, "num_blocks", builder)
    num_downsamples = positive_int(num_downsamples, "num_downsamples", builder)
    height, width, channels = _image_shape_arg(
        image_shape, builder, factor=2**num_downsamples, allow_none=True
    )
    for size in (height, width):
        if size is not None and (size <= 3 or size // 2**num_downsamples < 2):
            raise ValueError(
                f"{builder} needs height and width above 3 and at least 2 "
                f"after {num_downsamples} halvings (for the reflection "
                f"padding). Received: image_shape={image_shape!r}"
            )
    if output_channels is None:
        output_channels = channels
    output_channels = positive_int(output_channels, "output_channels", builder)
    normalization = _normalization_arg(normalization, builder)
    dropout = _dropout_arg(dropout, builder)
    use_bias = normalization is None

    def conv_norm_relu(x, units, **kwargs):
        x = layers.Conv2D(units, use_bias=use_bias, **kwargs)(x)
        return layers.ReLU()(_normalize(x, normalization))

    inputs = keras.Input((height, width, channels), name="image")
    x = ReflectionPadding2D(3)(inputs)
    x = conv_norm_relu(x, filters, kernel_size=7)
    for i in range(num_downsamples):
        x = conv_norm_relu(
            x, filters * 2 ** (i + 1), kernel_size=3, strides=2, padding="same"
        )
    units = filters * 2**num_downsamples
    for i in range(num_blocks):
        h = ReflectionPadding2D(1)(x)
        h = conv_norm_relu(h, units, kernel_size=3)
        if dropout:
            h = layers.Dropout(dropout)(h)
        h = ReflectionPadding2D(1)(h)
        h = layers.Conv2D(units, 3, use_bias=use_bias)(h)
        h = _normalize(h, normalization)
        x = layers.Add(name=f"residual_block_{i}")([x, h])
    for i in reversed(range(num_downsamples)):
        x = layers.Conv2DTranspose(
            filters * 2**i, 3, strides=2, padding="same", use_bias=use_bias
        )(x)
        x = layers.ReLU()(_normalize(x, normalization))
    x = ReflectionPadding2D(3)(x)
    outputs = layers.Conv2D(output_channels, 7, activation="tanh", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


def _unet_depth(height, width, num_downsamples, builder, image_shape):
    if num_downsamples is not None:
        num_downsamples = positive_int(num_downsamples, "num_downsamples", builder)
        factor = 2**num_downsamples
        if height % factor or width % factor:
            raise ValueError(
                f"{builder} needs height and width divisible by "
                f"2**num_downsamples={factor}. Received: "
                f"image_shape={image_shape!r}, num_downsamples={num_downsamples}"
            )
        return num_downsamples
    depth = 0
    while height % 2 == 0 and width % 2 == 0:
        height, width, depth = height // 2, width // 2, depth + 1
    if depth < 1:
        raise ValueError(
            f"{builder} needs an even height and width (a power of two, e.g. "
            "256, to go down to 1x1). Received: "
            f"image_shape={image_shape!r}"
        )
    return depth


def unet_translator(
    image_shape=(256, 256, 3),
    output_channels=None,
    filters=64,
    num_downsamples=None,
    max_filters=512,
    dropout=0.5,
    normalization="batch",
    name="generator",
):
    """pix2pix's U-Net generator: an encoder-decoder with skip connections.

    With the defaults at 256x256 this is pix2pix's "U-Net 256" (appendix
    6.1.1 of the paper): the encoder `C64-C128-C256-C512-C512-C512-C512-C512`
    and the decoder `CD512-CD512-CD512-C512-C256-C128-C64` followed by a
    transposed convolution to `output_channels` and `tanh`, where

    - encoder `Ck`: 4x4 stride-2 convolution with `k` filters,
      normalization, LeakyReLU(0.2); the first has no normalization, and
      the innermost (bottleneck) none either (a 1x1 map: batch or instance
      statistics would be those of a single pixel), as in the PyTorch code;
    - decoder `Ck`: 4x4 stride-2 transposed convolution with `k` filters,
      normalization, `CDk` adding dropout, then ReLU; its output is
      concatenated with the encoder's feature map of the same size (the
      skip connection) before the next decoder block.

    Dropout is on the first three decoder blocks (the paper and the
    TensorFlow tutorial; the PyTorch code shifts them one block further
    out); with fewer blocks, on all but the last. It is active in training
    only: pix2pix also keeps it at test time as its noise source, which here
    means calling the model with `training=True`. Filters double from
    `filters` per level up to `max_filters`. Convolutions followed by a
    normalization have no bias.

    Args:
        image_shape: `(height, width, channels)`, height and width divisible
            by `2**num_downsamples` (any channel count).
        output_channels: Channels of the output; None for the input's.
        filters: Filters of the first encoder convolution.
        num_downsamples: Encoder blocks; None for as many halvings as the
            height and width allow (8 at 256x256: down to 1x1 for powers of
            two).
        max_filters: Cap on the filters.
        dropout: Dropout rate of the first three decoder blocks (0 disables
            it).
        normalization: `"batch"` (default, the paper), `"instance"` or None.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, height, width, channels)`
        to float32 `(batch, height, width, output_channels)` in [-1, 1].

    Raises:
        ValueError: On a bad `image_shape` or one that `num_downsamples`
            halvings cannot divide, `filters`, `max_filters`,
            `num_downsamples` or `output_channels` below 1, `max_filters <
            filters`, an unknown `normalization` or `dropout` outside [0, 1).

    Example:

    ```python
    generator = unet_translator((256, 256, 3))  # U-Net 256, 8 levels
    fake = generator(keras.random.uniform((1, 256, 256, 3), -1, 1))
    fake.shape  # (1, 256, 256, 3)
    ```

    Reference:
    - [Isola et al., 2017](https://arxiv.org/abs/1611.07004) (pix2pix)
    - [Ronneberger et al., 2015](https://arxiv.org/abs/1505.04597) (U-Net)
    """
    builder = "unet_translator"
    filters = positive_int(filters, "filters", builder)
    max_filters = positive_int(max_filters, "max_filters", builder)
    if max_filters < filters:
        raise ValueError(
            f"{builder} needs max_filters >= filters. Received: "
            f"filters={filters}, max_filters={max_filters}"
        )
    height, width, channels = _image_shape_arg(image_shape, builder)
    depth = _unet_depth(height, width, num_downsamples, builder, image_shape)
    if output_channels is None:
        output_channels = channels
    output_channels = positive_int(output_channels, "output_channels", builder)
    normalization = _normalization_arg(normalization, builder)
    dropout = _dropout_arg(dropout, builder)
    use_bias = normalization is None

    inputs = keras.Input((height, width, channels), name="image")
    x = inputs
    skips = []
    for level in range(depth):
        units = level_filters(filters, max_filters, level)
        if level:
            x = layers.LeakyReLU(negative_slope=0.2)(x)
        normalized = 0 < level < depth - 1
        x = layers.Conv2D(
            units,
            4,
            strides=2,
            padding="same",
            use_bias=use_bias or not normalized,
            name=f"encoder_{level}",
        )(x)
        if normalized:
            x = _normalize(x, normalization)
        skips.append(x)
    for i, level in enumerate(reversed(range(depth - 1))):
        x = layers.ReLU()(x)
        x = layers.Conv2DTranspose(
            level_filters(filters, max_filters, level),
            4,
            strides=2,
            padding="same",
            use_bias=use_bias,
            name=f"decoder_{level}",
        )(x)
        x = _normalize(x, normalization)
        if dropout and i < 3:
            x = layers.Dropout(dropout)(x)
        x = layers.Concatenate(name=f"skip_{level}")([x, skips[level]])
    x = layers.ReLU()(x)
    outputs = layers.Conv2DTranspose(
        output_channels,
        4,
        strides=2,
        padding="same",
        activation="tanh",
        dtype="float32",
        name="output",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def patchgan_receptive_field(num_layers):
    """Side of the input square one PatchGAN logit sees: `9 * 2**n - 2`.

    Every convolution is 4x4 with padding 1, the first `n` with stride 2,
    the last two with stride 1, so the field is `1 + 3 * (1 + 2 + ... +
    2**(n - 1) + 2**n + 2**n) = 9 * 2**n - 2`: 16, 34, 70, 142 for
    `n = 1, 2, 3, 4`.
    """
    return 9 * 2**num_layers - 2


def patchgan_discriminator(
    image_shape=(256, 256, 3),
    condition_shape=None,
    filters=64,
    num_layers=3,
    normalization="instance",
    max_filters=None,
    name="discriminator",
):
    """The PatchGAN discriminator of pix2pix and CycleGAN: a map of logits.

    With the defaults, the 70x70 PatchGAN `C64-C128-C256-C512` of both
    papers: 4x4 convolutions with padding 1, normalization (none on the
    first) and LeakyReLU(0.2), the first `num_layers` with stride 2 and the
    next with stride 1, the filters doubling from `filters` up to
    `8 * filters`; then a stride-1 4x4 convolution to one channel gives a
    map of logits (no sigmoid: the losses take logits), one per
    overlapping patch. As the PyTorch code, the padding is 1 pixel of
    zeros before every convolution, so a 256x256 image gives a 30x30 map.

    Each logit sees a `9 * 2**num_layers - 2` pixels square of the input
    (its receptive field: 70 for `num_layers=3`, 34 for 2, 16 for 1; see
    `patchgan_receptive_field`); neighbouring logits are `2**num_layers`
    pixels apart. With `normalization="instance"` (or batch normalization in
    training) each logit also depends on the whole image through the
    normalization statistics; the field is that of the convolutions.

    With `condition_shape` (pix2pix's conditional discriminator), the model
    takes `[condition, image]`, concatenated along the channels: the input
    image and the real or translated output.

    Args:
        image_shape: `(height, width, channels)` of the judged image; height
            and width may be None (fully convolutional); otherwise at least
            `2**num_layers * 3` for a non-empty output.
        condition_shape: None, or `(height, width, channels)` of the
            condition image, with the height and width of `image_shape`.
        filters: Filters of the first convolution.
        num_layers: Stride-2 convolutions (3: the 70x70 PatchGAN, 1: the
            16x16 one of the pix2pix paper; its 1x1 "PixelGAN" is another
            network, not built here).
        normalization: `"instance"` (default, CycleGAN), `"batch"`
            (pix2pix) or None.
        max_filters: Cap on the filters; None for `8 * filters` (the
            papers' 512 with 64).
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, height, width,
        channels)`, or `[condition, image]` with `condition_shape`, to
        float32 logits `(batch, height // 2**num_layers - 2,
        width // 2**num_layers - 2, 1)`.

    Raises:
        ValueError: On a bad `image_shape` or `condition_shape` (or their
            sizes differing), sizes too small for one logit, `filters`,
            `num_layers` or `max_filters` below 1, or an unknown
            `normalization`.

    Example:

    ```python
    discriminator = patchgan_discriminator((256, 256, 3))
    discriminator(keras.random.normal((1, 256, 256, 3))).shape  # (1, 30, 30, 1)
    pix2pix_d = patchgan_discriminator((256, 256, 3), condition_shape=(256, 256, 3))
    ```

    Reference:
    - [Isola et al., 2017](https://arxiv.org/abs/1611.07004) (pix2pix)
    - [Zhu et al., 2017](https://arxiv.org/abs/1703.10593) (CycleGAN)
    - [Li & Wand, 2016](https://arxiv.org/abs/1604.04382) (Markovian
      discriminators)
    """
    builder = "patchgan_discriminator"
    filters = positive_int(filters, "filters", builder)
    num_layers = positive_int(num_layers, "num_layers", builder)
    if max_filters is None:
        max_filters = 8 * filters
    max_filters = positive_int(max_filters, "max_filters", builder)
    normalization = _normalization_arg(normalization, builder)
    height, width, channels = _image_shape_arg(image_shape, builder, allow_none=True)
    minimum = 2**num_layers * 3
    for size in (height, width):
        if size is not None and size < minimum:
            raise ValueError(
                f"{builder} needs height and width >= 3 * 2**num_layers = "
                f"{minimum} for a non-empty patch map. "
                f"Received: image_shape={image_shape!r}, num_layers={num_layers}"
            )
    image = keras.Input((height, width, channels), name="image")
    if condition_shape is not None:
        c_height, c_width, c_channels = _image_shape_arg(
            condition_shape, builder, allow_none=True
        )
        if (c_height, c_width) != (height, width):
            raise ValueError(
                f"{builder} needs the condition and the image at the same "
                f"height and width. Received: condition_shape="
                f"{condition_shape!r}, image_shape={image_shape!r}"
            )
        condition = keras.Input((height, width, c_channels), name="condition")
        inputs = [condition, image]
        x = layers.Concatenate()([condition, image])
    else:
        inputs = image
        x = image
    use_bias = normalization is None
    for i in range(num_layers + 1):
        x = layers.ZeroPadding2D(1)(x)
        x = layers.Conv2D(
            min(filters * 2**i, max_filters),
            4,
            strides=2 if i < num_layers else 1,
            use_bias=use_bias or i == 0,
        )(x)
        if i:
            x = _normalize(x, normalization)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    outputs = layers.Conv2D(1, 4, dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
