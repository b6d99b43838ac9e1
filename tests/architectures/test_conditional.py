import keras
import numpy as np
import pytest

from keras_gan_layers import architectures
from keras_gan_layers.layers import (
    ConditionalBatchNormalization,
    LabelConcatenation,
    ProjectionDiscriminatorHead,
)

SHAPE = (8, 8, 1)
LATENT = 4
CLASSES = 3


def generator(conditioning="concatenation", **kwargs):
    kwargs = {"image_shape": SHAPE, "filters": 4, **kwargs}
    return architectures.conditional_dcgan_generator(
        LATENT, CLASSES, conditioning=conditioning, **kwargs
    )


def discriminator(conditioning="concatenation", **kwargs):
    return architectures.conditional_dcgan_discriminator(
        SHAPE, CLASSES, filters=4, conditioning=conditioning, **kwargs
    )


def numpy_out(model, inputs, **kwargs):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, model(inputs, **kwargs))


def layers_of(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def randomize_cbn_tables(model, rng):
    """Distinct per-class scales and shifts, as after some training."""
    for layer in layers_of(model, ConditionalBatchNormalization):
        layer.gamma.assign(rng.normal(1.0, 0.3, size=layer.gamma.shape))
        layer.beta.assign(rng.normal(size=layer.beta.shape))


@pytest.mark.parametrize(
    "conditioning,kwargs",
    [
        ("concatenation", {}),
        ("concatenation", {"embedding_dim": 2}),
        ("batch_norm", {}),
    ],
)
def test_generator_shapes_and_label_effect(rng, conditioning, kwargs):
    g = generator(conditioning, **kwargs)
    assert [tuple(t.shape) for t in g.inputs] == [(None, LATENT), (None,)]
    assert keras.backend.standardize_dtype(g.inputs[1].dtype) == "int32"
    randomize_cbn_tables(g, rng)
    z = np.repeat(rng.normal(size=(1, LATENT)), 3, axis=0).astype("float32")
    images = numpy_out(g, [z, np.array([0, 1, 2], "int32")])
    assert images.shape == (3, *SHAPE)
    assert np.abs(images).max() <= 1.0
    assert not np.allclose(images[0], images[1])
    assert not np.allclose(images[1], images[2])
    # Labels of shape (batch, 1) are accepted too.
    np.testing.assert_allclose(
        numpy_out(g, [z, np.array([[0], [1], [2]], "int32")]), images, atol=1e-6
    )


def test_generator_conditioning_layers():
    g = generator("concatenation")
    assert len(layers_of(g, LabelConcatenation)) == 1
    assert len(layers_of(g, keras.layers.BatchNormalization)) == 3
    assert not layers_of(g, ConditionalBatchNormalization)
    g = generator("batch_norm", num_blocks=3, image_shape=(16, 16, 3))
    assert g.output_shape == (None, 16, 16, 3)
    assert len(layers_of(g, ConditionalBatchNormalization)) == 4
    assert not layers_of(g, keras.layers.BatchNormalization)
    assert not layers_of(g, LabelConcatenation)


@pytest.mark.parametrize("conditioning", ["concatenation", "projection"])
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_discriminator_shapes_and_label_effect(rng, conditioning, spectral_norm):
    d = discriminator(conditioning, spectral_norm=spectral_norm, dropout=0.2)
    assert [tuple(t.shape) for t in d.inputs] == [(None, *SHAPE), (None,)]
    image = np.repeat(rng.uniform(-1, 1, size=(1, *SHAPE)), 3, axis=0)
    logits = numpy_out(d, [image.astype("float32"), np.array([0, 1, 2], "int32")])
    assert logits.shape == (3, 1) and logits.dtype == np.float32
    assert len(np.unique(logits.round(6))) == 3


def test_discriminator_layers():
    d = discriminator("concatenation", spectral_norm=True)
    assert len(layers_of(d, LabelConcatenation)) == 1
    first_conv = layers_of(d, keras.layers.SpectralNormalization)[0].layer
    assert first_conv.kernel.shape == (4, 4, SHAPE[-1] + CLASSES, 4)  # one-hot in
    assert len(layers_of(d, keras.layers.SpectralNormalization)) == 3
    d = discriminator("projection", spectral_norm=True)
    (head,) = layers_of(d, ProjectionDiscriminatorHead)
    assert head.spectral_norm
    assert len(layers_of(d, keras.layers.SpectralNormalization)) == 2  # + the head
    d = discriminator("auxiliary_classifier", spectral_norm=True)
    assert len(layers_of(d, keras.layers.SpectralNormalization)) == 4


def test_projection_uses_global_sum_pooling(rng):
    d = discriminator("projection")
    (head,) = layers_of(d, ProjectionDiscriminatorHead)
    (pooling,) = layers_of(d, keras.layers.GlobalAveragePooling2D)
    features = keras.Model(d.inputs, [pooling.input, head.input[0]])
    image = rng.uniform(-1, 1, size=(2, *SHAPE)).astype("float32")
    maps, pooled = numpy_out(features, [image, np.zeros(2, "int32")])
    assert maps.shape == (2, 2, 2, 8)
    np.testing.assert_allclose(pooled, maps.sum(axis=(1, 2)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_auxiliary_classifier_two_outputs_label_unused(rng, spectral_norm):
    d = discriminator("auxiliary_classifier", spectral_norm=spectral_norm)
    assert [tuple(t.shape) for t in d.inputs] == [(None, *SHAPE), (None,)]
    assert d.output_names == ["adversarial_logits", "class_logits"]
    image = rng.uniform(-1, 1, size=(3, *SHAPE)).astype("float32")
    adversarial, classes = numpy_out(d, [image, np.array([0, 1, 2], "int32")])
    assert adversarial.shape == (3, 1) and classes.shape == (3, CLASSES)
    assert adversarial.dtype == np.float32 and classes.dtype == np.float32
    other = numpy_out(d, [image, np.array([2, 2, 0], "int32")])
    np.testing.assert_array_equal(other[0], adversarial)
    np.testing.assert_array_equal(other[1], classes)


def test_outputs_are_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        nets = [generator("batch_norm"), generator("concatenation")] + [
            discriminator(c, spectral_norm=True)
            for c in ("concatenation", "projection", "auxiliary_classifier")
        ]
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for net in nets:
        for output in net.outputs:
            assert keras.backend.standardize_dtype(output.dtype) == "float32"


@pytest.mark.parametrize(
    "build,kwargs",
    [
        (generator, {"conditioning": "concatenation", "embedding_dim": 2}),
        (generator, {"conditioning": "batch_norm"}),
        (discriminator, {"conditioning": "concatenation"}),
        (discriminator, {"conditioning": "projection", "spectral_norm": True}),
        (discriminator, {"conditioning": "auxiliary_classifier"}),
    ],
)
def test_round_trip_through_keras_saving(rng, tmp_path, build, kwargs):
    model = build(**kwargs)
    randomize_cbn_tables(model, rng)
    first = model.inputs[0].shape[1:]
    inputs = [
        rng.normal(size=(4, *first)).astype("float32"),
        np.array([0, 1, 2, 1], "int32"),
    ]
    model(inputs, training=True)  # move the moving statistics / power iterations
    path = str(tmp_path / "net.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    expected = numpy_out(model, inputs)
    for a, b in zip(
        keras.tree.flatten(numpy_out(loaded, inputs)), keras.tree.flatten(expected)
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("build", [generator, discriminator])
def test_bad_conditioning(build):
    accepted = (
        "'concatenation', 'batch_norm'"
        if build is generator
        else "'concatenation', 'projection', 'auxiliary_classifier'"
    )
    with pytest.raises(ValueError, match=f"must be one of {accepted}.*'weird'"):
        build("weird")


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num_classes": 0}, "num_classes >= 1. Received: num_classes=0"),
        ({"image_shape": (10, 10, 1)}, "divisible by 2\\*\\*num_blocks=4"),
        ({"filters": 0}, "filters >= 1"),
    ],
)
def test_bad_arguments(kwargs, match):
    g_args = {"num_classes": CLASSES, "image_shape": SHAPE, **kwargs}
    with pytest.raises(ValueError, match=match):
        architectures.conditional_dcgan_generator(LATENT, **g_args)
    with pytest.raises(ValueError, match=match):
        architectures.conditional_dcgan_discriminator(**g_args)


def test_bad_generator_and_discriminator_specific_arguments():
    with pytest.raises(ValueError, match="embedding_dim >= 1"):
        generator(embedding_dim=0)
    with pytest.raises(ValueError, match="conditioning='concatenation' only"):
        generator("batch_norm", embedding_dim=4)
    with pytest.raises(ValueError, match="Received: latent_dim=0"):
        architectures.conditional_dcgan_generator(0, CLASSES)
    with pytest.raises(ValueError, match="0 <= dropout < 1"):
        discriminator(dropout=1.0)
