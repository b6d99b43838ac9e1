"""StyleGAN2-like mapping network, generator and discriminator."""

import math

import keras
from keras import layers

from keras_gan_layers.architectures.common import (
    level_filters,
    positive_int,
    progressive_image_shape,
)
from keras_gan_layers.layers import (
    Blur2D,
    ConstantInput,
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    ModulatedConv2D,
    NoiseInjection,
    PixelNormalization,
    Truncation,
)

ARCHITECTURES = ("skip", "resnet")


def _architecture_arg(architecture, builder):
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"{builder} architecture must be 'skip' or 'resnet'. "
            f"Received: architecture={architecture!r}"
        )
    return architecture


def _square_shape(image_shape, builder):
    """`(shape, n)`: a square image of side `4 * 2**n`, n >= 1."""
    shape, n = progressive_image_shape(image_shape, None, builder)
    if shape[0] != shape[1]:
        raise ValueError(
            f"{builder} needs a square image (height == width). "
            f"Received: image_shape={image_shape}"
        )
    return shape, n


def _filters_args(filters, max_filters, builder):
    filters = positive_int(filters, "filters", builder)
    max_filters = positive_int(max_filters, "max_filters", builder)
    if max_filters < filters:
        raise ValueError(
            f"{builder} needs max_filters >= filters. Received: "
            f"filters={filters}, max_filters={max_filters}"
        )
    return filters, max_filters


def _positive_float(value, name, builder):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{builder} needs {name} > 0. Received: {name}={value!r}")
    return float(value)


def mapping_network(
    latent_dim=512,
    w_dim=512,
    num_layers=8,
    lr_multiplier=0.01,
    name="mapping",
):
    """StyleGAN's mapping network from the latent space Z to W.

    `PixelNormalization` of the latent vector, then `num_layers`
    `EqualizedDense(w_dim)` layers with leaky ReLU (slope 0.2) and the
    learning-rate multiplier `lr_multiplier` (0.01 in StyleGAN: the mapping
    learns 100x slower than the synthesis network).

    Args:
        latent_dim: Int, size of the latent vector z.
        w_dim: Int, size of the intermediate latent vector w.
        num_layers: Int, number of dense layers (8 in StyleGAN).
        lr_multiplier: Float > 0, learning-rate multiplier of every layer.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` to
        `(batch, w_dim)`.

    Raises:
        ValueError: If a size or `num_layers` is below 1 or
            `lr_multiplier <= 0`.

    Example:

    ```python
    mapping = mapping_network(latent_dim=128, w_dim=128, num_layers=4)
    w = mapping(keras.random.normal((4, 128)))  # (4, 128)
    ```

    Reference:
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    - [Karras et al., 2020 (StyleGAN2)](https://arxiv.org/abs/1912.04958)
    """
    builder = "mapping_network"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    w_dim = positive_int(w_dim, "w_dim", builder)
    num_layers = positive_int(num_layers, "num_layers", builder)
    lr_multiplier = _positive_float(lr_multiplier, "lr_multiplier", builder)
    latent = keras.Input((latent_dim,), name="latent")
    x = PixelNormalization(name="pixel_norm")(latent)
    for i in range(num_layers):
        x = EqualizedDense(
            w_dim,
            activation="leaky_relu",
            lr_multiplier=lr_multiplier,
            name=f"dense_{i}",
        )(x)
    return keras.Model(latent, x, name=name)


def _activate(x, gain=1.0):
    x = layers.LeakyReLU(0.2)(x)
    return layers.Rescaling(gain)(x) if gain != 1.0 else x


