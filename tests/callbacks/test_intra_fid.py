"""GANEvaluation's intra-class FID and FID against reference statistics,
checked against pytorch-fid's formula (transcribed) on features computed
here, class by class."""

import keras
import numpy as np
import pytest

from keras_gan_layers import ConditionalGAN, GANEvaluation, architectures, metrics
from keras_gan_layers.metrics.streaming import extract
from tests.helpers import tiny_mlp_gan
from tests.metrics.test_statistics_files import pytorch_fid_distance, stats

NUM_CLASSES = 3


class NoisyPainter(keras.layers.Layer):
    """Class c paints `c / 3 - 0.5`, plus the first two latents on the left
    and right halves: per-class images with a non-degenerate spread."""

    def call(self, inputs):
        z, labels = inputs
        value = keras.ops.cast(labels, "float32") / NUM_CLASSES - 0.5
        left = keras.ops.reshape(value + 0.2 * keras.ops.tanh(z[:, 0]), (-1, 1, 1, 1))
        right = keras.ops.reshape(value + 0.2 * keras.ops.tanh(z[:, 1]), (-1, 1, 1, 1))
        ones = keras.ops.ones((1, 8, 4, 1))
        return keras.ops.concatenate([left * ones, right * ones], axis=2)


def painter_gan():
    z = keras.Input((3,))
    label = keras.Input((), dtype="int32")
    generator = keras.Model([z, label], NoisyPainter()([z, label]))
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), NUM_CLASSES, filters=4
    )
    return ConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES, seed=0)


def half_means():
    """Features: the mean of the left and of the right half of the image."""
    images = keras.Input((8, 8, 1))
    left = keras.ops.mean(images[:, :, :4], axis=(1, 2, 3))
    right = keras.ops.mean(images[:, :, 4:], axis=(1, 2, 3))
    return keras.Model(images, keras.ops.stack([left, right], axis=1))


def real_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % NUM_CLASSES
    base = labels / NUM_CLASSES - 0.5 + 0.05
    images = np.empty((n, 8, 8, 1), "float32")
    images[:, :, :4] = (base + rng.uniform(-0.3, 0.3, n))[:, None, None, None]
    images[:, :, 4:] = (base + rng.uniform(-0.1, 0.1, n))[:, None, None, None]
    return images, labels


def test_intra_fid_is_the_mean_of_per_class_fids():
    images, labels = real_data()
    extractor = half_means()
    evaluation = GANEvaluation(
        (images, labels),
        metrics=("intra_fid", "fid"),
        feature_extractor=extractor,
        num_samples=90,
    )
    gan = painter_gan()
    evaluation.set_model(gan)
    evaluation.check_model()
    got = evaluation.evaluate()
    fake = evaluation._generate()
    fake_labels = np.arange(90) % NUM_CLASSES  # real labels cycled
    real_f = keras.ops.convert_to_numpy(extractor(images)).astype(np.float64)
    fake_f = keras.ops.convert_to_numpy(extractor(fake)).astype(np.float64)
    per_class = [
        pytorch_fid_distance(
            *stats(real_f[labels == c]), *stats(fake_f[fake_labels == c])
        )
        for c in range(NUM_CLASSES)
    ]
    for c in range(NUM_CLASSES):
        assert evaluation.intra_fid_per_class[c] == pytest.approx(
            per_class[c], rel=1e-6
        )
    assert got["val_intra_fid"] == pytest.approx(np.mean(per_class), rel=1e-6)
    # Pooled FID ignores the classes: a different number.
    want_fid = pytorch_fid_distance(*stats(real_f), *stats(fake_f))
    assert got["val_fid"] == pytest.approx(want_fid, rel=1e-6)
    assert abs(got["val_intra_fid"] - got["val_fid"]) > 1e-3


def test_fid_against_reference_statistics_file(tmp_path):
    images, labels = real_data()
    extractor = half_means()
    # The same float32 features as the image route (compiled extraction),
    # so the two routes must agree to float64 rounding.
    real_f = extract(extractor, images)
    metrics.save_statistics(tmp_path / "ref.npz", *stats(real_f))
    with_file = GANEvaluation(
        (images[:6], labels[:6]),  # not used for FID
        metrics="fid",
        feature_extractor=extractor,
        num_samples=30,
        reference_statistics=str(tmp_path / "ref.npz"),
    )
    with_images = GANEvaluation(
        (images, labels), metrics="fid", feature_extractor=extractor, num_samples=30
    )
    gan = painter_gan()
    for evaluation in (with_file, with_images):
        evaluation.set_model(gan)
        evaluation.check_model()
    assert with_file.evaluate()["val_fid"] == pytest.approx(
        with_images.evaluate()["val_fid"], rel=1e-9
    )


