import keras
import numpy as np
import pytest

from keras_gan_layers import GAN, architectures
from keras_gan_layers.layers import (
    ConditionalBatchNormalization,
    ProjectionDiscriminatorHead,
    SelfAttention2D,
)

# Output shapes and layer structure come from the builders' Python code, the
# same on every backend; TensorFlow and PyTorch check them. JAX compiles each
# new shape eagerly (tens of seconds per case on CPU), so CI skips them there;
# the numerics of every layer and a training step run on JAX too.
STRUCTURE_ONLY = pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="backend-independent builder structure; checked on TF and torch",
)


LATENT = 4
CLASSES = 3
SHAPE = (8, 8, 1)
F = 8  # filters: one width everywhere keeps JAX's per-shape compilations few


def gen(shape=SHAPE, **kwargs):
    kwargs = {"filters": F, "max_filters": F, **kwargs}
    return architectures.resnet_generator(LATENT, shape, **kwargs)


def disc(shape=SHAPE, **kwargs):
    kwargs = {"filters": F, "max_filters": F, **kwargs}
    return architectures.resnet_discriminator(shape, **kwargs)


def numpy_out(model, inputs, **kwargs):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, model(inputs, **kwargs))


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def randomize(model, rng):
    """Per-class tables and attention gammas away from their neutral start."""
    for layer in layers_of(model, ConditionalBatchNormalization):
        layer.gamma.assign(rng.normal(1.0, 0.3, size=layer.gamma.shape))
        layer.beta.assign(rng.normal(size=layer.beta.shape))
    for layer in layers_of(model, SelfAttention2D):
        layer.gamma.assign(np.asarray(0.5, "float32").reshape(layer.gamma.shape))


