"""The bad-input table: one test per row of docs/errors.md.

Each test is named after its row (`test_f01_...` is row F01) and checks the
behaviour the table states: the exception type and the start (or a
distinctive part) of its message, or that the input is accepted.
"""

import json
import os
import zipfile

import keras
import numpy as np
import pytest
from keras import ops

import keras_gan_layers as kgl
from keras_gan_layers import (
    GAN,
    ConditionalGAN,
    CycleGAN,
    Pix2Pix,
    architectures,
    datasets,
)
from keras_gan_layers.cli.main import main
from keras_gan_layers.models import DiscriminatorView
from keras_gan_layers.models.data_checks import check_penalty_gradients
from tests.helpers import tiny_dcgan, tiny_images

NUM_CLASSES = 3


# ---------------------------------------------------------------- helpers
def compiled_gan(**compile_kwargs):
    gan = tiny_dcgan()
    gan.compile(**compile_kwargs)
    return gan


def tiny_cgan(discriminator=None, **kwargs):
    generator = architectures.conditional_dcgan_generator(
        8, NUM_CLASSES, (8, 8, 1), filters=8
    )
    if discriminator is None:
        discriminator = architectures.conditional_dcgan_discriminator(
            (8, 8, 1), NUM_CLASSES, filters=8
        )
    return ConditionalGAN(
        generator, discriminator, num_classes=NUM_CLASSES, seed=0, **kwargs
    )


def compiled_cgan(**compile_kwargs):
    gan = tiny_cgan()
    gan.compile(**compile_kwargs)
    return gan


def labels(n=8):
    return (np.arange(n) % NUM_CLASSES).astype("int32")


def fit(model, x, y=None, **kwargs):
    kwargs.setdefault("batch_size", 4)
    return model.fit(x, y, epochs=1, verbose=0, **kwargs)


def dense_bn_discriminator():
    """D with a batch normalization after a Dense layer: one value per feature."""
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(4)(h)
    h = keras.layers.BatchNormalization(name="dense_bn")(h)
    return keras.Model(inputs, keras.layers.Dense(1)(h), name="discriminator")


def gan_with(discriminator):
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    return GAN(generator, discriminator, seed=0)


class StopGradient(keras.layers.Layer):
    def call(self, x):
        return ops.stop_gradient(x)


def input_independent_discriminator():
    """D whose output has no gradient w.r.t. its input (weights still train)."""
    inputs = keras.Input((8, 8, 1))
    h = StopGradient()(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(1)(h), name="discriminator")


def label_only_discriminator():
    """Conditional D that reads the labels and ignores the images."""
    images = keras.Input((8, 8, 1))
    label = keras.Input((), dtype="int32")
    h = keras.layers.Embedding(NUM_CLASSES, 4)(label)
    return keras.Model([images, label], keras.layers.Dense(1)(h))


