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
        fid = metrics.FrechetDistance(None)
        for i in range(0, 300, batch):
            fid.update_state(
                real=x[i : i + batch], fake=y[i : i + batch] if i < 250 else None
            )
        assert fid.result() == pytest.approx(expected, rel=1e-9)
    fid.reset_state()
    with pytest.raises(ValueError, match="at least 1 samples"):
        fid.result()


def test_frechet_metric_dimension_mismatch(rng):
    fid = metrics.FrechetDistance(None)
    fid.update_state(real=rng.normal(size=(10, 3)), fake=rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="differ in dimension: 3 and 4"):
        fid.result()


def test_kernel_metric_matches_function(rng):
    x, y = rng.normal(size=(80, 5)), rng.normal(size=(90, 5))
    kid = metrics.KernelDistance(None, subsets=10, subset_size=40, seed=2)
    kid.update_state(real=x[:40], fake=y[:50])
    kid.update_state(real=x[40:], fake=y[50:])
    mean, std = metrics.kernel_distance(x, y, subsets=10, subset_size=40, seed=2)
    assert kid.result() == pytest.approx(mean) and kid.result_std() == pytest.approx(
        std
    )
    restored = metrics.KernelDistance.from_config(kid.get_config())
    assert restored.kernel_args == kid.kernel_args


def test_inception_score_metric():
    score = metrics.InceptionScore(None, splits=1)
    score.update_state(fake=np.eye(4)[np.arange(40) % 4])
    assert score.result() == pytest.approx(4.0)


def test_inception_score_metric_one_class_per_batch_equals_function():
    # The issue: fed one class per batch, the streaming metric gave 1.00.
    labels = np.repeat(np.arange(10), 100)
    p = np.eye(10)[labels]
    expected = metrics.inception_score(p[np.random.default_rng(0).permutation(1000)])[0]
    assert 9.3 < expected < 10.0
    for batches in (
        [p[labels == c] for c in range(10)],  # one class per batch
        [p[labels == c] for c in range(10)][::-1],
        np.array_split(p[::-1], 7),
        [p],
    ):
        score = metrics.InceptionScore(None, splits=10)
        for batch in batches:
            score.update_state(fake=batch)
        assert score.result() == expected
    score = metrics.InceptionScore(None, seed=0)
    score.update_state(fake=p)
    assert score.result() == metrics.inception_score(p, seed=0)[0] != expected
    assert metrics.InceptionScore.from_config(score.get_config()).seed == 0


def test_inception_score_digits_one_class_per_batch():
    images, labels = datasets.load_digits(return_labels=True)
    keep = np.concatenate([np.flatnonzero(labels == c)[:20] for c in range(10)])
    images, labels = images[keep], labels[keep]  # sorted by class
    classifier = metrics.DigitsFeatureExtractor(output="probabilities")
    score = metrics.InceptionScore(classifier, splits=10)
    for c in range(10):
        score.update_state(fake=images[labels == c])
    probabilities = np.concatenate(
        [keras.ops.convert_to_numpy(classifier(images[labels == c])) for c in range(10)]
    )
    shuffled = np.random.default_rng(1).permutation(len(images))
    expected = metrics.inception_score(probabilities[shuffled], splits=10)[0]
    assert score.result() == pytest.approx(expected, rel=1e-6)
    assert score.result() > 7.0  # 1.0 when each split held one class


def test_kernel_metric_does_not_depend_on_batch_order(rng):
    x, y = rng.normal(size=(80, 5)), rng.normal(size=(90, 5))
    results = []
    for real_batches, fake_batches in (
        ([x], [y]),
        ([x[40:], x[:40]], [y[60:], y[:60]]),
        (np.array_split(x[::-1], 9), np.array_split(y[rng.permutation(90)], 4)),
    ):
        kid = metrics.KernelDistance(None, subsets=10, subset_size=40, seed=2)
        for real in real_batches:
            kid.update_state(real=real)
        for fake in fake_batches:
            kid.update_state(fake=fake)
        results.append((kid.result(), kid.result_std()))
    assert results[1] == pytest.approx(results[0], rel=1e-12)
    assert results[2] == pytest.approx(results[0], rel=1e-12)


@pytest.fixture(scope="module")
def digit_metrics():
    return {
        "FrechetDistance": metrics.FrechetDistance(metrics.DigitsFeatureExtractor()),
        "KernelDistance": metrics.KernelDistance(
            metrics.DigitsFeatureExtractor(), subset_size=10
        ),
        "InceptionScore": metrics.InceptionScore(
            metrics.DigitsFeatureExtractor(output="probabilities")
        ),
    }


def raw_digits(n=16):
    """The digits as 8-bit pixels in [0, 255], as image files hold them."""
    return np.round((datasets.load_digits()[:n] + 1.0) * 127.5).astype("uint8")


def bad_images():
    nan = datasets.load_digits()[:16].copy()
    nan[3, 2, 2, 0] = np.nan
    return {
        "uint8": (raw_digits(), "Received uint8 values in \\[0, 255\\].*scale_images"),
        "float 0-255": (
            raw_digits().astype("float32"),
            "in \\[-1.0, 1.0\\]. Received values in \\[0, 255\\].*scale_images",
        ),
        "int32": (raw_digits().astype("int32"), "Received int32 values"),
        "nan": (nan, "NaN or inf\\) in 1 of 16 .*accepts finite floats"),
    }


@pytest.mark.parametrize(
    "metric", ["FrechetDistance", "KernelDistance", "InceptionScore"]
)
def test_update_state_rejects_images_outside_minus_one_one(digit_metrics, metric):
    m = digit_metrics[metric]
    sides = ["fake"] if metric == "InceptionScore" else ["real", "fake"]
    for side in sides:
        for images, match in bad_images().values():
            m.reset_state()
            with pytest.raises(ValueError, match=f"^{metric} ") as info:
                m.update_state(**{side: images})
            assert f"{side} images" in str(info.value)
            assert info.match(match)
        m.update_state(**{side: datasets.load_digits()[:16]})  # scaled: accepted


def test_features_are_not_images(rng):
    # Without an extractor the metrics take features, whatever their range.
    fid = metrics.FrechetDistance(None)
    fid.update_state(
        real=rng.uniform(0, 255, (20, 3)), fake=rng.uniform(0, 255, (20, 3))
    )
    assert np.isfinite(fid.result())


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
        ValueError, match="output must be one of 'features', 'probabilities'"
    ):
        metrics.DigitsFeatureExtractor(output="logits")
    with pytest.raises(ValueError, match="Received shape \\(8, 8\\)"):
        metrics.DigitsFeatureExtractor()(np.zeros((8, 8)))


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
    score = metrics.InceptionScore(None, splits=4)
    assert metrics.InceptionScore.from_config(score.get_config()).splits == 4