@STRUCTURE_ONLY
@pytest.mark.parametrize(
    "shape,num_blocks,start",
    [
        ((16, 32, 1), None, (4, 8)),
        ((28, 28, 1), 2, (7, 7)),
    ],
)
def test_shapes(shape, num_blocks, start):
    g = architectures.resnet_generator(
        LATENT, shape, filters=F, max_filters=2 * F, num_blocks=num_blocks
    )
    d = architectures.resnet_discriminator(
        shape, filters=F, max_filters=2 * F, num_blocks=num_blocks
    )
    assert g.output_shape == (None, *shape)
    assert d.output_shape == (None, 1)
    reshape = layers_of(g, keras.layers.Reshape)[0]
    assert reshape.output.shape[1:3] == start
    ups = [x.output.shape for x in g.layers if x.name.startswith("up_block_")]
    assert [u[1:3] for u in ups] == [(start[0] * 2, start[1] * 2), tuple(shape[:2])]
    # Channels double going down in resolution, capped at max_filters.
    assert [u[-1] for u in ups] == [2 * F, F]
    assert reshape.output.shape[-1] == 2 * F
    downs = [x.output.shape for x in d.layers if x.name.startswith("down_block_")]
    assert [u[1:] for u in downs] == [
        (shape[0] // 2, shape[1] // 2, F),
        (*start, 2 * F),
    ]
    assert d.get_layer("block_final").output.shape[1:] == (*start, 2 * F)


def test_outputs(rng):
    g = gen()
    d = disc()
    images = numpy_out(g, rng.normal(size=(2, LATENT)).astype("float32"))
    assert images.shape == (2, *SHAPE) and images.dtype == np.float32
    assert np.abs(images).max() <= 1.0
    logits = numpy_out(d, images)
    assert logits.shape == (2, 1) and logits.dtype == np.float32


def test_blocks_are_residual_with_upsampled_shortcut(rng):
    """Each up block adds a conv path to `conv1x1(upsample(x))` (checked in numpy)."""
    g = gen()
    add = g.get_layer("up_block_8")
    x_in = layers_of(g, keras.layers.Reshape)[0].output
    shortcut_conv = [
        layer
        for layer in layers_of(g, keras.layers.Conv2D)
        if layer.kernel.shape[:2] == (1, 1)
    ][0]
    probe = keras.Model(g.inputs[0], [x_in, add.input[0], add.output])
    x, path, out = numpy_out(probe, rng.normal(size=(2, LATENT)).astype("float32"))
    up = x.repeat(2, axis=1).repeat(2, axis=2)  # nearest-neighbour upsampling
    kernel = keras.ops.convert_to_numpy(shortcut_conv.kernel)[0, 0]
    bias = keras.ops.convert_to_numpy(shortcut_conv.bias)
    np.testing.assert_allclose(out, path + up @ kernel + bias, rtol=1e-5, atol=1e-5)


def test_discriminator_structure_and_global_sum_pooling(rng):
    d = disc()
    # The optimized first block takes the raw image: its first layer is a
    # (spectrally normalized) conv on the input, not a ReLU.
    first = layers_of(d, keras.layers.SpectralNormalization)[0]
    assert first.input is d.inputs[0]
    (pooling,) = layers_of(d, keras.layers.GlobalAveragePooling2D)
    features = keras.Model(d.inputs[0], [pooling.input, d.get_layer("logits").input])
    maps, pooled = numpy_out(features, rng.uniform(-1, 1, (2, *SHAPE)))
    assert maps.shape == (2, 4, 4, F)
    assert maps.min() >= 0.0  # ReLU before the pooling
    np.testing.assert_allclose(pooled, maps.sum(axis=(1, 2)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("num_classes", [None, CLASSES])
def test_spectral_norm_on_every_weight_layer(num_classes):
    # 16x16: 2 down blocks + the final block. Optimized block: 3 convolutions;
    # second down block: 2 + the 1x1 shortcut; final block: 2 (same size and
    # channels: identity shortcut); + the dense logit = 9 (8 + the head).
    d = disc((16, 16, 1), num_classes=num_classes)
    wrapped = layers_of(d, keras.layers.SpectralNormalization)
    assert len(wrapped) == (9 if num_classes is None else 8)
    bare = layers_of(d, keras.layers.Conv2D) + layers_of(d, keras.layers.Dense)
    assert not bare
    d = disc((16, 16, 1), spectral_norm=False)
    assert not layers_of(d, keras.layers.SpectralNormalization)
    assert len(layers_of(d, keras.layers.Conv2D)) == 8


def test_conditional_generator(rng):
    g = gen(num_classes=3)
    assert [tuple(t.shape) for t in g.inputs] == [(None, LATENT), (None,)]
    assert [t.name for t in g.inputs] == ["latent", "label"]
    assert keras.backend.standardize_dtype(g.inputs[1].dtype) == "int32"
    # Two conditional BNs per block; the final BN is unconditional (SNGAN).
    assert len(layers_of(g, ConditionalBatchNormalization)) == 2
    assert len(layers_of(g, keras.layers.BatchNormalization)) == 1
    randomize(g, rng)
    z = np.repeat(rng.normal(size=(1, LATENT)), 3, axis=0).astype("float32")
    images = numpy_out(g, [z, np.array([0, 1, 2], "int32")])
    assert images.shape == (3, 8, 8, 1)
    assert not np.allclose(images[0], images[1])
    assert not np.allclose(images[1], images[2])


def test_conditional_discriminator_projection(rng):
    d = disc(num_classes=3)
    assert [tuple(t.shape) for t in d.inputs] == [(None, 8, 8, 1), (None,)]
    (head,) = layers_of(d, ProjectionDiscriminatorHead)
    assert head.spectral_norm and head.num_classes == 3
    image = np.repeat(rng.uniform(-1, 1, size=(1, 8, 8, 1)), 3, axis=0)
    logits = numpy_out(d, [image.astype("float32"), np.array([0, 1, 2], "int32")])
    assert logits.shape == (3, 1) and logits.dtype == np.float32
    assert len(np.unique(logits.round(6))) == 3


def test_attention_at_the_requested_resolution():
    g = gen((16, 16, 1), attention_resolution=8)
    (attention,) = layers_of(g, SelfAttention2D)
    assert attention.input.shape == (None, 8, 8, F)
    assert not attention.spectral_norm
    d = disc((16, 16, 1), attention_resolution=4)
    (attention,) = layers_of(d, SelfAttention2D)
    assert attention.input.shape == (None, 4, 4, F)
    assert attention.spectral_norm
    assert not layers_of(disc((16, 16, 1)), SelfAttention2D)


@STRUCTURE_ONLY
def test_pack_multiplies_the_input_channels(rng):
    assert disc().input_shape == (None, *SHAPE)
    nets = [
        disc((8, 8, 3), pack=2),
        architectures.dcgan_discriminator((8, 8, 3), filters=F, pack=2),
        architectures.mlp_discriminator((8, 8, 3), hidden_units=(4,), pack=2),
    ]
    for d in nets:
        assert d.input_shape == (None, 8, 8, 6)
        assert d.output_shape == (None, 1)
    x = rng.uniform(-1, 1, size=(2, 8, 8, 6)).astype("float32")
    assert numpy_out(nets[-1], x).shape == (2, 1)
    d = architectures.mlp_discriminator((2,), hidden_units=(4,), pack=3)
    assert d.input_shape == (None, 6)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"image_shape": (28, 28, 1)}, "4 \\* 2\\*\\*n.*image_shape=\\(28, 28, 1\\)"),
        ({"image_shape": (12, 16, 1)}, "4 \\* 2\\*\\*n"),
        ({"image_shape": (4, 4, 1)}, "4 \\* 2\\*\\*n"),
        (
            {"image_shape": (28, 28, 1), "num_blocks": 3},
            "divisible by 2\\*\\*num_blocks=8",
        ),
        ({"image_shape": (8, 8, 2)}, "1 or 3 channels"),
        ({"filters": 0}, "filters >= 1. Received: filters=0"),
        ({"max_filters": 2}, "max_filters >= filters. Received: filters=4"),
        ({"num_classes": 0}, "num_classes >= 1. Received: num_classes=0"),
        ({"attention_resolution": 16}, "height of a block's output, one of"),
        ({"attention_resolution": True}, "height of a block's output, one of"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"image_shape": (8, 8, 1), "filters": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.resnet_generator(LATENT, **args)
    with pytest.raises(ValueError, match=match):
        architectures.resnet_discriminator(**args)


def test_bad_attention_resolution():
    with pytest.raises(ValueError, match="one of 8, 16. Received: attention_res"):
        architectures.resnet_generator(LATENT, (16, 16, 1), attention_resolution=4)
    with pytest.raises(ValueError, match="one of 8, 4. Received: attention_res"):
        architectures.resnet_discriminator((16, 16, 1), attention_resolution=16)
    with pytest.raises(ValueError, match="multiple of 8 channels.*4 channels"):
        architectures.resnet_generator(
            LATENT, (16, 16, 1), filters=4, attention_resolution=16
        )
    with pytest.raises(ValueError, match="multiple of 8 channels.*4 channels"):
        architectures.resnet_discriminator(
            (16, 16, 1), filters=4, attention_resolution=8
        )


def test_bad_specific_arguments():
    with pytest.raises(ValueError, match="Received: latent_dim=0"):
        architectures.resnet_generator(0, (8, 8, 1))
    for build in (
        architectures.resnet_discriminator,
        architectures.dcgan_discriminator,
        architectures.mlp_discriminator,
    ):
        with pytest.raises(ValueError, match="pack >= 1. Received: pack=0"):
            build((8, 8, 1), pack=0)


def test_outputs_are_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        nets = [
            gen(),
            gen(num_classes=2),
            disc(),
            disc(num_classes=2),
        ]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for net in nets:
        assert keras.backend.standardize_dtype(net.outputs[0].dtype) == "float32"


@pytest.mark.parametrize(
    "build",
    [
        lambda: gen(num_classes=3, attention_resolution=8),
        lambda: disc(num_classes=3, attention_resolution=4),
    ],
)
def test_round_trip_through_keras_saving(rng, tmp_path, build):
    model = build()
    randomize(model, rng)
    first = model.inputs[0].shape[1:]
    inputs = [
        rng.normal(size=(4, *first)).astype("float32"),
        np.array([0, 1, 2, 1], "int32"),
    ]
    model(inputs, training=True)  # move the moving statistics / power iterations
    path = str(tmp_path / "net.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(numpy_out(loaded, inputs), numpy_out(model, inputs))


def test_tiny_gan_trains_with_hinge_loss(rng):
    # Spectral norm in D on every backend (on PyTorch the step keeps the
    # wrapper's kernel assignment out of autograd; backend/torch.py).
    spectral_norm = True
    shape = SHAPE
    gan = GAN(
        gen(shape),
        disc(shape, spectral_norm=spectral_norm),
        seed=0,
    )
    gan.compile(loss="hinge")
    before = [keras.ops.convert_to_numpy(w) for w in gan.generator.trainable_weights]
    images = rng.uniform(-1, 1, size=(16, *shape)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert np.isfinite(history.history["g_loss"][0])
    after = [keras.ops.convert_to_numpy(w) for w in gan.generator.trainable_weights]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