def cli_error(capsys, argv):
    """Run `keras-gan argv`; assert exit status 2 and a one-line error; return it."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse errors
        code = e.code
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def png(path, size=8):
    from PIL import Image

    Image.fromarray(np.zeros((size, size, 3), "uint8")).save(path)


def image_folder(tmp_path, broken=()):
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(3):
        png(folder / f"ok_{i}.png")
    for name in broken:
        (folder / name).write_bytes(b"garbage bytes, not an image")
    return folder


# ======================================================== F: data given to fit
def test_f01_missing_channel_axis():
    with pytest.raises(ValueError, match=r"GAN\.fit: the real images have shape "):
        fit(compiled_gan(), tiny_images(8)[..., 0])
    with pytest.raises(ValueError, match=r"Add the channel axis: x\[\.\.\., None\]"):
        fit(compiled_gan(), tiny_images(8)[..., 0])


def test_f02_wrong_channels():
    with pytest.raises(
        ValueError,
        match=r"have shape \(None, 8, 8, 3\), but the discriminator takes "
        r"\(None, 8, 8, 1\)",
    ):
        fit(compiled_gan(), tiny_images(8, shape=(8, 8, 3)))


def test_f03_wrong_image_size():
    with pytest.raises(ValueError, match=r"takes \(None, 8, 8, 1\)"):
        fit(compiled_gan(), tiny_images(8, shape=(16, 16, 1)))


def test_f04_wrong_shape_conditional():
    with pytest.raises(ValueError, match=r"ConditionalGAN\.fit: the real images"):
        fit(compiled_cgan(), tiny_images(8, shape=(8, 8, 3)), labels())


def test_f05_unbatched_dataset():
    tf = pytest.importorskip("tensorflow")
    data = tf.data.Dataset.from_tensor_slices(tiny_images(8))
    with pytest.raises(ValueError, match=r"The dataset is not batched"):
        compiled_gan().fit(data, epochs=1, verbose=0)


def test_f06_uint8_images_gan():
    x = np.zeros((8, 8, 8, 1), "uint8")
    with pytest.raises(ValueError, match=r"GAN expects real images as floats.*uint8"):
        fit(compiled_gan(), x)


def test_f07_uint8_images_conditional_gan():
    x = np.zeros((8, 8, 8, 1), "uint8")
    with pytest.raises(ValueError, match=r"GAN expects real images as floats.*uint8"):
        fit(compiled_cgan(), x, labels())


def test_f08_out_of_range_floats():
    x = tiny_images(8) * 127.5 + 127.5
    with pytest.raises(ValueError, match=r"GAN expects real images in \[-1\.0, 1\.0\]"):
        fit(compiled_gan(), x)


@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
def test_f09_non_finite_array(value):
    x = tiny_images(8)
    x[3, 0, 0, 0] = value
    with pytest.raises(
        ValueError, match=r"GAN received non-finite values \(NaN or inf\) in 1 of 8"
    ):
        fit(compiled_gan(), x)


def test_f10_non_finite_in_a_later_dataset_batch():
    tf = pytest.importorskip("tensorflow")
    x = tiny_images(8)
    x[7] = np.nan  # the second batch; fit checks the first one
    data = tf.data.Dataset.from_tensor_slices(x).batch(4)
    with pytest.raises(kgl.NonFiniteLossError, match=r"is nan at epoch 1, batch 2"):
        compiled_gan().fit(data, epochs=1, verbose=0, shuffle=False)


def test_f11_validation_data_checked():
    bad = np.zeros((4, 8, 8, 1), "uint8")
    with pytest.raises(ValueError, match="validation images"):
        fit(compiled_gan(), tiny_images(8), validation_data=bad)


def test_f12_empty_array():
    with pytest.raises(ValueError, match=r"GAN received empty real images"):
        fit(compiled_gan(), np.zeros((0, 8, 8, 1), "float32"))


def test_f13_empty_tf_data():
    tf = pytest.importorskip("tensorflow")
    data = tf.data.Dataset.from_tensor_slices(np.zeros((0, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match="fit received an empty tf.data.Dataset"):
        compiled_gan().fit(data.batch(4), epochs=1, verbose=0)


def test_f14_empty_generator():
    def nothing():
        yield from ()

    with pytest.raises(ValueError, match="fit received an empty generator"):
        compiled_gan().fit(nothing(), epochs=1, verbose=0)


def test_f15_empty_pydataset():
    class Empty(keras.utils.PyDataset):
        def __len__(self):
            return 0

        def __getitem__(self, i):
            raise IndexError(i)

    with pytest.raises(ValueError, match="fit received an empty keras.utils.PyDataset"):
        compiled_gan().fit(Empty(), epochs=1, verbose=0)


def test_f16_dict_batches():
    tf = pytest.importorskip("tensorflow")
    data = tf.data.Dataset.from_tensor_slices({"image": tiny_images(8)}).batch(4)
    with pytest.raises(ValueError, match="GAN.fit expects batches of images"):
        compiled_gan().fit(data, epochs=1, verbose=0)


def test_f17_batch_size_1_with_dense_batch_norm():
    gan = gan_with(dense_bn_discriminator())
    gan.compile()
    with pytest.raises(
        ValueError,
        match=r"GAN\.fit would train on batches of 1 sample, but batch "
        r"normalization discriminator/dense_bn",
    ):
        fit(gan, tiny_images(8), batch_size=1)


def test_f18_last_batch_of_1_with_dense_batch_norm():
    gan = gan_with(dense_bn_discriminator())
    gan.compile()
    with pytest.raises(ValueError, match=r"batches of 1 sample.*dense_bn"):
        fit(gan, tiny_images(9), batch_size=4)  # 4 + 4 + 1


def test_f19_dataset_batch_of_1_with_dense_batch_norm():
    tf = pytest.importorskip("tensorflow")
    gan = gan_with(dense_bn_discriminator())
    gan.compile()
    data = tf.data.Dataset.from_tensor_slices(tiny_images(4)).batch(1)
    with pytest.raises(ValueError, match=r"batches of 1 sample.*dense_bn"):
        gan.fit(data, epochs=1, verbose=0)


@pytest.mark.xfail(
    keras.backend.backend() == "torch",
    raises=RuntimeError,
    strict=False,
    reason="PyTorch's CPU convolution fails the backward pass of a 3x3 "
    "convolution on a batch of one channels-last image (slow_conv2d: "
    "grad_weight must be contiguous; pytorch/vision#6001)",
)
def test_f20_batch_size_1_with_convolutional_batch_norm_is_accepted():
    # The DCGAN networks normalize convolutions: with one sample, each
    # channel's statistics still run over the spatial positions.
    history = fit(compiled_gan(), tiny_images(2), batch_size=1, steps_per_epoch=1)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("penalty", ["gp", "r1", "r2", "dragan"])
def test_f21_penalty_on_input_independent_discriminator(penalty):
    gan = gan_with(input_independent_discriminator())
    gan.compile(penalties=[penalty])
    with pytest.raises(
        ValueError,
        match=r"The penalty \w+ \(\w+Penalty\) differentiates the "
        r"discriminator's output with respect to its input images, but that "
        r"output does not depend on its input",
    ):
        fit(gan, tiny_images(8))


def test_f21b_penalty_on_zero_initialised_discriminator_is_accepted():
    # Zero weights give a zero input gradient at the start, but the output
    # does depend on the input: the probe retries with random weights.
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(1, kernel_initializer="zeros")(h)
    discriminator = keras.Model(inputs, outputs, name="discriminator")
    gan = gan_with(discriminator)
    gan.compile(penalties=["r1"])
    before = [w.copy() for w in discriminator.get_weights()]
    view = DiscriminatorView(discriminator, training=False)
    check_penalty_gradients(gan, view, tiny_images(2))
    for a, b in zip(before, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)  # the weights are restored


def test_f22_penalty_on_label_only_conditional_discriminator():
    gan = tiny_cgan(discriminator=label_only_discriminator())
    gan.compile(penalties=["r1"])
    with pytest.raises(ValueError, match=r"The penalty r1_penalty \(R1Penalty\)"):
        fit(gan, tiny_images(8), labels())


def test_f23_fit_before_compile():
    with pytest.raises(
        ValueError, match=r"GAN\.fit\(\) was called before GAN\.compile"
    ):
        fit(tiny_dcgan(), tiny_images(8))


@pytest.mark.parametrize("argument", ["sample_weight", "class_weight"])
def test_f24_sample_and_class_weights(argument):
    value = np.ones(8) if argument == "sample_weight" else {0: 1.0}
    with pytest.raises(ValueError, match=f"GAN.fit does not support {argument}"):
        fit(compiled_gan(), tiny_images(8), **{argument: value})


def test_f25_batches_smaller_than_pack():
    from tests.helpers import constant_generator, linear_discriminator

    x = tiny_images(8, shape=(2,))
    gan = GAN(
        constant_generator(3, [0.1, 0.2]), linear_discriminator(4, np.zeros(4)), pack=2
    )
    gan.compile()
    with pytest.raises(
        ValueError, match=r"GAN\.fit with pack=2 needs batches of at least 2"
    ):
        fit(gan, x[:5], batch_size=2)  # a last batch of 1 sample
    # fresh_real_batches: 8 = 6 + 2 with batch_size=3 and d_steps=2, parts of 1.
    gan.compile(d_steps=2, fresh_real_batches=True)
    with pytest.raises(
        ValueError, match=r"a batch would hold 1\. .*d_steps \* batch_size"
    ):
        fit(gan, x, batch_size=3)


def test_f26_batches_that_minibatch_stddev_cannot_group():
    def gan(pack=1):
        g = architectures.mlp_generator(2, (2,), (4,), output_activation=None)
        d = architectures.mlp_discriminator(
            (2,), hidden_units=(4, 4), pack=pack, mbstd_group_size=4
        )
        model = GAN(g, d, seed=0, data_range=None, pack=pack)
        model.compile()
        return model

    x = tiny_images(14, shape=(2,))
    model = gan()
    before = [w.copy() for w in model.discriminator.get_weights()]
    message = (
        r"GAN\.fit would give the discriminator a batch of 6 samples, but "
        r"discriminator/mbstd \(MinibatchStdDev, group_size=4\) needs batches "
        r"divisible by min\(group_size, batch\)=4\. Use a batch_size that is "
        r"a multiple of 4"
    )
    with pytest.raises(ValueError, match=message):
        fit(model, x, batch_size=8)  # 8 + 6: the last batch
    with pytest.raises(ValueError, match=message):
        fit(model, x[:6], batch_size=6)
    for w, b in zip(model.discriminator.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # before any step
    with pytest.raises(
        ValueError,
        match=r"batch of 6 samples \(12 samples packed by 2\).*multiple of 8",
    ):
        fit(gan(pack=2), tiny_images(12, shape=(2,)), batch_size=12)
    # Batches the layer can group (8 + 2: min(4, 2) = 2 divides 2) train.
    fit(model, x[:10], batch_size=8)


def test_f26_validation_batches_and_fresh_parts():
    def gan(**compile_kwargs):
        g = architectures.mlp_generator(2, (2,), (4,), output_activation=None)
        d = architectures.mlp_discriminator((2,), hidden_units=(4,), mbstd_group_size=4)
        model = GAN(g, d, seed=0, data_range=None)
        model.compile(**compile_kwargs)
        return model

    x = tiny_images(16, shape=(2,))
    # validation_split: fit trains on the first 14 of 16 (8 + 6) and
    # validates on 2 (min(4, 2) = 2 divides 2).
    with pytest.raises(
        ValueError, match=r"GAN\.fit would give the discriminator a batch of 6 samples"
    ):
        fit(gan(), x, batch_size=8, validation_split=0.125)
    # validation_data arrays, and the held-out part of validation_split.
    with pytest.raises(ValueError, match=r"a validation batch of 6 samples, but"):
        fit(gan(), x[:8], batch_size=8, validation_data=x[:6])
    with pytest.raises(ValueError, match=r"a validation batch of 6 samples, but"):
        # 24 = 18 (8 + 8 + 2) to train + 6 to validate
        fit(gan(), tiny_images(24, shape=(2,)), batch_size=8, validation_split=0.25)
    fit(gan(), x[:8], batch_size=8, validation_data=x[:4])  # groups of 4
    # A validation generator or dataset: its first batch, before training.
    model = gan()
    before = [w.copy() for w in model.discriminator.get_weights()]
    with pytest.raises(ValueError, match=r"a validation batch of 5 samples, but"):
        fit(
            model,
            x[:8],
            batch_size=8,
            validation_data=((x[i : i + 5],) for i in (0, 5)),
        )
    for w, b in zip(model.discriminator.get_weights(), before):
        np.testing.assert_array_equal(w, b)  # before any step
    history = fit(
        model, x[:8], batch_size=8, validation_data=((x[i : i + 4],) for i in (0, 4))
    )
    assert np.isfinite(history.history["val_d_loss"][0])
    # fresh_real_batches: 9 samples in 2 parts are 5 and 4; the 5 fails.
    with pytest.raises(ValueError, match=r"a batch of 5 samples"):
        fit(
            gan(d_steps=2, fresh_real_batches=True),
            tiny_images(9, shape=(2,)),
            batch_size=8,
        )


def test_f26_evaluate_checks_its_batches_first():
    g = architectures.mlp_generator(2, (2,), (4,), output_activation=None)
    d = architectures.mlp_discriminator((2,), hidden_units=(4,), mbstd_group_size=4)
    model = GAN(g, d, seed=0, data_range=None)
    model.compile()
    x = tiny_images(22, shape=(2,))
    message = (
        r"GAN\.evaluate would give the discriminator an evaluation batch of 6 "
        r"samples, but discriminator/mbstd \(MinibatchStdDev, group_size=4\)"
    )
    with pytest.raises(ValueError, match=message):
        model.evaluate(x, batch_size=16, verbose=0)  # 16 + 6
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with pytest.raises(ValueError, match=message):  # a dataset's first batch
            model.evaluate(tf.data.Dataset.from_tensor_slices(x).batch(6), verbose=0)
    # Groups of 4 divide 16 + 4 (and min(4, 2) = 2 divides a last batch of 2).
    logs = model.evaluate(x[:20], batch_size=16, verbose=0, return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    # steps=1 evaluates the first 16 only: the batch of 6 never runs.
    model.evaluate(x, batch_size=16, steps=1, verbose=0)
    # A generator: its first batch, which is put back.
    with pytest.raises(ValueError, match=message):
        model.evaluate((b for b in (x[:6], x[6:10])), verbose=0)
    with pytest.raises(ValueError, match=r"^evaluate received an empty generator"):
        model.evaluate((b for b in ()), verbose=0)
    # An input Keras does not take gets Keras' own error, not the check's.
    with pytest.raises(ValueError, match="Unrecognized data type"):
        model.evaluate(iter([x[:8]]), verbose=0)
    # PacGAN: a last batch of 1 sample with pack=2 gave NaN losses.
    d = architectures.mlp_discriminator((2,), hidden_units=(4,), pack=2)
    packed = GAN(g, d, seed=0, data_range=None, pack=2)
    packed.compile()
    with pytest.raises(
        ValueError,
        match=r"^GAN\.evaluate with pack=2 needs batches of at least 2 samples "
        r"\(the discriminator judges 2 at once\); a batch would hold 1\.",
    ):
        packed.evaluate(tiny_images(17, shape=(2,)), batch_size=16, verbose=0)
    logs = packed.evaluate(tiny_images(18, shape=(2,)), batch_size=16, verbose=0)
    assert np.all(np.isfinite(logs))


def test_f26_fit_validation_is_not_peeked_again_each_epoch(monkeypatch):
    # fit's validation pass calls evaluate on Keras' cached iterator: fit
    # checked those batches, and peeking a generator there would take a
    # batch from under that iterator.
    from keras_gan_layers.models import data_checks

    calls = []
    original = data_checks.check_evaluation_batches

    def counted(*args):
        calls.append(args[2])
        return original(*args)

    monkeypatch.setattr(data_checks, "check_evaluation_batches", counted)
    g = architectures.mlp_generator(2, (2,), (4,), output_activation=None)
    d = architectures.mlp_discriminator((2,), hidden_units=(4,), mbstd_group_size=4)
    model = GAN(g, d, seed=0, data_range=None)
    model.compile()
    x = tiny_images(16, shape=(2,))
    history = model.fit(x, batch_size=8, epochs=2, validation_data=x[:8], verbose=0)
    assert len(history.history["val_d_loss"]) == 2
    assert calls == []
    model.evaluate(x[:8], batch_size=4, verbose=0)
    assert calls == [4]


def test_f26_layer_held_by_a_custom_layer():
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.mbstd = kgl.layers.MinibatchStdDev(4)

        def call(self, x):
            return self.mbstd(x)

        def compute_output_shape(self, shape):
            return self.mbstd.compute_output_shape(shape)

    inputs = keras.Input((2,))
    d = keras.Model(
        inputs, keras.layers.Dense(1)(Block(name="block")(inputs)), name="discriminator"
    )
    g = architectures.mlp_generator(2, (2,), (4,), output_activation=None)
    model = GAN(g, d, seed=0, data_range=None)
    model.compile()
    with pytest.raises(ValueError, match=r"discriminator/block/minibatch_std_dev"):
        fit(model, tiny_images(14, shape=(2,)), batch_size=8)


def test_f26_minibatch_stddev_groups_per_replica():
    # Under a tf.distribute strategy each replica's step sees its share of
    # the batch: 12 on 2 replicas is 6 each, which groups of 4 do not divide.
    from types import SimpleNamespace

    from keras_gan_layers.models.data_checks import check_minibatch_stddev_batch_size

    class GAN:
        pack = 1
        distribute_strategy = SimpleNamespace(num_replicas_in_sync=2)

    d = architectures.mlp_discriminator((2,), hidden_units=(4,), mbstd_group_size=4)
    with pytest.raises(
        ValueError,
        match=r"a batch of 6 samples \(12 samples split over 2 replicas\).*"
        r"multiple of 8",
    ):
        check_minibatch_stddev_batch_size(GAN(), [12], d)
    check_minibatch_stddev_batch_size(GAN(), [16, 8, 4, 2], d)  # 8, 4, 2, 1 each
    GAN.distribute_strategy = SimpleNamespace(num_replicas_in_sync=1)
    check_minibatch_stddev_batch_size(GAN(), [12], d)


# ============================================= L: labels of a ConditionalGAN
@pytest.mark.parametrize(
    "y,match",
    [
        (None, r"ConditionalGAN\.fit needs class labels"),
        (labels().astype("float32"), r"are floats \(float32\) but not one-hot"),
        (labels() + NUM_CLASSES, r"must lie in \[0, 3\) \(num_classes=3\)"),
        (labels() - 1, r"must lie in \[0, 3\).*Received values in \[-1, 1\]"),
        (np.eye(5, dtype="float32")[labels()], r"have shape \(8, 5\)\. Accepted"),
        (np.full((8, 3), 0.5, "float32"), r"are not one-hot: values other than"),
        (labels(5), r"fit received 8 images but 5 labels"),
        (np.array(["a"] * 8), r"have dtype <U1\. Accepted"),
    ],
    ids=[
        "l01-missing",
        "l02-float-ids",
        "l03-id-too-large",
        "l04-negative-id",
        "l05-one-hot-wrong-width",
        "l06-not-one-hot",
        "l07-length-mismatch",
        "l08-strings",
    ],
)
def test_l01_to_l08_bad_labels(y, match):
    with pytest.raises(ValueError, match=match):
        fit(compiled_cgan(), tiny_images(8), y)


def test_l09_bad_labels_in_a_dataset():
    tf = pytest.importorskip("tensorflow")
    data = tf.data.Dataset.from_tensor_slices((tiny_images(8), labels() + 5)).batch(4)
    with pytest.raises(ValueError, match=r"images labels must lie in \[0, 3\)"):
        compiled_cgan().fit(data, epochs=1, verbose=0)


def test_l10_dataset_and_separate_labels():
    tf = pytest.importorskip("tensorflow")
    data = tf.data.Dataset.from_tensor_slices(tiny_images(8)).batch(4)
    with pytest.raises(ValueError, match=r"received a dataset of images and separate"):
        compiled_cgan().fit(data, labels(), epochs=1, verbose=0)


def test_l11_generate_labels_out_of_range():
    with pytest.raises(ValueError, match=r"generate labels must lie in \[0, 3\)"):
        tiny_cgan().generate(2, labels=[0, 7])


# ======================================================= C: constructor args
@pytest.mark.parametrize("latent_dim", [0, -3, (8, 0)])
def test_c01_latent_dim_not_positive(latent_dim):
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    discriminator = architectures.dcgan_discriminator((8, 8, 1), filters=8)
    with pytest.raises(ValueError, match=r"latent_dim must be positive"):
        GAN(generator, discriminator, latent_dim=latent_dim)


def test_c02_builder_latent_dim_not_positive():
    with pytest.raises(ValueError, match=r"dcgan_generator needs latent_dim >= 1"):
        architectures.dcgan_generator(0, (8, 8, 1))


def test_c03_latent_dim_does_not_match_generator():
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    discriminator = architectures.dcgan_discriminator((8, 8, 1), filters=8)
    with pytest.raises(ValueError, match=r"latent_dim=5 does not match"):
        GAN(generator, discriminator, latent_dim=5)


def test_c04_generator_discriminator_shape_mismatch():
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    discriminator = architectures.dcgan_discriminator((8, 8, 3), filters=8)
    with pytest.raises(
        ValueError,
        match=r"The generator's output shape \(None, 8, 8, 1\) does not match "
        r"the discriminator's input shape \(None, 8, 8, 3\)",
    ):
        GAN(generator, discriminator)


def test_c05_networks_not_keras():
    discriminator = architectures.dcgan_discriminator((8, 8, 1), filters=8)
    with pytest.raises(ValueError, match=r"GAN generator must be a Keras model"):
        GAN("generator.keras", discriminator)


def test_c06_latent_distribution():
    with pytest.raises(ValueError, match=r"latent_distribution must be one of"):
        tiny_dcgan(latent_distribution="gaussian")


@pytest.mark.parametrize("ema_decay", [1.0, -0.1, True])
def test_c07_ema_decay_out_of_range(ema_decay):
    with pytest.raises(ValueError, match=r"ema_decay must be None \(no EMA\) or"):
        tiny_dcgan(ema_decay=ema_decay)


def test_c08_ema_decay_wrong_type():
    with pytest.raises(ValueError, match=r"ema_decay must be None \(no EMA\) or"):
        tiny_dcgan(ema_decay="0.999x")


def test_c09_ema_start_negative():
    with pytest.raises(ValueError, match=r"ema_start must be an integer >= 0"):
        tiny_dcgan(ema_start=-1)


def test_c10_ema_start_wrong_type():
    with pytest.raises(ValueError, match=r"ema_start must be an integer >= 0"):
        tiny_dcgan(ema_start="soon")


@pytest.mark.parametrize("data_range", [(1.0, -1.0), (0, 1, 2)])
def test_c11_data_range_invalid(data_range):
    with pytest.raises(ValueError, match=r"data_range must be \(low, high\)"):
        tiny_dcgan(data_range=data_range)


def test_c12_data_range_wrong_type():
    with pytest.raises(ValueError, match=r"data_range must be \(low, high\)"):
        tiny_dcgan(data_range="ab")


def test_c13_seed_wrong_type():
    with pytest.raises(ValueError, match=r"Argument `seed` must be an integer"):
        tiny_dcgan(seed="lucky")


@pytest.mark.parametrize("num_classes", [1, 2.5, "10", True])
def test_c14_num_classes(num_classes):
    generator = architectures.conditional_dcgan_generator(8, 3, (8, 8, 1), filters=8)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 3, filters=8
    )
    with pytest.raises(ValueError, match=r"ConditionalGAN needs num_classes"):
        ConditionalGAN(generator, discriminator, num_classes=num_classes)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"fake_labels": "random"}, r"fake_labels must be one of uniform, real"),
        ({"classification_weight": -1.0}, r"classification_weight must be a float"),
    ],
    ids=["fake_labels", "classification_weight"],
)
def test_c15_conditional_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny_cgan(**kwargs)


def test_c16_conditional_generator_with_one_input():
    generator = architectures.dcgan_generator(8, (8, 8, 1), filters=8)
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), NUM_CLASSES, filters=8
    )
    with pytest.raises(ValueError, match=r"generator that takes two inputs"):
        ConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES)


def _frozen(network):
    network.trainable = False
    return network


def test_c17_discriminator_without_trainable_weights():
    discriminator = _frozen(architectures.dcgan_discriminator((8, 8, 1), filters=8))
    gan = gan_with(discriminator)
    gan.compile()
    with pytest.raises(
        ValueError, match=r"The discriminator has no trainable weights, so GAN\.fit"
    ):
        fit(gan, tiny_images(8))


def test_c17b_generator_without_trainable_weights_warns():
    # A fixed generator is legitimate (train a discriminator alone): a warning.
    generator = _frozen(architectures.dcgan_generator(8, (8, 8, 1), filters=8))
    gan = GAN(generator, architectures.dcgan_discriminator((8, 8, 1), filters=8))
    gan.compile()
    with pytest.warns(UserWarning, match=r"The generator .* has no trainable weights"):
        fit(gan, tiny_images(4), steps_per_epoch=1)


def test_c18_augment_that_cannot_apply_to_the_samples():
    from keras_gan_layers.layers import AdaptiveAugment, DiffAugment
    from tests.helpers import constant_generator, linear_discriminator

    for augment in (DiffAugment(), AdaptiveAugment()):
        with pytest.raises(
            ValueError,
            match=r"augment \(\w+\) cannot be applied to the generated samples "
            r"of shape \(None, 2\): \w+ needs images of shape \(batch, height",
        ):
            GAN(
                constant_generator(3, [0.1, 0.2]),
                linear_discriminator(2, [0.0, 0.0]),
                data_range=None,
                augment=augment,
            )


# ================================================================ P: compile
def test_p01_unknown_loss_lists_names():
    with pytest.raises(
        ValueError, match=r"Unknown GAN loss: 'wgan-gp'\. Valid names are: bce, "
    ):
        tiny_dcgan().compile(loss="wgan-gp")


def test_p02_loss_of_wrong_type():
    with pytest.raises(ValueError, match=r"Could not interpret GAN loss identifier"):
        tiny_dcgan().compile(loss=3)


def test_p03_unknown_penalty_lists_names():
    with pytest.raises(
        ValueError, match=r"Unknown penalty: 'l2'\. Valid names are: dragan, gp, "
    ):
        tiny_dcgan().compile(penalties=["l2"])


def test_p04_penalty_of_wrong_type():
    with pytest.raises(ValueError, match=r"Could not interpret penalty identifier"):
        tiny_dcgan().compile(penalties=[3])


def test_p05_config_of_another_class():
    config = keras.saving.serialize_keras_object(kgl.penalties.GradientPenalty())
    with pytest.raises(
        ValueError, match=r"The config describes a GradientPenalty, not a GANLoss"
    ):
        tiny_dcgan().compile(loss=config)
    config = keras.saving.serialize_keras_object(kgl.losses.HingeLoss())
    with pytest.raises(ValueError, match=r"describes a HingeLoss, not a Penalty"):
        tiny_dcgan().compile(penalties=[config])


@pytest.mark.parametrize("argument", ["loss", "penalties"])
def test_p05b_config_of_an_unknown_class(argument):
    config = {"module": "os", "class_name": "system", "config": {}}
    with pytest.raises(ValueError, match=r"Could not deserialize the .* config"):
        tiny_dcgan().compile(**{argument: config})


def test_p06_unknown_optimizer_lists_names():
    with pytest.raises(ValueError, match=r"d_optimizer.*'adamm'.*adam"):
        tiny_dcgan().compile(d_optimizer="adamm")


def test_p07_one_optimizer_for_both():
    optimizer = keras.optimizers.Adam()
    with pytest.raises(ValueError, match=r"two different optimizer objects"):
        tiny_dcgan().compile(d_optimizer=optimizer, g_optimizer=optimizer)


@pytest.mark.parametrize("d_steps", [0, -1, 1.5, True, "2"])
def test_p08_d_steps(d_steps):
    with pytest.raises(ValueError, match=r"d_steps must be an integer >= 1"):
        tiny_dcgan().compile(d_steps=d_steps)


def test_p09_on_nonfinite():
    with pytest.raises(ValueError, match=r"on_nonfinite must be one of raise, stop"):
        tiny_dcgan().compile(on_nonfinite="ignore")


def test_p10_duplicate_penalty_names():
    with pytest.raises(ValueError, match=r"Clashing: \['gradient_penalty'\]"):
        tiny_dcgan().compile(penalties=["gp", "gp"])


def test_p11_negative_penalty_weight():
    with pytest.raises(
        ValueError, match=r"GradientPenalty weight must be a number >= 0"
    ):
        kgl.penalties.GradientPenalty(weight=-1.0)


def test_p12_penalty_weight_wrong_type():
    with pytest.raises(ValueError, match=r"GradientPenalty weight must be"):
        kgl.penalties.GradientPenalty(weight="ten")


# ============================================================== D: datasets
def test_d01_missing_folder(tmp_path):
    with pytest.raises(ValueError, match=r"Image directory .* does not exist"):
        kgl.datasets.from_directory(str(tmp_path / "nope"))


def test_d02_folder_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"is not a directory"):
        kgl.datasets.from_directory(str(tmp_path / "file"))


def test_d03_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"No images found in"):
        kgl.datasets.from_directory(str(tmp_path / "empty"))


def test_d04_corrupt_image_file(tmp_path):
    folder = image_folder(tmp_path, broken=["broken.png", "empty.jpg"])
    (folder / "empty.jpg").write_bytes(b"")
    with pytest.raises(
        ValueError,
        match=r"2 of the 5 image files in .* are not readable PNG, JPEG, GIF or "
        r"BMP images .*broken\.png.*empty\.jpg",
    ):
        kgl.datasets.from_directory(str(folder), image_size=8)


@pytest.mark.parametrize("image_size", [0, (8, 8, 3), (8, -1), "64"])
def test_d05_from_directory_image_size(tmp_path, image_size):
    folder = image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"image_size must be a positive int"):
        kgl.datasets.from_directory(str(folder), image_size=image_size)


def test_d06_from_directory_color_mode(tmp_path):
    folder = image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"color_mode must be one of rgb, rgba"):
        kgl.datasets.from_directory(str(folder), color_mode="bgr")


@pytest.mark.parametrize("batch_size", [0, 2.5, None])
def test_d07_from_directory_batch_size(tmp_path, batch_size):
    folder = image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1"):
        kgl.datasets.from_directory(str(folder), batch_size=batch_size)


def test_d08_unknown_keras_dataset():
    with pytest.raises(ValueError, match=r"Unknown dataset 'imagenet'\. Valid names"):
        kgl.datasets.load("imagenet")


def test_d09_keras_dataset_split():
    with pytest.raises(ValueError, match=r"split must be 'train', 'test' or 'all'"):
        kgl.datasets.load("mnist", split="validation")


def test_d10_digits_image_size():
    with pytest.raises(ValueError, match=r"image_size must be a positive int"):
        kgl.datasets.load_digits(image_size=(8, 8, 1))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"kind": "spiral"}, "kind must be 'ring' or 'grid'"),
        ({"n": 0}, "n must be >= 1"),
    ],
    ids=["kind", "n"],
)
def test_d11_gaussian_mixture(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kgl.datasets.gaussian_mixture(**kwargs)


# ============================================================ O: output dirs
def test_o01_image_snapshot_unwritable_directory(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(
        ValueError, match=r"ImageSnapshot cannot write to directory=.*not a directory"
    ):
        kgl.ImageSnapshot(str(tmp_path / "file" / "samples"))


def test_o02_image_snapshot_directory_broken_before_training(tmp_path):
    snapshots = kgl.ImageSnapshot(str(tmp_path / "samples"))
    (tmp_path / "samples").write_text("now a file")
    with pytest.raises(ValueError, match=r"ImageSnapshot cannot write to directory="):
        snapshots.on_train_begin()


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere"
)
def test_o03_image_snapshot_read_only_directory(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ValueError, match=r"is not writable"):
            kgl.ImageSnapshot(str(tmp_path / "samples"))
    finally:
        tmp_path.chmod(0o700)


def test_o04_image_snapshot_without_destination():
    with pytest.raises(ValueError, match=r"needs a directory, a log_dir or both"):
        kgl.ImageSnapshot(None)


@pytest.mark.parametrize("command", ["train", "tune"])
def test_o05_cli_unwritable_out(tmp_path, capsys, command):
    (tmp_path / "file").write_text("x")
    err = cli_error(capsys, [command, "--out", str(tmp_path / "file" / "sub")])
    assert "output directory" in err and "is not writable" in err


def test_o06_cli_sample_unwritable_out(tmp_path, capsys):
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    (tmp_path / "file").write_text("x")
    out = str(tmp_path / "file" / "grid.png")
    err = cli_error(capsys, ["sample", "--model", path, "--out", out])
    assert "is not writable" in err


# ========================================================== S: saved models
def _tamper(source, target, edit):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            zout.writestr(item, data)


def _name_os_system(config):
    config.update(module="os", class_name="system", registered_name="system")


def test_s01_keras_file_of_another_model(tmp_path, capsys):
    path = str(tmp_path / "classifier.keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    # Keras loads it as what it is; the package's entry points refuse it.
    assert isinstance(keras.saving.load_model(path), keras.Sequential)
    for command in (["sample", "--out", str(tmp_path / "g.png")], ["evaluate"]):
        err = cli_error(capsys, [command[0], "--model", path, *command[1:]])
        assert "does not hold a generator of images" in err
        assert "found a Sequential with output shape (None, 2)" in err


def test_s02_tampered_class_name_in_safe_mode(tmp_path, capsys, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    source, tampered = str(tmp_path / "gan.keras"), str(tmp_path / "tampered.keras")
    tiny_dcgan().save(source)
    _tamper(source, tampered, _name_os_system)
    with pytest.raises(TypeError, match=r"Could not locate class 'system'"):
        keras.saving.load_model(tampered, safe_mode=True)
    err = cli_error(capsys, ["sample", "--model", tampered])
    assert "could not load" in err and "Could not locate class 'system'" in err
    assert "Full object config" not in err
    assert calls == []


def test_s03_tampered_nested_class_name(tmp_path, capsys):
    source, tampered = str(tmp_path / "gan.keras"), str(tmp_path / "tampered.keras")
    tiny_dcgan().save(source)
    _tamper(
        source,
        tampered,
        lambda c: c["config"]["generator"].update(class_name="os.system"),
    )
    with pytest.raises(ValueError, match=r"not a KerasSaveable subclass"):
        keras.saving.load_model(tampered, safe_mode=True)
    assert "could not load" in cli_error(capsys, ["sample", "--model", tampered])


def test_s04_lambda_layer_refused_in_safe_mode(tmp_path, capsys):
    inputs = keras.Input((8,))
    outputs = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    path = str(tmp_path / "lambda.keras")
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ValueError, match=r"safe_mode"):
        keras.saving.load_model(path, safe_mode=True)
    assert "could not load" in cli_error(capsys, ["sample", "--model", path])


def test_s05_not_a_keras_file(tmp_path, capsys):
    path = tmp_path / "garbage.keras"
    path.write_bytes(b"not a zip")
    assert "could not load" in cli_error(capsys, ["sample", "--model", str(path)])


def test_s06_missing_model_file(tmp_path, capsys):
    err = cli_error(capsys, ["sample", "--model", str(tmp_path / "none.keras")])
    assert "does not exist" in err


# ==================================================== A: command-line input
@pytest.mark.parametrize(
    "args,message",
    [
        (["--dataset", "imagenet"], "unknown dataset 'imagenet'; valid datasets:"),
        (["--loss", "wgan-gp"], "unknown loss 'wgan-gp'; valid losses: bce,"),
        (["--penalty", "l2"], "unknown penalty 'l2'; valid penalties: none, gp"),
        (["--conditioning", "film"], "unknown conditioning 'film'; valid:"),
        (["--conditional", "--data-dir", "."], "--conditional needs labels"),
        (["--ema-decay", "1.0"], "--ema-decay must be in [0, 1), got 1.0"),
        (["--image-size", "10"], "--image-size must be divisible by 4"),
        (["--epochs", "0"], "must be a positive integer, got 0"),
        (["--lr", "x"], "expected a number, got 'x'"),
    ],
    ids=[
        "dataset",
        "loss",
        "penalty",
        "conditioning",
        "conditional-dir",
        "ema",
        "size",
        "epochs",
        "lr",
    ],
)
def test_a01_cli_train_arguments(tmp_path, capsys, args, message):
    err = cli_error(capsys, ["train", "--out", str(tmp_path / "o"), *args])
    assert message in err


def test_a02_cli_data_dir_missing_empty_or_corrupt(tmp_path, capsys):
    out = ["--out", str(tmp_path / "o")]
    err = cli_error(capsys, ["train", "--data-dir", str(tmp_path / "no"), *out])
    assert "does not exist" in err
    (tmp_path / "empty").mkdir()
    err = cli_error(capsys, ["train", "--data-dir", str(tmp_path / "empty"), *out])
    assert "No images found" in err
    folder = image_folder(tmp_path, broken=["broken.png"])
    err = cli_error(capsys, ["train", "--data-dir", str(folder), *out])
    assert "not readable PNG, JPEG, GIF or BMP images" in err and "broken.png" in err


def test_a05_cli_translation_arguments(tmp_path, capsys):
    out = ["--out", str(tmp_path / "o")]
    folder = str(image_folder(tmp_path))
    err = cli_error(capsys, ["train", "--model", "cyclegan", "--data-a", folder, *out])
    assert "--model cyclegan needs --data-a DIR and --data-b DIR" in err
    err = cli_error(capsys, ["train", "--model", "stylegan", *out])
    assert "unknown model 'stylegan'; valid models: dcgan, cyclegan, pix2pix" in err
    err = cli_error(capsys, ["train", "--data-a", folder, "--data-b", folder, *out])
    assert "for --model cyclegan or pix2pix" in err
    path = str(tmp_path / "g.keras")
    tiny_dcgan().generator.save(path)
    err = cli_error(
        capsys,
        ["translate", "--model", path, "--input", folder, "--out", str(tmp_path)],
    )
    assert "does not hold an image-to-image translator" in err
    err = cli_error(
        capsys,
        ["translate", "--model", path, "--input", folder, "--out", folder + "/t"],
    )
    assert "is --input or a folder inside it" in err


def test_a03_cli_sample_labels(tmp_path, capsys):
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    err = cli_error(capsys, ["sample", "--model", path, "--labels", "1"])
    assert "--labels needs a conditional model" in err
    cgan_path = str(tmp_path / "cgan.keras")
    tiny_cgan().save(cgan_path)
    out = str(tmp_path / "g.png")
    err = cli_error(
        capsys, ["sample", "--model", cgan_path, "--labels", "1,9", "--out", out]
    )
    assert "--labels must lie in [0, 3) for this model, got [9]" in err
    err = cli_error(
        capsys, ["sample", "--model", cgan_path, "--labels", "a", "--out", out]
    )
    assert "--labels must be comma-separated integers" in err


def test_a04_cli_evaluate_metrics(tmp_path, capsys):
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    err = cli_error(capsys, ["evaluate", "--model", path, "--metrics", "fid,ssim"])
    assert (
        "unknown metrics ['ssim']; valid metrics: fid, kid, is, prdc, intra_fid" in err
    )


# ===================================================== E: evaluation path
def _uint8_images(n=16):
    return np.random.default_rng(0).integers(0, 256, (n, 8, 8, 1)).astype("uint8")


def test_e01_gan_evaluation_uint8_real_data():
    with pytest.raises(ValueError, match="uint8"):
        kgl.GANEvaluation(
            _uint8_images(),
            metrics=("kid",),
            num_samples=8,
            feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
        )


@pytest.mark.parametrize("metric", ["FrechetDistance", "KernelDistance"])
@pytest.mark.parametrize("side", ["real", "fake"])
def test_e02_distance_metrics_uint8(metric, side):
    m = getattr(kgl.metrics, metric)(
        feature_extractor=kgl.metrics.DigitsFeatureExtractor()
    )
    with pytest.raises(ValueError, match="uint8"):
        m.update_state(**{side: _uint8_images()})


def test_e03_inception_score_uint8():
    score = kgl.metrics.InceptionScore(
        kgl.metrics.DigitsFeatureExtractor(output="probabilities")
    )
    with pytest.raises(ValueError, match="uint8"):
        score.update_state(fake=_uint8_images())


def test_e04_tuner_uint8_real_data():
    pytest.importorskip("keras_tuner")
    from keras_gan_layers.tuners import GANHyperModel

    with pytest.raises(ValueError, match="uint8"):
        GANHyperModel(
            (8, 8, 1),
            real_data=_uint8_images(),
            feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
        )


def test_e05_cli_evaluate_uint8_real_images(tmp_path, capsys, monkeypatch):
    from keras_gan_layers.cli import train

    monkeypatch.setattr(
        train, "load_real_images", lambda args, shape, limit=10000: _uint8_images()
    )
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    err = cli_error(capsys, ["evaluate", "--model", path, "-n", "8"])
    assert "uint8" in err and "scale_images" in err


def test_e06_metric_features_non_finite():
    features = np.ones((4, 3))
    features[1, 2] = np.nan
    with pytest.raises(
        ValueError, match=r"features1 holds NaN or infinite values \(1 of 4 rows\)"
    ):
        kgl.metrics.kernel_distance(features, np.ones((4, 3)))


def test_e07_reference_statistics_file(tmp_path, capsys):
    np.savez(tmp_path / "ref.npz", mu=np.zeros(3))
    with pytest.raises(ValueError, match=r"lacks \['sigma'\]; it has \['mu'\]"):
        kgl.metrics.FrechetDistance(
            None, reference_statistics=str(tmp_path / "ref.npz")
        )
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    err = cli_error(
        capsys,
        ["evaluate", "--model", path, "--ref-stats", str(tmp_path / "ref.npz")],
    )
    assert (
        err.endswith("pytorch-fid's layout.") and "--ref-stats: Statistics file" in err
    )


def test_e08_reference_statistics_of_another_extractor(tmp_path):
    kgl.metrics.save_statistics(tmp_path / "r.npz", np.zeros(64), np.eye(64), "x")
    evaluation = kgl.GANEvaluation(
        tiny_images(8),
        metrics="fid",
        num_samples=8,
        feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
        reference_statistics=str(tmp_path / "r.npz"),
    )
    with pytest.raises(ValueError, match="computed with 'x', but this evaluation"):
        fit(compiled_gan(), tiny_images(8), callbacks=[evaluation])


def test_e09_real_samples_with_reference_statistics():
    fid = kgl.metrics.FrechetDistance(
        None, reference_statistics=(np.zeros(2), np.eye(2))
    )
    with pytest.raises(ValueError, match="takes only fake samples"):
        fid.update_state(real=np.ones((4, 2)))


def test_e10_intra_fid_needs_a_conditional_model_and_labels():
    evaluation = kgl.GANEvaluation(
        tiny_images(8),
        metrics="intra_fid",
        num_samples=8,
        feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
    )
    with pytest.raises(ValueError, match="'intra_fid' needs a conditional model"):
        fit(compiled_gan(), tiny_images(8), callbacks=[evaluation])
    evaluation = kgl.GANEvaluation(
        tiny_images(8),
        metrics="intra_fid",
        num_samples=8,
        feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
    )
    with pytest.raises(ValueError, match="needs the real images' labels"):
        fit(compiled_cgan(), tiny_images(8), labels(8), callbacks=[evaluation])


def test_e11_intra_fid_class_without_two_samples():
    evaluation = kgl.GANEvaluation(
        (tiny_images(8), labels(8)),
        metrics="intra_fid",
        num_samples=4,
        feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
    )
    evaluation.set_model(compiled_cgan())
    with pytest.raises(ValueError, match="class 1 has 3 real and 1 generated"):
        evaluation.evaluate()


def test_e12_inception_extractor_arguments():
    with pytest.raises(
        ValueError, match="resize must be one of 'clean', 'pytorch-fid'"
    ):
        kgl.metrics.InceptionFeatureExtractor(weights=None, resize="bicubic")
    with pytest.raises(ValueError, match="output must be one of"):
        kgl.metrics.InceptionFeatureExtractor(weights=None, output="pool")
    with pytest.raises(ValueError, match="not Keras' ImageNet Inception-v3"):
        kgl.metrics.InceptionFeatureExtractor(weights="imagenet")


@pytest.fixture(scope="module")
def fid_network():
    return kgl.metrics.fid_inception_v3(weights=None)


def test_e13_fid_weights_with_missing_keys(fid_network):
    before = [keras.ops.convert_to_numpy(w).copy() for w in fid_network.weights[:3]]
    with pytest.raises(ValueError, match="The FID Inception weights lack"):
        kgl.metrics.load_fid_inception_weights(
            fid_network, {"fc.bias": np.zeros(1008, "float32")}
        )
    for w, b in zip(fid_network.weights[:3], before):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(w), b)


def test_e14_fid_weights_offline(fid_network, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(
        RuntimeError, match="Could not download pytorch-fid's Inception"
    ):
        kgl.metrics.load_fid_inception_weights(fid_network, None)


def test_e15_frechet_distance_sigma_not_a_covariance():
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="sigma1 is not positive semi-definite"):
        kgl.metrics.frechet_distance(np.zeros(2), bad, np.zeros(2), np.eye(2))


def test_e16_cli_evaluate_unwritable_outputs(tmp_path, capsys):
    path = str(tmp_path / "gan.keras")
    tiny_dcgan().save(path)
    target = str(tmp_path / "no_such_dir" / "s.npz")
    err = cli_error(capsys, ["evaluate", "--model", path, "--save-ref-stats", target])
    assert f"--save-ref-stats {target}: cannot write there" in err


# ============================================================== Y: layers
@pytest.mark.parametrize(
    "layer",
    ["PixelNormalization", "EqualizedDense", "InstanceNormalization", "DiffAugment"],
)
def test_y01_layer_called_on_a_list(layer):
    from keras_gan_layers import layers

    x = tiny_images(2, shape=(4, 4, 3))
    args = (2,) if layer == "EqualizedDense" else ()
    with pytest.raises(ValueError, match=r"is called on one tensor.* not a list"):
        getattr(layers, layer)(*args)([x, x])


def test_y02_diff_augment_on_data_that_are_not_images():
    from keras_gan_layers.layers import DiffAugment

    with pytest.raises(
        ValueError,
        match=r"DiffAugment needs images of shape \(batch, height, width, "
        r"channels\) \(channels last\); it cannot augment data of rank 2",
    ):
        DiffAugment()(tiny_images(4, shape=(2,)))


def test_y03_integer_inputs_are_accepted():
    from keras_gan_layers.layers import (
        AdaptiveAugment,
        DiffAugment,
        EqualizedConv2D,
        MinibatchStdDev,
        NoiseInjection,
    )

    x = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3).astype("int32") % 5 - 2
    for layer in (
        EqualizedConv2D(2, 3),
        NoiseInjection(seed=0),
        DiffAugment(seed=0),
        AdaptiveAugment(initial_p=1.0, seed=0),
        MinibatchStdDev(group_size=2),
    ):
        out = layer(x)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert np.all(np.isfinite(ops.convert_to_numpy(out)))


# ------------------------------------------------ T: image-to-image translation
def _translator(shape=(8, 8, 1), out=1):
    from tests.models.test_cycle_gan import tiny_convnet

    return tiny_convnet(shape, out)


def _critic(shape=(8, 8, 1)):
    from tests.models.test_cycle_gan import tiny_critic

    return tiny_critic(shape)


def _pair_critic():
    from tests.models.test_pix2pix import tiny_pair_critic

    return tiny_pair_critic()


def test_t01_generators_that_do_not_chain():
    with pytest.raises(
        ValueError,
        match=r"CycleGAN: generator_ab returns B images of shape \(None, 8, 8, 3\), "
        r"but generator_ba takes B images of shape \(None, 8, 8, 1\)",
    ):
        CycleGAN(_translator(out=3), _translator(), _critic(), _critic())


def test_t02_discriminator_of_the_other_domain():
    with pytest.raises(
        ValueError,
        match=r"discriminator_b takes images of shape \(None, 8, 8, 1\), but its "
        r"domain's images have shape \(None, 8, 8, 3\)",
    ):
        CycleGAN(
            _translator(out=3),
            _translator((8, 8, 3)),
            _critic(),
            _critic(),
            identity_weight=0.0,
        )


def test_t03_identity_with_different_shapes():
    with pytest.raises(ValueError, match=r"identity_weight=0.5 feeds each generator"):
        CycleGAN(
            _translator(out=3), _translator((8, 8, 3)), _critic(), _critic((8, 8, 3))
        )


def test_t04_pool_with_unknown_sizes():
    def free():
        return keras.Sequential(
            [keras.Input((None, None, 1)), keras.layers.Conv2D(1, 1)]
        )

    with pytest.raises(ValueError, match=r"the image pools \(pool_size=50\) store A"):
        CycleGAN(free(), free(), free(), free())


def test_t05_one_domain_only():
    model = CycleGAN(_translator(), _translator(), _critic(), _critic())
    model.compile()
    with pytest.raises(
        ValueError, match=r"CycleGAN.fit needs pairs of A and B batches"
    ):
        model.fit(np.zeros((4, 8, 8, 1), "float32"), verbose=0)


def test_t06_dataset_of_single_images():
    import tensorflow as tf

    model = Pix2Pix(_translator(), _pair_critic())
    model.compile()
    data = tf.data.Dataset.from_tensor_slices(np.zeros((4, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"yielding \(a_images, b_images\) pairs"):
        model.fit(data.batch(2), verbose=0)


def test_t07_unpaired_data_for_pix2pix():
    a = np.zeros((4, 8, 8, 1), "float32")
    model = Pix2Pix(_translator(), _pair_critic())
    model.compile()
    with pytest.raises(ValueError, match=r"Pix2Pix.fit received unpaired data"):
        model.fit(datasets.unpaired(a, a, batch_size=2), verbose=0)


def test_t08_pairs_of_different_lengths():
    a = np.zeros((4, 8, 8, 1), "float32")
    model = Pix2Pix(_translator(), _pair_critic())
    model.compile()
    with pytest.raises(ValueError, match=r"received 4 A images but 3 B images"):
        model.fit(x=a, y=a[:3], verbose=0)
    with pytest.raises(ValueError, match=r"paired needs as many images in a as in b"):
        datasets.paired(a, a[:3])


def test_t09_images_of_another_size():
    a = np.zeros((4, 8, 8, 1), "float32")
    model = Pix2Pix(_translator(), _pair_critic())
    model.compile()
    with pytest.raises(ValueError, match=r"the B images have shape \(None, 6, 6, 1\)"):
        model.fit(x=a, y=np.zeros((4, 6, 6, 1), "float32"), verbose=0)


def test_t10_unconditional_discriminator_for_pix2pix():
    with pytest.raises(ValueError, match=r"conditional discriminator that takes two"):
        Pix2Pix(_translator(), _critic())


def test_t11_reflection_padding_too_large():
    from keras_gan_layers.layers import ReflectionPadding2D

    with pytest.raises(ValueError, match=r"needs each padding smaller than the size"):
        ReflectionPadding2D(4)(np.zeros((1, 4, 4, 1), "float32"))


def test_t12_translate_images_of_another_shape():
    model = CycleGAN(_translator(), _translator(), _critic(), _critic())
    with pytest.raises(
        ValueError,
        match=r"CycleGAN.translate_a_to_b: the images have shape \(None, 4, 4, 1\), "
        r"but the translator takes \(None, 8, 8, 1\)",
    ):
        model.translate_a_to_b(np.zeros((2, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match=r"translate_a_to_b expects images to"):
        model.translate_a_to_b(np.zeros((2, 8, 8, 1), "uint8"))
