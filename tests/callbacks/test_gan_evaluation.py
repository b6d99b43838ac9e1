import keras
import numpy as np
import pytest

from keras_gan_layers import GANEvaluation, datasets, metrics
from tests.helpers import tiny_mlp_gan


@pytest.fixture(scope="module")
def digits():
    # Whole batches of 64 (fit and the feature extractor): under JAX every
    # new batch shape compiles the step or the extractor's ops again.
    return datasets.load_digits()[:384]


def test_keys_in_history_and_checkpoint_monitors_them(tmp_path, digits):
    gan = tiny_mlp_gan()
    gan.compile()
    evaluation = GANEvaluation(
        digits,
        metrics=("kid", "fid", "is", "prdc"),
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=128,
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
    gan = tiny_mlp_gan()
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
    gan = tiny_mlp_gan()
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


def raw(images):
    """8-bit pixels in [0, 255], as image files hold them."""
    return np.round((images + 1.0) * 127.5).astype("uint8")


def test_raw_real_images_rejected_at_construction(digits):
    # The issue: uint8 digits gave FID 1.6e7 and KID 1e16, silently.
    tf = pytest.importorskip("tensorflow")
    labels = np.zeros(len(digits), "int32")
    nan = digits[:32].copy()
    nan[5, 0, 0, 0] = np.inf
    bad = {
        "uint8 array": (raw(digits), "Received uint8 values in \\[0, 255\\]"),
        "(images, labels)": ((raw(digits), labels), "Received uint8 values"),
        "tf.data": (
            tf.data.Dataset.from_tensor_slices(raw(digits)).batch(64),
            "Received uint8 values",
        ),
        "generator": ((b for b in [raw(digits[:64])]), "Received uint8 values"),
        "list of batches": ([raw(digits[:64])], "Received uint8 values"),
        "float [0, 255]": (
            raw(digits).astype("float32"),
            "in \\[-1.0, 1.0\\]. Received values in \\[0, 255\\]",
        ),
        "inf": (nan, "non-finite values \\(NaN or inf\\) in 1 of 32 real images"),
    }
    for name, (data, match) in bad.items():
        with pytest.raises(ValueError, match="^GANEvaluation ") as info:
            GANEvaluation(data, metrics=("kid", "fid"))
        assert info.match(match), name
        assert "[-1.0, 1.0]" in str(info.value) and (
            "scale_images" in str(info.value) or name == "inf"
        ), name


def test_real_images_checked_whole_before_features(digits):
    def batches():
        yield digits[:64]
        yield raw(digits[64:128])  # a bad batch after a good first one

    evaluation = GANEvaluation(
        batches(),
        metrics="fid",
        feature_extractor=metrics.DigitsFeatureExtractor(),
        num_samples=8,
    )
    with pytest.raises(
        ValueError, match="GANEvaluation expects real images.*values in \\[-1, 255\\]"
    ):
        evaluation.evaluate()  # before the generator is needed
    # A generator's first batch is put back after the construction check.
    parts = [digits[:64], digits[64:100]]
    evaluation = GANEvaluation((b for b in parts), metrics="fid", num_samples=8)
    from keras_gan_layers.callbacks.gan_evaluation import _images_and_labels

    images, _ = _images_and_labels(evaluation.real_data, 1000)
    np.testing.assert_array_equal(images, digits[:100])