def style_generator(
    latent_dim=512,
    image_shape=(32, 32, 3),
    w_dim=None,
    filters=64,
    max_filters=512,
    architecture="skip",
    mapping_layers=8,
    mapping_lr_multiplier=0.01,
    truncation_psi=1.0,
    w_avg_beta=0.995,
    output_activation="tanh",
    name="generator",
):
    """StyleGAN2-like generator: mapping network, truncation, synthesis network.

    The latent vector z goes through `mapping_network` to w, then through a
    `Truncation` layer (name `"truncation"`), which tracks `w_avg`, the
    running mean of w in training (decay `w_avg_beta`), and in inference
    returns `w_avg + psi * (w - w_avg)`. The synthesis network starts from a
    learned 4x4 constant (`ConstantInput`) and doubles the size per
    resolution with two `ModulatedConv2D` 3x3 convolutions styled by w (the
    first with `upsample=True`), each followed by `NoiseInjection` and a
    leaky ReLU times `sqrt(2)` (StyleGAN2's gain). With `architecture="skip"` (StyleGAN2's generator) every
    resolution has a toRGB layer (a 1x1 `ModulatedConv2D` without
    demodulation) and the images are summed across resolutions, upsampling
    the running sum with `Blur2D(up=2)`; with `"resnet"` each block adds a
    `Blur2D(up=2)` + 1x1 `EqualizedConv2D` shortcut (scaled by
    `sqrt(1/2)`) and one toRGB makes the output.

    The channels are `filters` at the output resolution, doubling with each
    halving up to `max_filters`. One w styles every layer (no style mixing).
    The model maps latents to images, so it drops into `GAN` as it is.

    `output_activation="tanh"` keeps the images in [-1, 1], what the
    package's data checks and metrics expect; StyleGAN's own output is
    linear (`output_activation=None`), whose samples then need clipping
    before FID or saving.

    Change the truncation of a built generator with
    `set_truncation(generator, psi)` (or
    `generator.get_layer("truncation").psi.assign(psi)`); it is saved with
    the weights. With `GAN(..., ema_decay=...)`, set it on
    `gan.sampling_generator` (the EMA copy takes `w_avg` and `psi` from the
    trained generator after every update).

    Args:
        latent_dim: Int, size of the latent vector z.
        image_shape: `(size, size, channels)` with `size = 4 * 2**n` (8,
            16, 32, ...), 1 or 3 channels.
        w_dim: Int, size of w; defaults to `latent_dim`.
        filters: Channels at the output resolution.
        max_filters: Cap on the channels of the lower resolutions.
        architecture: `"skip"` or `"resnet"`.
        mapping_layers: Dense layers of the mapping network.
        mapping_lr_multiplier: Learning-rate multiplier of the mapping.
        truncation_psi: Initial truncation psi (1: no truncation).
        w_avg_beta: Decay of the running mean of w (StyleGAN: 0.995).
        output_activation: Activation of the output, `"tanh"` or None.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` to float32
        images `(batch, *image_shape)`; it contains the mapping network as
        the nested model `"mapping"` and the layer `"truncation"`.

    Raises:
        ValueError: On a size that is not square and `4 * 2**n`, sizes
            below 1, an unknown `architecture`, or bad truncation arguments.

    Example:

    ```python
    generator = style_generator(64, (16, 16, 3), filters=32, mapping_layers=4)
    images = generator(keras.random.normal((4, 64)))  # (4, 16, 16, 3)
    set_truncation(generator, 0.7)
    ```

    Reference:
    - [Karras et al., 2019 (StyleGAN)](https://arxiv.org/abs/1812.04948)
    - [Karras et al., 2020 (StyleGAN2)](https://arxiv.org/abs/1912.04958)
    """
    builder = "style_generator"
    latent_dim = positive_int(latent_dim, "latent_dim", builder)
    w_dim = latent_dim if w_dim is None else positive_int(w_dim, "w_dim", builder)
    filters, max_filters = _filters_args(filters, max_filters, builder)
    (size, _, channels), num_blocks = _square_shape(image_shape, builder)
    _architecture_arg(architecture, builder)
    if output_activation not in ("tanh", None):
        raise ValueError(
            f"{builder} output_activation must be 'tanh' or None. "
            f"Received: output_activation={output_activation!r}"
        )
    mapping = mapping_network(
        latent_dim, w_dim, mapping_layers, mapping_lr_multiplier, name="mapping"
    )
    truncation = Truncation(truncation_psi, w_avg_beta, name="truncation")

    def width(resolution):
        return level_filters(filters, max_filters, int(math.log2(size // resolution)))

    def styled_conv(x, w, units, upsample, resolution, index):
        x = ModulatedConv2D(
            units, 3, upsample=upsample, name=f"conv_{resolution}_{index}"
        )([x, w])
        x = NoiseInjection(name=f"noise_{resolution}_{index}")(x)
        return _activate(x, math.sqrt(2.0))

    def to_rgb(x, w, resolution):
        return ModulatedConv2D(
            channels, 1, demodulate=False, name=f"to_rgb_{resolution}"
        )([x, w])

    latent = keras.Input((latent_dim,), name="latent")
    w = truncation(mapping(latent))
    x = ConstantInput((4, 4, width(4)), name="constant")(w)
    x = styled_conv(x, w, width(4), False, 4, 0)
    rgb = to_rgb(x, w, 4) if architecture == "skip" else None
    for i in range(num_blocks):
        resolution = 8 * 2**i
        units = width(resolution)
        shortcut = x
        x = styled_conv(x, w, units, True, resolution, 0)
        x = styled_conv(x, w, units, False, resolution, 1)
        if architecture == "resnet":
            shortcut = Blur2D(up=2)(shortcut)
            shortcut = EqualizedConv2D(units, 1, use_bias=False, gain=1.0)(shortcut)
            x = layers.Add()([x, shortcut])
            x = layers.Rescaling(math.sqrt(0.5))(x)
        else:
            rgb = layers.Add()([Blur2D(up=2)(rgb), to_rgb(x, w, resolution)])
    if architecture == "resnet":
        rgb = to_rgb(x, w, size)
    outputs = layers.Activation(output_activation, dtype="float32", name="image")(rgb)
    return keras.Model(latent, outputs, name=name)


def set_truncation(generator, psi):
    """Set the truncation psi of every `Truncation` layer of a generator.

    Args:
        generator: A model made by `style_generator` (or any model containing
            `Truncation` layers, nested models included).
        psi: Float, the new psi (1: no truncation, 0: `w_avg` for every z).

    Returns:
        The number of layers changed.

    Raises:
        ValueError: If the model has no `Truncation` layer.

    Example:

    ```python
    set_truncation(gan.sampling_generator, 0.7)
    images = gan.generate(16, seed=0)
    ```
    """
    found = [
        layer
        for layer in _all_layers(generator)
        if isinstance(layer, Truncation) and layer.built
    ]
    if not found:
        raise ValueError(
            "set_truncation needs a built model with a Truncation layer (as "
            f"style_generator makes). Received: {getattr(generator, 'name', generator)!r}"
        )
    for layer in found:
        layer.psi.assign(float(psi))
    return len(found)


def _all_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _all_layers(layer)


def style_discriminator(
    image_shape=(32, 32, 3),
    filters=64,
    max_filters=512,
    architecture="resnet",
    mbstd_group_size=4,
    mbstd_num_channels=1,
    pack=1,
    name="discriminator",
):
    """StyleGAN2-like discriminator with equalized learning rate.

    With `architecture="resnet"` (StyleGAN2's discriminator), a 1x1
    `EqualizedConv2D` fromRGB layer, then one residual block per resolution
    down to 4x4: `conv3x3 -> lrelu -> conv3x3 -> Blur2D(down=2) -> lrelu`
    plus the shortcut `Blur2D(down=2) -> conv1x1` (no bias), summed and
    scaled by `sqrt(1/2)`. With `"skip"`, the blocks have no shortcut and
    every resolution adds a fromRGB of the image downsampled by
    `Blur2D(down=2)`. Before the last 4x4 block a `MinibatchStdDev` layer
    appends the standard deviation over groups of `mbstd_group_size`
    samples; the last block is `conv3x3 -> lrelu -> dense -> lrelu -> dense`
    to one logit (float32).

    The channels are `filters` at the input resolution, doubling with each
    halving up to `max_filters`. Leaky ReLUs have slope 0.2; the layers use
    the equalized learning rate with He's gain (ProGAN's convention, equal
    at initialization to StyleGAN2's gain after the activation).

    The batch size must be divisible by the group size (see
    `MinibatchStdDev`): with `fit`, pick a dataset size that is a multiple of
    the batch size, or `mbstd_group_size=None` to leave the layer out.

    Args:
        image_shape: `(size, size, channels)` of one sample with `size = 4 *
            2**n` (8, 16, 32, ...), 1 or 3 channels.
        filters: Channels at the input resolution.
        max_filters: Cap on the channels of the lower resolutions.
        architecture: `"resnet"` or `"skip"`.
        mbstd_group_size: Group size of the minibatch standard deviation
            (4 in StyleGAN2), or None for no such layer.
        mbstd_num_channels: Channels it appends (1 in StyleGAN2).
        pack: Samples packed into one input (PacGAN): the input has
            `channels * pack` channels, as `GAN(..., pack=pack)` feeds it.
        name: Model name.

    Returns:
        A functional `keras.Model` mapping `(batch, size, size, channels *
        pack)` to float32 logits `(batch, 1)`.

    Raises:
        ValueError: On a size that is not square and `4 * 2**n`, sizes,
            `pack` or group sizes below 1, or an unknown `architecture`.

    Example:

    ```python
    discriminator = style_discriminator((16, 16, 3), filters=32)
    logits = discriminator(keras.random.normal((4, 16, 16, 3)))  # (4, 1)
    ```

    Reference:
    - [Karras et al., 2020 (StyleGAN2)](https://arxiv.org/abs/1912.04958)
    - [Karras et al., 2018 (ProGAN)](https://arxiv.org/abs/1710.10196)
    - [Lin et al., 2018](https://arxiv.org/abs/1712.04086) (PacGAN)
    """
    builder = "style_discriminator"
    filters, max_filters = _filters_args(filters, max_filters, builder)
    (size, _, channels), num_blocks = _square_shape(image_shape, builder)
    _architecture_arg(architecture, builder)
    pack = positive_int(pack, "pack", builder)
    if mbstd_group_size is not None:
        mbstd_group_size = positive_int(mbstd_group_size, "mbstd_group_size", builder)
    mbstd_num_channels = positive_int(mbstd_num_channels, "mbstd_num_channels", builder)

    def width(resolution):
        return level_filters(filters, max_filters, int(math.log2(size // resolution)))

    def from_rgb(image, resolution):
        return EqualizedConv2D(
            width(resolution), 1, activation="leaky_relu", name=f"from_rgb_{resolution}"
        )(image)

    image = keras.Input((size, size, channels * pack), name="image")
    x = from_rgb(image, size)
    y = image
    for i in range(num_blocks):
        resolution = size // 2**i
        units = width(resolution // 2)
        if architecture == "skip" and i:
            x = layers.Add()([x, from_rgb(y, resolution)])
        shortcut = x
        x = EqualizedConv2D(width(resolution), 3, activation="leaky_relu")(x)
        x = EqualizedConv2D(units, 3)(x)
        x = _activate(Blur2D(down=2)(x))
        if architecture == "resnet":
            shortcut = Blur2D(down=2)(shortcut)
            shortcut = EqualizedConv2D(units, 1, use_bias=False, gain=1.0)(shortcut)
            x = layers.Add()([x, shortcut])
            x = layers.Rescaling(math.sqrt(0.5), name=f"block_{resolution}")(x)
        else:
            x = layers.Identity(name=f"block_{resolution}")(x)
            y = Blur2D(down=2)(y)
    if architecture == "skip":
        x = layers.Add()([x, from_rgb(y, 4)])
    if mbstd_group_size is not None:
        x = MinibatchStdDev(mbstd_group_size, mbstd_num_channels, name="mbstd")(x)
    x = EqualizedConv2D(width(4), 3, activation="leaky_relu")(x)
    x = layers.Flatten()(x)
    x = EqualizedDense(width(4), activation="leaky_relu")(x)
    outputs = EqualizedDense(1, gain=1.0, dtype="float32", name="logits")(x)
    return keras.Model(image, outputs, name=name)
