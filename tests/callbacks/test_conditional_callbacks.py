"""ImageSnapshot and GANEvaluation with a ConditionalGAN.

The generator paints every pixel with `label / 4 * 2 - 1` (its latent input
is ignored), so the expected grid and the classifier's answer are known in
closed form.
"""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import ConditionalGAN, GANEvaluation, ImageSnapshot, architectures
from tests.helpers import tiny_images, tiny_mlp_gan

NUM_CLASSES = 4


class LabelPainter(keras.layers.Layer):
    def call(self, inputs):
        z, labels = inputs
        value = keras.ops.cast(labels, "float32") / NUM_CLASSES * 2.0 - 1.0
        zero = 0.0 * keras.ops.sum(z, axis=-1)
        return keras.ops.broadcast_to(
            keras.ops.reshape(value + zero, (-1, 1, 1, 1)),
            (keras.ops.shape(z)[0], 8, 8, 1),
        )


def painter_gan():
    z = keras.Input((3,))
    label = keras.Input((), dtype="int32")
    generator = keras.Model([z, label], LabelPainter()([z, label]))
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), NUM_CLASSES, filters=4
    )
    return ConditionalGAN(generator, discriminator, num_classes=NUM_CLASSES, seed=0)


def label_reader(correct=True):
    """Class probabilities from the painted value (or always class 0)."""
    images = keras.Input((8, 8, 1))
    value = keras.ops.mean(images, axis=(1, 2, 3))
    label = keras.ops.round((value + 1.0) / 2.0 * NUM_CLASSES)
    if not correct:
        label = 0.0 * label
    onehot = keras.ops.one_hot(keras.ops.cast(label, "int32"), NUM_CLASSES)
    return keras.Model(images, onehot)


def test_snapshot_has_one_row_per_class(tmp_path):
    gan = painter_gan()
    snap = ImageSnapshot(str(tmp_path), num_images=10, seed=0)
    snap.set_model(gan)
    grid = np.asarray(Image.open(snap.snapshot(0)))
    # 10 // 4 = 2 columns, 4 rows of 8x8 with 1-pixel padding.
    assert grid.shape == (4 * 8 + 3, 2 * 8 + 1)
    for row in range(NUM_CLASSES):
        value = (row / NUM_CLASSES * 2 - 1 + 1) / 2 * 255
        tile = grid[row * 9 : row * 9 + 8]
        np.testing.assert_array_equal(tile[:, :8], np.round(value))
        np.testing.assert_array_equal(tile[:, 9:], np.round(value))


@pytest.mark.parametrize("correct,expected", [(True, 1.0), (False, 0.25)])
def test_class_accuracy_cycles_the_classes(correct, expected):
    gan = painter_gan()
    evaluation = GANEvaluation(
        tiny_images(8),
        metrics="class_accuracy",
        classifier=label_reader(correct),
        num_samples=40,
    )
    evaluation.set_model(gan)
    assert evaluation.evaluate()["val_class_accuracy"] == pytest.approx(expected)


def test_class_accuracy_follows_real_labels_inside_fit():
    gan = painter_gan()
    gan.compile()
    labels = np.array([0, 0, 0, 1] * 4)  # class 0 for 3 of 4 requested images
    evaluation = GANEvaluation(
        (tiny_images(16), labels),
        metrics="class_accuracy",
        classifier=label_reader(correct=False),
        num_samples=32,
    )
    history = gan.fit(
        tiny_images(16),
        labels,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[evaluation],
    )
    assert history.history["val_class_accuracy"] == [pytest.approx(0.75)]


def test_class_accuracy_needs_a_conditional_model():
    gan = tiny_mlp_gan()
    gan.compile()
    evaluation = GANEvaluation(
        tiny_images(8), metrics="class_accuracy", classifier=label_reader()
    )
    with pytest.raises(ValueError, match="'class_accuracy' needs a conditional model"):
        gan.fit(tiny_images(8), epochs=1, verbose=0, callbacks=[evaluation])


def test_evaluation_rejects_bad_real_labels():
    gan = painter_gan()
    evaluation = GANEvaluation(
        (tiny_images(4), np.array([0, 1, 2, 9])),
        metrics="class_accuracy",
        classifier=label_reader(),
        num_samples=4,
    )
    evaluation.set_model(gan)
    with pytest.raises(ValueError, match=r"real_data labels must lie in \[0, 4\)"):
        evaluation.evaluate()


def test_bad_real_labels_fail_before_the_first_step():
    gan = painter_gan()
    gan.compile()
    evaluation = GANEvaluation(
        (tiny_images(8), np.arange(8) + 10),
        metrics="class_accuracy",
        classifier=label_reader(),
        num_samples=8,
    )
    with pytest.raises(ValueError, match=r"real_data labels must lie in \[0, 4\)"):
        gan.fit(
            tiny_images(8),
            np.arange(8) % 4,
            epochs=2,
            verbose=0,
            callbacks=[evaluation],
        )
    assert int(gan.g_optimizer.iterations) == 0


def test_explicit_conditional_generator_gets_labels(tmp_path):
    gan = painter_gan()
    snap = ImageSnapshot(str(tmp_path), num_images=4, generator=gan.generator)
    snap.set_model(gan)
    images, columns = snap.images()
    assert columns == 1 and images.shape == (4, 8, 8, 1)
    np.testing.assert_allclose(images[:, 0, 0, 0], np.arange(4) / 4 * 2 - 1, atol=1e-6)
