import keras
import numpy as np
import pytest

from keras_gan_layers import architectures
from keras_gan_layers.layers import InstanceNormalization, ReflectionPadding2D

# Structure (shapes, layer lists, parameter counts) comes from the builders'
# Python code, the same on every backend: TensorFlow and PyTorch check it,
# JAX (slow to compile convolutions on CPU) runs the numerics only.
STRUCTURE_ONLY = pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="backend-independent builder structure; checked on TF and torch",
)


def layers_of(model, cls):
    return [layer for layer in model.layers if type(layer) is cls]


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def conv(k, c_in, c_out, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


def predict(model, inputs):
    """`model(inputs, training=False)` as numpy, compiled once (fast on JAX)."""
    return np.asarray(model.predict_on_batch(inputs))


def images(shape, n=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(n, *shape)).astype("float32")


# ---------------------------------------------------------------- ResNet

# Few distinct kernel shapes: JAX compiles the initializer of each new one.
TINY_RESNET = {
    "image_shape": (8, 8, 3),
    "filters": 4,
    "num_blocks": 1,
    "num_downsamples": 1,
}


def test_resnet_translator_output_and_range():
    g = architectures.resnet_translator(**TINY_RESNET)
    out = predict(g, images((8, 8, 3)))
    assert out.shape == (2, 8, 8, 3) and out.dtype == np.float32
    assert np.all(np.abs(out) <= 1.0)
    assert g.input_shape == (None, 8, 8, 3)


@STRUCTURE_ONLY
@pytest.mark.parametrize(
    "shape,kwargs,out",
    [
        ((32, 32, 3), {"output_channels": 1}, (32, 32, 1)),
        ((16, 32, 1), {}, (16, 32, 1)),
        ((24, 24, 3), {"num_downsamples": 3, "output_channels": 2}, (24, 24, 2)),
    ],
)
def test_resnet_translator_shapes(shape, kwargs, out):
    g = architectures.resnet_translator(shape, filters=4, num_blocks=1, **kwargs)
    assert g.output_shape == (None, *out)


@STRUCTURE_ONLY
def test_resnet_translator_fully_convolutional():
    g = architectures.resnet_translator((None, None, 3), filters=4, num_blocks=1)
    assert g.output_shape == (None, None, None, 3)
    for size in [(16, 16), (12, 20)]:
        assert tuple(g(images((*size, 3), n=1)).shape) == (1, *size, 3)


@STRUCTURE_ONLY
def test_resnet_translator_layer_list():
    nb, nd, f = 3, 2, 4
    g = architectures.resnet_translator(
        (16, 16, 3), filters=f, num_blocks=nb, num_downsamples=nd, dropout=0.5
    )
    # c7s1 in and out (padding 3) and two paddings of 1 per residual block.
    pads = [layer.padding for layer in layers_of(g, ReflectionPadding2D)]
    assert pads == [((3, 3),) * 2] + [((1, 1),) * 2] * (2 * nb) + [((3, 3),) * 2]
    assert len(layers_of(g, InstanceNormalization)) == 1 + nd + 2 * nb + nd
    assert len(layers_of(g, keras.layers.Add)) == nb
    assert len(layers_of(g, keras.layers.Dropout)) == nb
    strided = [
        c.filters for c in layers_of(g, keras.layers.Conv2D) if c.strides == (2, 2)
    ]
    assert strided == [8, 16]
    ups = [c.filters for c in layers_of(g, keras.layers.Conv2DTranspose)]
    assert ups == [8, 4]
    # Normalized convolutions carry no bias; only the tanh output has one.
    biased = [c for c in layers_of(g, keras.layers.Conv2D) if c.use_bias]
    assert len(biased) == 1 and biased[0].activation is keras.activations.tanh


@STRUCTURE_ONLY
def test_resnet_translator_paper_parameter_count():
    # c7s1-64, d128, d256, R256 x 9, u128, u64, c7s1-3 at 256x256x3.
    # PyTorch's ResnetGenerator: every convolution has a bias and its
    # InstanceNorm2d has no affine parameters, 11,378,179 parameters:
    torch_count = (
        conv(7, 3, 64)
        + conv(3, 64, 128)
        + conv(3, 128, 256)
        + 9 * 2 * conv(3, 256, 256)
        + conv(3, 256, 128)
        + conv(3, 128, 64)
        + conv(7, 64, 3)
    )
    assert torch_count == 11_378_179
    # Here a normalized convolution has no bias but its InstanceNormalization
    # a gamma and a beta: one more parameter per normalized channel.
    normalized_channels = 64 + 128 + 256 + 9 * 2 * 256 + 128 + 64
    g = architectures.resnet_translator()
    assert trainable_count(g) == torch_count + normalized_channels == 11_383_427
    assert g.count_params() == 11_383_427  # no non-trainable weights


@STRUCTURE_ONLY
def test_resnet_translator_batch_norm_and_no_norm():
    g = architectures.resnet_translator(
        (16, 16, 3), filters=4, num_blocks=1, normalization="batch"
    )
    assert len(layers_of(g, keras.layers.BatchNormalization)) == 1 + 2 + 2 + 2
    g = architectures.resnet_translator(
        (16, 16, 3), filters=4, num_blocks=1, normalization=None
    )
    assert not layers_of(g, InstanceNormalization)
    assert all(c.use_bias for c in layers_of(g, keras.layers.Conv2D))


def test_resnet_translator_training_step_reaches_every_layer():
    g = architectures.resnet_translator(**TINY_RESNET)
    before = [keras.ops.convert_to_numpy(keras.ops.copy(w)) for w in g.weights]
    g.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = images((8, 8, 3))
    g.fit(x, -x, epochs=1, batch_size=2, verbose=0)
    for w, old in zip(g.weights, before):
        new = keras.ops.convert_to_numpy(w)
        assert np.all(np.isfinite(new)) and not np.array_equal(old, new), w.path


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"image_shape": (30, 32, 3)}, "divisible by 4"),
        ({"image_shape": (32, 32)}, "image_shape=\\(height, width, channels\\)"),
        ({"image_shape": (32, 32, 0)}, "channels >= 1"),
        ({"image_shape": (4, 4, 3)}, "at least 2 after 2 halvings"),
        ({"filters": 0}, "filters >= 1"),
        ({"num_blocks": -1}, "num_blocks >= 0"),
        ({"num_downsamples": 0}, "num_downsamples >= 1"),
        ({"output_channels": 0}, "output_channels >= 1"),
        ({"normalization": "layer"}, "normalization must be"),
        ({"dropout": 1.0}, "0 <= dropout < 1"),
    ],
)
def test_resnet_translator_bad_arguments(kwargs, match):
    kwargs = {"image_shape": (16, 16, 3), **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.resnet_translator(**kwargs)


# ---------------------------------------------------------------- U-Net


def test_unet_translator_output():
    g = architectures.unet_translator((8, 8, 3), filters=4, max_filters=4)
    out = predict(g, images((8, 8, 3)))
    assert out.shape == (2, 8, 8, 3) and out.dtype == np.float32
    assert np.all(np.abs(out) <= 1.0)


@STRUCTURE_ONLY  # Keras' own Dropout; eager JAX takes ~50 s on this model
def test_unet_translator_dropout_in_training_only():
    g = architectures.unet_translator((16, 16, 3), filters=4, max_filters=8)
    x = images((16, 16, 3))
    a = keras.ops.convert_to_numpy(g(x, training=False))
    b = keras.ops.convert_to_numpy(g(x, training=False))
    assert a.shape == (2, 16, 16, 3) and np.all(np.abs(a) <= 1.0)
    np.testing.assert_array_equal(a, b)
    c = keras.ops.convert_to_numpy(g(x, training=True))
    d = keras.ops.convert_to_numpy(g(x, training=True))
    assert not np.allclose(c, d)


@STRUCTURE_ONLY
@pytest.mark.parametrize(
    "shape,num_downsamples,depth,bottom",
    [
        ((32, 32, 3), None, 5, (1, 1)),  # down to 1x1, as U-Net 256 with 8
        ((16, 32, 1), None, 4, (1, 2)),
        ((24, 24, 3), None, 3, (3, 3)),  # as many halvings as 24 allows
        ((32, 32, 3), 3, 3, (4, 4)),
    ],
)
def test_unet_translator_depth_and_skips(shape, num_downsamples, depth, bottom):
    f, cap = 4, 16
    g = architectures.unet_translator(
        shape, filters=f, max_filters=cap, num_downsamples=num_downsamples
    )
    encoders = [g.get_layer(f"encoder_{i}") for i in range(depth)]
    with pytest.raises(ValueError):
        g.get_layer(f"encoder_{depth}")
    assert encoders[-1].output.shape[1:3] == bottom
    for level, encoder in enumerate(encoders):
        units = min(f * 2**level, cap)
        h, w = shape[0] // 2 ** (level + 1), shape[1] // 2 ** (level + 1)
        assert encoder.output.shape == (None, h, w, units)
        if level < depth - 1:
            # Decoder output and the encoder map of the same size, concatenated.
            assert g.get_layer(f"decoder_{level}").output.shape == (None, h, w, units)
            assert g.get_layer(f"skip_{level}").output.shape == (None, h, w, 2 * units)
    assert g.output_shape == (None, *shape)
    assert len(layers_of(g, keras.layers.Dropout)) == min(3, depth - 1)
    # No normalization after the first and the innermost encoder convolution.
    assert len(layers_of(g, keras.layers.BatchNormalization)) == (depth - 2) + (
        depth - 1
    )
    assert len(layers_of(g, keras.layers.LeakyReLU)) == depth - 1
    assert len(layers_of(g, keras.layers.ReLU)) == depth


@STRUCTURE_ONLY
def test_unet_translator_paper_parameter_count():
    # U-Net 256 (pix2pix appendix 6.1.1): encoder C64-C128-C256-C512 x 5,
    # decoder CD512 x 3, C512, C256, C128, C64, output transposed conv to 3.
    # Batch normalization (gamma, beta trainable) on every conv but the first
    # and the innermost encoder one; those two keep their bias here (the
    # PyTorch code drops it, 64 + 512 fewer parameters: 54,413,955).
    enc = [64, 128, 256, 512, 512, 512, 512, 512]
    count = conv(4, 3, 64) + conv(4, 512, 512)
    count += sum(conv(4, a, b, bias=False) + 2 * b for a, b in zip(enc[:-1], enc[1:]))
    count -= conv(4, 512, 512, bias=False) + 2 * 512  # the innermost, counted above
    # Decoder level l outputs enc[l] from the concatenated map of level l + 1
    # (the innermost's input is not concatenated).
    count += conv(4, 512, 512, bias=False) + 2 * 512
    for level in range(5, -1, -1):
        count += conv(4, 2 * enc[level + 1], enc[level], bias=False) + 2 * enc[level]
    count += conv(4, 2 * 64, 3)
    assert count - 64 - 512 == 54_413_955
    g = architectures.unet_translator()
    assert g.output_shape == (None, 256, 256, 3)
    assert trainable_count(g) == count


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"image_shape": (15, 16, 3)}, "even height and width"),
        ({"image_shape": (24, 24, 3), "num_downsamples": 4}, "divisible by"),
        ({"image_shape": (None, 16, 3)}, "positive integer sizes"),
        ({"filters": 16, "max_filters": 8}, "max_filters >= filters"),
        ({"num_downsamples": 0}, "num_downsamples >= 1"),
        ({"output_channels": -1}, "output_channels >= 1"),
        ({"normalization": "group"}, "normalization must be"),
        ({"dropout": -0.1}, "0 <= dropout < 1"),
    ],
)
def test_unet_translator_bad_arguments(kwargs, match):
    kwargs = {"image_shape": (16, 16, 3), "filters": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.unet_translator(**kwargs)


# ---------------------------------------------------------------- PatchGAN


def field_window(num_layers):
    """`(stride, offset, field)` of a PatchGAN logit, layer by layer.

    Output row `i` sees input rows `stride * i - offset` to
    `stride * i - offset + field - 1`: 4x4 convolutions with one pixel of
    padding, strides 2 (`num_layers` times), 1, 1.
    """
    stride, offset, field = 1, 0, 1
    for s in [2] * num_layers + [1, 1]:
        offset += 1 * stride  # padding 1 at this layer's input
        field += (4 - 1) * stride
        stride *= s
    return stride, offset, field


@STRUCTURE_ONLY  # the convolutions' geometry; ~20 s of compilation on JAX
@pytest.mark.parametrize("num_layers,size,field", [(1, 24, 16), (3, 96, 70)])
def test_patchgan_receptive_field_by_perturbation(num_layers, size, field):
    assert field_window(num_layers)[2] == field
    assert architectures.patchgan_receptive_field(num_layers) == field
    stride, offset, _ = field_window(num_layers)
    d = architectures.patchgan_discriminator(
        (size, 8 * 2**num_layers // 2, 1),
        filters=2,
        num_layers=num_layers,
        normalization=None,
    )
    # One image per input row, that row changed, plus the unchanged image:
    # the output rows that change are those whose patch holds the row.
    base = images(d.input_shape[1:], n=1)[0]
    batch = np.repeat(base[None], size + 1, axis=0)
    for r in range(size):
        batch[r, r] += 5.0
    out = predict(d, batch)[..., 0]
    changed = np.any(out[:-1] != out[-1:], axis=2)  # (input row, output row)
    rows = out.shape[1]
    assert rows == size // 2**num_layers - 2
    for i in range(rows):
        seen = np.flatnonzero(changed[:, i])
        first = stride * i - offset
        expected = np.arange(max(first, 0), min(first + field, size))
        np.testing.assert_array_equal(seen, expected)
    # Some output row sees a full field inside the image.
    assert max(changed.sum(axis=0)) == field


@STRUCTURE_ONLY
@pytest.mark.parametrize(
    "shape,num_layers,out",
    [((256, 256, 3), 3, (30, 30)), ((64, 32, 3), 3, (6, 2)), ((32, 32, 1), 2, (6, 6))],
)
def test_patchgan_output_shape(shape, num_layers, out):
    d = architectures.patchgan_discriminator(shape, filters=2, num_layers=num_layers)
    assert d.output_shape == (None, *out, 1)


@STRUCTURE_ONLY  # Keras' own layers only; ~10 s of initializer compilation on JAX
def test_patchgan_conditional_takes_condition_and_image():
    d = architectures.patchgan_discriminator(
        (24, 24, 3), condition_shape=(24, 24, 1), filters=2, num_layers=1
    )
    assert [tuple(i.shape) for i in d.inputs] == [(None, 24, 24, 1), (None, 24, 24, 3)]
    assert [i.name for i in d.inputs] == ["condition", "image"]
    first = layers_of(d, keras.layers.Conv2D)[0]
    assert first.kernel.shape == (4, 4, 4, 2)  # 1 + 3 channels concatenated
    out = predict(d, [images((24, 24, 1)), images((24, 24, 3))])
    assert out.shape == (2, 10, 10, 1) and out.dtype == np.float32


@STRUCTURE_ONLY
def test_patchgan_paper_parameter_counts():
    # C64-C128-C256-C512 (stride 2, 2, 2, 1) then a 1-channel conv, 4x4.
    def count(c_in, affine):
        widths = [64, 128, 256, 512]
        total = conv(4, c_in, 64) + conv(4, 512, 1)
        for a, b in zip(widths[:-1], widths[1:]):
            # no bias on a normalized conv, gamma and beta in the norm
            total += conv(4, a, b, bias=False) + (2 * b if affine else b)
        return total

    # CycleGAN: PyTorch's count (bias + non-affine instance norm) is
    # 2,764,737, the same layers with affine norm and no bias one more per
    # normalized channel.
    assert count(3, affine=False) == 2_764_737
    d = architectures.patchgan_discriminator()
    assert trainable_count(d) == count(3, affine=True) == 2_764_737 + 896
    # pix2pix: condition and image, 6 channels, batch norm (2,768,705 in
    # PyTorch too: it also drops the bias before a batch norm).
    d = architectures.patchgan_discriminator(
        condition_shape=(256, 256, 3), normalization="batch"
    )
    assert trainable_count(d) == count(6, affine=True) == 2_768_705
    assert d.output_shape == (None, 30, 30, 1)


@STRUCTURE_ONLY
def test_patchgan_fully_convolutional_and_layer_list():
    d = architectures.patchgan_discriminator((None, None, 3), filters=2)
    assert d.output_shape == (None, None, None, 1)
    assert tuple(d(images((48, 40, 3), n=1)).shape) == (1, 4, 3, 1)
    convs = layers_of(d, keras.layers.Conv2D)
    assert [c.strides for c in convs] == [(2, 2)] * 3 + [(1, 1)] * 2
    assert [c.filters for c in convs] == [2, 4, 8, 16, 1]
    assert len(layers_of(d, InstanceNormalization)) == 3
    assert len(layers_of(d, keras.layers.LeakyReLU)) == 4


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"image_shape": (20, 32, 3)}, "height and width >= 3 \\* 2\\*\\*num_layers"),
        ({"image_shape": (32, 32)}, "image_shape=\\(height, width, channels\\)"),
        ({"condition_shape": (16, 32, 3)}, "same height and width"),
        ({"condition_shape": (32, 32)}, "image_shape=\\(height, width, channels\\)"),
        ({"num_layers": 0}, "num_layers >= 1"),
        ({"filters": 0}, "filters >= 1"),
        ({"max_filters": 0}, "max_filters >= 1"),
        ({"normalization": "spectral"}, "normalization must be"),
    ],
)
def test_patchgan_bad_arguments(kwargs, match):
    kwargs = {"image_shape": (32, 32, 3), "filters": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.patchgan_discriminator(**kwargs)


@STRUCTURE_ONLY
def test_networks_round_trip_through_keras_saving(tmp_path):
    x = images((16, 16, 3), n=1)
    for model, inputs in [
        (architectures.resnet_translator((16, 16, 3), filters=2, num_blocks=1), x),
        (architectures.unet_translator((16, 16, 3), filters=2, max_filters=4), x),
        (
            architectures.patchgan_discriminator(
                (16, 16, 3), condition_shape=(16, 16, 3), filters=2, num_layers=1
            ),
            [x, x],
        ),
    ]:
        path = str(tmp_path / f"{model.name}_{len(model.layers)}.keras")
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(restored(inputs, training=False)),
            keras.ops.convert_to_numpy(model(inputs, training=False)),
            rtol=1e-6,
            atol=1e-6,
        )
