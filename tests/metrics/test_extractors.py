"""InceptionFeatureExtractor's wiring (outputs, shared network, config,
errors) and the default extractor. The network itself is tested against
pytorch-fid in test_fid_inception.py; here a small stand-in with the same
two outputs keeps these tests fast on every backend."""

import keras
import numpy as np
import pytest

from keras_gan_layers import metrics
from keras_gan_layers.metrics import extractors, fid_inception


def stand_in_network():
    """299x299x3 -> [features (4,), logits (6,)], like fid_inception_v3."""
    images = keras.Input((299, 299, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(images)
    features = keras.layers.Dense(4, name="pool3")(pooled)
    logits = keras.layers.Dense(6, name="logits")(features)
    return keras.Model(images, [features, logits])


@pytest.fixture
def cheap_network(monkeypatch):
    monkeypatch.setattr(
        fid_inception, "fid_inception_v3", lambda weights=None: stand_in_network()
    )


def test_outputs_share_one_network(cheap_network):
    extractor = metrics.InceptionFeatureExtractor(weights=None, resize="pytorch-fid")
    images = np.random.default_rng(0).uniform(-1, 1, (3, 12, 12, 1)).astype("float32")
    features = keras.ops.convert_to_numpy(extractor(images))
    inputs = extractors.inception_input(images, "pytorch-fid")
    want_features, want_logits = (
        keras.ops.convert_to_numpy(t) for t in extractor.network(inputs)
    )
    np.testing.assert_allclose(features, want_features, rtol=1e-6)
    probabilities = extractor.with_output("probabilities")
    assert probabilities.network is extractor.network
    p = keras.ops.convert_to_numpy(probabilities(images))
    e = np.exp(want_logits - want_logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    logits = keras.ops.convert_to_numpy(extractor.with_output("logits")(images))
    np.testing.assert_allclose(logits, want_logits, rtol=1e-6)


def test_description_and_config(cheap_network):
    extractor = metrics.InceptionFeatureExtractor(
        weights=None, output="logits", resize="pytorch-fid"
    )
    assert extractor.description == (
        "FID Inception-v3 (random weights), resize=pytorch-fid"
    )
    config = extractor.get_config()
    assert (config["weights"], config["output"], config["resize"]) == (
        None,
        "logits",
        "pytorch-fid",
    )
    clone = metrics.InceptionFeatureExtractor.from_config(config)
    assert clone.description == extractor.description
    assert clone.output_kind == "logits"


def test_float32_under_mixed_precision(cheap_network):
    """The extractor's own ops run in float32 (the network's layers are
    float32 by construction: test_fid_inception.py)."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        extractor = metrics.InceptionFeatureExtractor(weights=None)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert extractor.compute_dtype == "float32"


def test_bad_arguments(cheap_network):
    with pytest.raises(ValueError, match="not Keras' ImageNet Inception-v3"):
        metrics.InceptionFeatureExtractor(weights="imagenet")
    with pytest.raises(ValueError, match="Received dict"):
        metrics.InceptionFeatureExtractor(weights={})
    with pytest.raises(ValueError, match="output must be one of 'features', 'logits'"):
        metrics.InceptionFeatureExtractor(weights=None, output="pool")
    with pytest.raises(
        ValueError, match="resize must be one of 'clean', 'pytorch-fid'"
    ):
        metrics.InceptionFeatureExtractor(weights=None, resize="bilinear")
    extractor = metrics.InceptionFeatureExtractor(weights=None)
    with pytest.raises(ValueError, match=r"Received shape \(8, 8\)"):
        extractor(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="1 or 3 channels. Received 2"):
        extractor(np.zeros((1, 8, 8, 2)))


def test_default_is_digits_with_a_warning_without_the_weights(monkeypatch):
    monkeypatch.setattr(fid_inception, "fid_inception_weights_path", lambda: None)
    with pytest.warns(
        UserWarning, match="FID Inception weights are not on this machine"
    ):
        extractor = metrics.default_feature_extractor()
    assert isinstance(extractor, metrics.DigitsFeatureExtractor)
    with pytest.warns(UserWarning):
        fid = metrics.FrechetDistance()
    assert isinstance(fid.feature_extractor, metrics.DigitsFeatureExtractor)
    with pytest.warns(UserWarning):
        score = metrics.InceptionScore()
    assert score.feature_extractor.output_kind == "probabilities"
    with pytest.raises(ValueError, match="feature_extractor must be 'auto'"):
        metrics.KernelDistance("inception")


def test_default_is_the_fid_network_when_its_weights_are_here(monkeypatch, tmp_path):
    seen = {}

    def network(weights=None):
        seen["weights"] = weights
        return stand_in_network()

    path = str(tmp_path / fid_inception.FID_WEIGHTS_FILE)
    open(path, "wb").close()
    monkeypatch.setattr(fid_inception, "fid_inception_weights_path", lambda: path)
    monkeypatch.setattr(fid_inception, "fid_inception_v3", network)
    extractor = metrics.default_feature_extractor(resize="pytorch-fid")
    assert isinstance(extractor, metrics.InceptionFeatureExtractor)
    assert seen["weights"] == path and extractor.resize_mode == "pytorch-fid"


def test_saved_model_loads_without_the_weights_file(cheap_network, tmp_path):
    """The weights travel inside the .keras; the file named in the config
    may be gone. A layer rebuilt from its config alone refuses to run."""
    weights = tmp_path / "w.npz"
    weights.write_bytes(b"stand-in")  # only its existence is checked here
    extractor = metrics.InceptionFeatureExtractor(weights=str(weights))
    images = keras.Input((8, 8, 3))
    model = keras.Model(images, extractor(images))
    x = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    before = keras.ops.convert_to_numpy(model(x))
    model.save(tmp_path / "m.keras")
    config = extractor.get_config()
    weights.unlink()
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), before, rtol=1e-6)
    alone = metrics.InceptionFeatureExtractor.from_config(config)
    assert alone.description == extractor.description
    with pytest.raises(ValueError, match="weights .* are not on this machine"):
        alone(x)


def test_weights_that_are_neither_the_name_nor_a_file(cheap_network, tmp_path):
    with pytest.raises(ValueError, match="neither 'pt_inception-2015-12-05'"):
        metrics.InceptionFeatureExtractor(weights="pt_inception")
    path = tmp_path / "w.npz"
    path.write_bytes(b"x")
    extractor = metrics.InceptionFeatureExtractor(weights=path)  # a Path is fine
    assert extractor.weights_source == str(path)
