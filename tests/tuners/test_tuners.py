import math

import numpy as np
import pytest

kt = pytest.importorskip("keras_tuner")

from keras_gan_layers import datasets, metrics  # noqa: E402
from keras_gan_layers.tuners import (
    DEFAULT_SEARCH_SPACE,
    GANHyperModel,
    check_search,
    trials_table,
)


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits()[:256]


def hypermodel(digits):
    return GANHyperModel(
        (8, 8, 1),
        real_data=digits[:200],
        feature_extractor=metrics.DigitsFeatureExtractor(),
        eval_samples=64,
    )


def test_default_search_space_is_pinned(digits):
    hp = kt.HyperParameters()
    hypermodel(digits).build(hp)
    assert hp.values == {
        "loss": "bce",
        "d_learning_rate": 2e-4,
        "g_learning_rate": 2e-4,
        "beta_1": 0.5,
        "d_steps": 1,
        "filters": 64,
        "latent_dim": 64,
    }
    names = {h.name for h in hp.space}
    assert names == set(
        DEFAULT_SEARCH_SPACE
    )  # penalty_weight is declared, conditionally
    gp = kt.HyperParameters()
    gp.Fixed("loss", "wgan_gp")
    gan = hypermodel(digits).build(gp)
    assert gp.values["penalty_weight"] == 10.0
    assert (
        gan.penalties[0].weight == 10.0
        and type(gan.loss_fn).__name__ == "WassersteinLoss"
    )


def test_random_search_two_trials(tmp_path, digits):
    hp = kt.HyperParameters()
    hp.Fixed("filters", 16)
    hp.Fixed("d_steps", 1)
    tuner = kt.RandomSearch(
        hypermodel(digits),
        objective=GANHyperModel.objective,
        max_trials=2,
        seed=1,
        hyperparameters=hp,
        tune_new_entries=True,
        directory=str(tmp_path),
        project_name="search",
    )
    tuner.search(digits, epochs=1, batch_size=64, verbose=0)
    completed = check_search(tuner)
    assert len(completed) == 2
    assert all(math.isfinite(t.score) for t in completed)
    best = tuner.get_best_hyperparameters()[0]
    assert best.get("loss") in DEFAULT_SEARCH_SPACE["loss"][1]["values"]
    assert 1e-5 <= best.get("d_learning_rate") <= 1e-3
    assert best.get("latent_dim") in (32, 64, 128) and best.get("filters") == 16
    model = tuner.get_best_models()[0]
    samples = model.generate(4, seed=0)
    assert samples.shape == (4, 8, 8, 1) and np.isfinite(samples).all()
    rows = trials_table(tuner)
    assert len(rows) == 2 and {"trial_id", "status", "score", "loss"} <= set(rows[0])


# TensorFlow only: check_search's aggregation is backend-independent Python, and
# the per-backend part (fit raising NonFiniteLossError) is tested on every
# backend in tests/models/test_gan.py; two diverging trials cost ~17 s on JAX.
@pytest.mark.tensorflow_only
def test_every_trial_failing_raises_with_the_error(tmp_path, digits):
    hp = kt.HyperParameters()
    hp.Fixed("filters", 16)
    hp.Fixed("d_learning_rate", 1e30)  # diverges at once: non-finite losses
    hp.Fixed("loss", "wgan_gp")
    tuner = kt.RandomSearch(
        hypermodel(digits),
        objective=GANHyperModel.objective,
        max_trials=2,
        hyperparameters=hp,
        tune_new_entries=True,
        directory=str(tmp_path),
        project_name="fail",
    )
    tuner.search(digits, epochs=1, batch_size=64, verbose=0)
    with pytest.raises(
        RuntimeError, match="(?s)Every one of the .* trials failed.*NonFiniteLossError"
    ):
        check_search(tuner)


def test_raw_images_rejected_before_any_trial(digits):
    raw = np.round((digits + 1.0) * 127.5).astype("uint8")
    nan = digits.copy()
    nan[0, 0, 0, 0] = np.nan
    for real_data, match in (
        (
            raw,
            "^GANHyperModel expects real images as floats in \\[-1.0, 1.0\\].*"
            "Received uint8 values in \\[0, 255\\].*scale_images",
        ),
        (raw.astype("float32"), "Received values in \\[0, 255\\]"),
        (nan, "^GANHyperModel received non-finite values \\(NaN or inf\\)"),
    ):
        with pytest.raises(ValueError, match=match):
            GANHyperModel((8, 8, 1), real_data=real_data)
    # Training and validation images given to fit: rejected before training.
    model_builder = hypermodel(digits)
    hp = kt.HyperParameters()
    hp.Fixed("filters", 16)
    gan = model_builder.build(hp)
    for kwargs, match in (
        ({"x": raw}, "real images as floats.*uint8"),
        ({"x": digits, "validation_data": raw}, "real validation images.*uint8"),
    ):
        with pytest.raises(ValueError, match=match):
            model_builder.fit(hp, gan, epochs=1, batch_size=64, verbose=0, **kwargs)
        assert int(gan.g_optimizer.iterations) == 0
