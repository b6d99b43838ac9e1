"""ConditionalGAN learns to draw the requested digit (bundled 8x8 digits).

A logistic-regression classifier, trained here on the real digits with
scikit-learn (independent of this package), labels 1,000 generated images;
the fraction that gets the requested label must reach 0.8 (chance: 0.1).
Measured on a 2-core CPU, TensorFlow, seed 0, 1,500 training digits, 20
epochs of 24 steps (the judge scores 0.98 on the 297 held-out digits):

| conditioning | loss | generated accuracy | aux. classifier, held-out real | time |
| --- | --- | --- | --- | --- |
| concatenation | bce | 0.988 | - | ~30 s |
| projection (+ conditional BN) | hinge | 0.996 | - | ~30 s |
| auxiliary classifier (ACGAN) | bce | 0.991 | 0.973 | ~30 s |

TensorFlow only: the same step runs on every backend (see
tests/backend/test_backends.py::test_cross_backend_equivalence), and JAX's
CPU convolutions would make these runs ~10x longer.
"""

import keras
import numpy as np
import pytest

from keras_gan_layers import ConditionalGAN, architectures, datasets

pytestmark = pytest.mark.tensorflow_only

EPOCHS = 20


@pytest.fixture(scope="module")
def digits():
    from sklearn.linear_model import LogisticRegression

    images, labels = datasets.load_digits(return_labels=True)
    order = np.random.default_rng(0).permutation(len(images))
    images, labels = images[order], labels[order]
    classifier = LogisticRegression(max_iter=3000).fit(
        images[:1500].reshape(1500, -1), labels[:1500]
    )
    held_out = classifier.score(images[1500:].reshape(-1, 64), labels[1500:])
    assert held_out > 0.9  # the judge itself is good
    return images, labels, classifier


def train(images, labels, conditioning, loss):
    keras.utils.set_random_seed(0)
    generator = architectures.conditional_dcgan_generator(
        32,
        10,
        (8, 8, 1),
        filters=32,
        conditioning="batch_norm" if conditioning == "projection" else "concatenation",
    )
    discriminator = architectures.conditional_dcgan_discriminator(
        (8, 8, 1), 10, filters=32, conditioning=conditioning
    )
    gan = ConditionalGAN(generator, discriminator, num_classes=10, seed=0)
    gan.compile(loss=loss)
    gan.fit(images, labels, batch_size=64, epochs=EPOCHS, verbose=0)
    return gan


def generated_accuracy(gan, classifier):
    requested = np.arange(1000) % 10
    samples = gan.generate(1000, labels=requested, seed=1)
    return float(np.mean(classifier.predict(samples.reshape(1000, -1)) == requested))


@pytest.mark.parametrize(
    "conditioning,loss", [("concatenation", "bce"), ("projection", "hinge")]
)
def test_generates_the_requested_class(digits, conditioning, loss):
    images, labels, classifier = digits
    gan = train(images[:1500], labels[:1500], conditioning, loss)
    accuracy = generated_accuracy(gan, classifier)
    assert accuracy >= 0.8, accuracy


def test_acgan_classifier_and_samples(digits):
    images, labels, classifier = digits
    gan = train(images[:1500], labels[:1500], "auxiliary_classifier", "bce")
    # The auxiliary classifier on real digits it never saw.
    aux_accuracy = float(np.mean(gan.classify(images[1500:]) == labels[1500:]))
    assert aux_accuracy > 0.8, aux_accuracy
    assert generated_accuracy(gan, classifier) >= 0.8
