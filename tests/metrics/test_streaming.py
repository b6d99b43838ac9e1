"""Streaming metrics, feature extractors and the shipped digits classifier."""

import json

import keras
import numpy as np
import pytest

from keras_gan_layers import datasets, metrics


def test_frechet_metric_matches_function_and_is_batch_independent(rng):
    x, y = rng.normal(size=(300, 6)), rng.normal(0.2, 1.1, size=(250, 6))
    expected = metrics.frechet_distance(
        x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    )
    for batch in (300, 17):
        fid = metrics.FrechetDistance()
        for i in range(0, 300, batch):
            fid.update_state(
                real=x[i : i + batch], fake=y[i : i + batch] if i < 250 else None
            )
        assert fid.result() == pytest.approx(expected, rel=1e-9)
    fid.reset_state()
    with pytest.raises(ValueError, match="at least 1 samples"):
        fid.result()


def test_frechet_metric_dimension_mismatch(rng):
    fid = metrics.FrechetDistance()
    fid.update_state(real=rng.normal(size=(10, 3)), fake=rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="differ in dimension: 3 and 4"):
        fid.result()


def test_kernel_metric_matches_function(rng):
    x, y = rng.normal(size=(80, 5)), rng.normal(size=(90, 5))
    kid = metrics.KernelDistance(subsets=10, subset_size=40, seed=2)
    kid.update_state(real=x[:40], fake=y[:50])
    kid.update_state(real=x[40:], fake=y[50:])
    mean, std = metrics.kernel_distance(x, y, subsets=10, subset_size=40, seed=2)
    assert kid.result() == pytest.approx(mean) and kid.result_std() == pytest.approx(
        std
    )
    restored = metrics.KernelDistance.from_config(kid.get_config())
    assert restored.kernel_args == kid.kernel_args


def test_inception_score_metric():
    score = metrics.InceptionScore(splits=2)
    score.update_state(fake=np.eye(4)[np.arange(40) % 4])
    assert score.result() == pytest.approx(4.0)


class Flatten(keras.layers.Layer):
    def call(self, x):
        return keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))


def test_extractor_path_and_image_rank_error(rng):
    images = rng.uniform(-1, 1, size=(20, 4, 4, 1)).astype("float32")
    fid = metrics.FrechetDistance(Flatten(), batch_size=6)
    fid.update_state(real=images, fake=images[::-1])
    flat = images.reshape(20, -1).astype("float64")
    assert fid.real_statistics.mean() == pytest.approx(flat.mean(0), rel=1e-6)
    assert fid.result() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="Received shape \\(20, 16\\)"):
        fid.update_state(real=images.reshape(20, 16))


def test_digits_classifier_accuracy_and_size():
    import os

    from keras_gan_layers.metrics import digits

    report = digits.training_report()
    assert report["test_accuracy"] >= 0.97
    assert os.path.getsize(digits.WEIGHTS) < 1_000_000
    # Re-measure on the recorded held-out split.
    from sklearn.model_selection import train_test_split

    images, labels = datasets.load_digits(return_labels=True)
    _, x_test, _, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=0, stratify=labels
    )
    probabilities = keras.ops.convert_to_numpy(
        metrics.DigitsFeatureExtractor(output="probabilities")(x_test)
    )
    assert np.mean(probabilities.argmax(1) == y_test) == pytest.approx(
        report["test_accuracy"], abs=0.01
    )
    assert json.dumps(report)


def test_digits_metrics_rank_real_above_noise():
    images = datasets.load_digits(image_size=16)
    real_a, real_b = images[::2], images[1::2]
    noise = np.random.default_rng(0).uniform(-1, 1, size=real_b.shape).astype("float32")
    extractor = metrics.DigitsFeatureExtractor()

    def fid(fake):
        m = metrics.FrechetDistance(extractor)
        m.update_state(real=real_a, fake=fake)
        return m.result()

    assert fid(real_b) < 0.1 * fid(noise)
    score = metrics.InceptionScore(
        metrics.DigitsFeatureExtractor(output="probabilities")
    )
    score.update_state(fake=real_b)
    assert score.result() > 8.0  # 10 balanced, confidently classified classes


def test_extractor_bad_arguments():
    with pytest.raises(
        ValueError, match="output must be 'features' or 'probabilities'"
    ):
        metrics.DigitsFeatureExtractor(output="logits")
    with pytest.raises(ValueError, match="Received shape \\(8, 8\\)"):
        metrics.DigitsFeatureExtractor()(np.zeros((8, 8)))


@pytest.mark.slow
def test_inception_extractor_shapes_without_weights():
    extractor = metrics.InceptionFeatureExtractor(weights=None)
    images = (
        np.random.default_rng(0).uniform(-1, 1, size=(2, 32, 32, 1)).astype("float32")
    )
    assert tuple(extractor(images).shape) == (2, 2048)
    probs = keras.ops.convert_to_numpy(
        metrics.InceptionFeatureExtractor(weights=None, output="probabilities")(images)
    )
    assert probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_inception_offline_error(monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.applications, "InceptionV3", offline)
    with pytest.raises(
        RuntimeError, match="downloads the ImageNet weights.*DigitsFeatureExtractor"
    ):
        metrics.InceptionFeatureExtractor()


def test_configs_round_trip():
    extractor = metrics.DigitsFeatureExtractor(output="probabilities")
    clone = metrics.DigitsFeatureExtractor.from_config(extractor.get_config())
    images = datasets.load_digits()[:5]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(images)),
        keras.ops.convert_to_numpy(extractor(images)),
        rtol=1e-6,
    )
    fid = metrics.FrechetDistance(
        metrics.DigitsFeatureExtractor(), batch_size=32, name="fid_digits"
    )
    restored = metrics.FrechetDistance.from_config(fid.get_config())
    assert restored.name == "fid_digits" and restored.batch_size == 32
    assert isinstance(restored.feature_extractor, metrics.DigitsFeatureExtractor)
    score = metrics.InceptionScore(splits=4)
    assert metrics.InceptionScore.from_config(score.get_config()).splits == 4