def test_reference_statistics_from_another_extractor_are_refused(tmp_path):
    images, labels = real_data()
    metrics.save_statistics(
        tmp_path / "ref.npz", np.zeros(2), np.eye(2), extractor="some other network"
    )
    evaluation = GANEvaluation(
        (images, labels),
        metrics="fid",
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=30,
        reference_statistics=str(tmp_path / "ref.npz"),
    )
    evaluation.set_model(painter_gan())
    with pytest.raises(ValueError, match="computed with 'some other network'"):
        evaluation.check_model()


def test_intra_fid_errors():
    images, labels = real_data()
    unconditional = GANEvaluation(
        images, metrics="intra_fid", feature_extractor=half_means()
    )
    unconditional.set_model(tiny_mlp_gan())
    with pytest.raises(ValueError, match="'intra_fid' needs a conditional model"):
        unconditional.check_model()
    no_labels = GANEvaluation(
        images, metrics="intra_fid", feature_extractor=half_means()
    )
    no_labels.set_model(painter_gan())
    with pytest.raises(ValueError, match=r"needs the real images' labels"):
        no_labels.check_model()
    few = GANEvaluation(
        (images, labels),
        metrics="intra_fid",
        feature_extractor=half_means(),
        num_samples=4,
    )
    few.set_model(painter_gan())
    with pytest.raises(ValueError, match="class 1 has 20 real and 1 generated"):
        few.evaluate()


def test_intra_fid_with_one_hot_labels_and_a_reshuffling_dataset():
    """One-hot rows give the same number as class ids, and a tf.data dataset
    that reshuffles on every pass keeps each image with its own label (it is
    read once: reading images and labels in separate passes paired them
    with other images' labels)."""
    import tensorflow as tf

    images, labels = real_data()
    evaluations = []
    for data in (
        (images, labels),
        (images, np.eye(NUM_CLASSES, dtype="float32")[labels]),
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(60, seed=1)
        .batch(16),
    ):
        evaluation = GANEvaluation(
            data, metrics="intra_fid", feature_extractor=half_means(), num_samples=90
        )
        evaluation.set_model(painter_gan())
        evaluation.check_model()
        evaluation.result = evaluation.evaluate()["val_intra_fid"]
        evaluations.append(evaluation)
    assert evaluations[1].result == pytest.approx(evaluations[0].result, rel=1e-9)
    shuffled = evaluations[2]
    seen, seen_labels = shuffled._real_images_and_labels()
    # The right half of real_data's images encodes the label (+-0.1 noise).
    decoded = np.round((seen[:, 0, 4, 0] - 0.05 + 0.5) * NUM_CLASSES).astype(int)
    np.testing.assert_array_equal(decoded, seen_labels)
    assert sorted(seen_labels.tolist()) == sorted(labels.tolist())
    fake = shuffled._generate()
    fake_labels = shuffled._requested_labels()
    real_f = keras.ops.convert_to_numpy(half_means()(seen)).astype(np.float64)
    fake_f = keras.ops.convert_to_numpy(half_means()(fake)).astype(np.float64)
    want = np.mean(
        [
            pytorch_fid_distance(
                *stats(real_f[seen_labels == c]), *stats(fake_f[fake_labels == c])
            )
            for c in range(NUM_CLASSES)
        ]
    )
    assert shuffled.result == pytest.approx(want, rel=1e-5)


def test_reference_statistics_of_another_dimension_fail_before_training(tmp_path):
    images, labels = real_data()
    evaluation = GANEvaluation(
        (images, labels),
        metrics="fid",
        feature_extractor=half_means(),
        num_samples=30,
        reference_statistics=(np.zeros(5), np.eye(5)),
    )
    evaluation.set_model(painter_gan())
    with pytest.raises(
        ValueError, match="reference_statistics are 5-d, but .* gives 2-d"
    ):
        evaluation.check_model()
