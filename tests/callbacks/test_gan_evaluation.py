import keras
import numpy as np
import pytest

from keras_gan_layers import GANEvaluation, datasets, metrics
from tests.helpers import tiny_dcgan


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits()[:400]


def test_keys_in_history_and_checkpoint_monitors_them(tmp_path, digits):
    gan = tiny_dcgan()
    gan.compile()
    evaluation = GANEvaluation(
        digits,
        metrics=("kid", "fid", "is", "prdc"),
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=100,
        kid_subsets=10,
    )
    path = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="val_kid", mode="min", save_best_only=True
    )
    history = gan.fit(
        digits, batch_size=64, epochs=2, verbose=0, callbacks=[evaluation, checkpoint]
    )
    keys = {
        "val_kid",
        "val_kid_std",
        "val_fid",
        "val_is",
        "val_precision",
        "val_recall",
        "val_density",
        "val_coverage",
    }
    assert keys <= set(history.history)
    assert all(
        len(history.history[k]) == 2 and np.isfinite(history.history[k]).all()
        for k in keys
    )
    assert (tmp_path / "best.keras").exists()
    # The logged FID equals the metric recomputed independently on the same samples.
    fake = evaluation._generate()
    fid = metrics.FrechetDistance(metrics.DigitsFeatureExtractor())
    fid.update_state(real=digits, fake=fake)
    assert history.history["val_fid"][-1] == pytest.approx(fid.result(), rel=1e-6)


def test_every_n_epochs(digits):
    gan = tiny_dcgan()
    gan.compile()
    evaluation = GANEvaluation(
        digits,
        metrics="fid",
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=50,
        every_n_epochs=2,
    )
    gan.fit(digits[:64], batch_size=64, epochs=3, verbose=0, callbacks=[evaluation])
    assert [r["epoch"] for r in evaluation.results] == [2]


def test_bad_arguments(digits):
    with pytest.raises(ValueError, match="Unknown metrics \\['ssim'\\]"):
        GANEvaluation(digits, metrics=("ssim",))
    with pytest.raises(ValueError, match="num_samples must be >= 2"):
        GANEvaluation(digits, num_samples=1)
    evaluation = GANEvaluation(
        digits[:10],
        metrics="kid",
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=20,
        kid_subset_size=50,
    )
    gan = tiny_dcgan()
    gan.compile()
    with pytest.raises(ValueError, match="subset_size=50 does not fit"):
        gan.fit(digits[:64], batch_size=64, epochs=1, verbose=0, callbacks=[evaluation])
    flat = GANEvaluation(
        digits.reshape(len(digits), -1),
        metrics="fid",
        feature_extractor=metrics.DigitsFeatureExtractor(),
    )
    with pytest.raises(ValueError, match="must be images"):
        flat.set_model(gan)
        flat.evaluate()
