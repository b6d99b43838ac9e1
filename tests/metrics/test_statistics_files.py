"""Reference statistics files (pytorch-fid's `.npz` layout) and FID against them."""

import numpy as np
import pytest

from keras_gan_layers import metrics
from tests.metrics.test_frechet import pytorch_fid_formula

pytestmark = pytest.mark.backend_independent

pytorch_fid_distance = pytorch_fid_formula  # pytorch-fid's formula, transcribed


def stats(x):
    return x.mean(axis=0), np.cov(x, rowvar=False)


def test_round_trip_in_pytorch_fid_layout(tmp_path):
    rng = np.random.default_rng(0)
    mu, sigma = stats(rng.normal(size=(50, 6)))
    path = tmp_path / "ref.npz"
    metrics.save_statistics(path, mu, sigma, extractor="some network")
    with np.load(path) as f:  # what pytorch-fid reads: f["mu"][:], f["sigma"][:]
        np.testing.assert_array_equal(f["mu"][:], mu)
        np.testing.assert_array_equal(f["sigma"][:], sigma)
    got_mu, got_sigma, extractor = metrics.load_statistics(path)
    np.testing.assert_array_equal(got_mu, mu)
    np.testing.assert_array_equal(got_sigma, sigma)
    assert extractor == "some network"
    # A file as pytorch-fid writes it (np.savez(path, mu=mu, sigma=sigma)).
    np.savez(tmp_path / "pf.npz", mu=mu.astype("float32"), sigma=sigma)
    assert metrics.load_statistics(tmp_path / "pf.npz")[2] is None


def test_frechet_metric_against_reference_statistics(tmp_path):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(400, 5))
    fake = rng.normal(0.3, 1.2, size=(300, 5))
    mu, sigma = stats(real)
    metrics.save_statistics(tmp_path / "real.npz", mu, sigma)
    fid = metrics.FrechetDistance(None, reference_statistics=str(tmp_path / "real.npz"))
    for chunk in np.array_split(fake, 3):
        fid.update_state(fake=chunk)
    want = pytorch_fid_distance(mu, sigma, *stats(fake))
    assert float(fid.result()) == pytest.approx(want, rel=1e-6)
    pair = metrics.FrechetDistance(None, reference_statistics=(mu, sigma))
    pair.update_state(fake=fake)
    assert float(pair.result()) == pytest.approx(want, rel=1e-6)
    clone = metrics.FrechetDistance.from_config(pair.get_config())
    clone.update_state(fake=fake)
    assert float(clone.result()) == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match="takes only fake samples"):
        fid.update_state(real=real)


def test_bad_statistics_files(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        metrics.load_statistics(tmp_path / "missing.npz")
    np.savez(tmp_path / "no_sigma.npz", mu=np.zeros(3))
    with pytest.raises(ValueError, match=r"lacks \['sigma'\]"):
        metrics.load_statistics(tmp_path / "no_sigma.npz")
    np.savez(tmp_path / "shape.npz", mu=np.zeros(3), sigma=np.eye(4))
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(4, 4\)"):
        metrics.load_statistics(tmp_path / "shape.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="holds one array"):
        metrics.load_statistics(tmp_path / "one.npy")
    (tmp_path / "text.npz").write_text("not numpy")
    with pytest.raises(ValueError, match="Could not read statistics file"):
        metrics.load_statistics(tmp_path / "text.npz")
    with pytest.raises(ValueError, match="finite"):
        metrics.save_statistics(tmp_path / "nan.npz", np.full(2, np.nan), np.eye(2))
    with pytest.raises(ValueError, match="path to a .npz with 'mu' and 'sigma'"):
        metrics.FrechetDistance(None, reference_statistics=np.zeros(3))


def test_name_without_extension_and_bad_dtypes(tmp_path):
    written = metrics.save_statistics(tmp_path / "stats", np.zeros(2), np.eye(2))
    assert written == str(tmp_path / "stats.npz")
    mu, _, _ = metrics.load_statistics(tmp_path / "stats")  # as numpy names it
    np.testing.assert_array_equal(mu, np.zeros(2))
    np.savez(tmp_path / "obj.npz", mu=np.array(["a", "b"]), sigma=np.eye(2))
    with pytest.raises(
        ValueError, match="mu must hold real numbers. Received dtype <U1"
    ):
        metrics.load_statistics(tmp_path / "obj.npz")
    np.savez(tmp_path / "pickled.npz", mu=np.array([1, None], object), sigma=np.eye(2))
    with pytest.raises(ValueError, match="Could not read statistics file .*pickled"):
        metrics.load_statistics(tmp_path / "pickled.npz")
    with pytest.raises(ValueError, match=r"shapes \(0,\)"):
        metrics.save_statistics(tmp_path / "empty", np.zeros(0), np.zeros((0, 0)))


def test_frechet_metric_checks_the_reference_against_its_extractor(tmp_path):
    path = tmp_path / "ref.npz"
    metrics.save_statistics(path, np.zeros(64), np.eye(64), extractor="another net")
    with pytest.raises(ValueError, match="computed with 'another net'"):
        metrics.FrechetDistance(
            metrics.DigitsFeatureExtractor(), reference_statistics=path
        )
    metrics.save_statistics(path, np.zeros(32), np.eye(32))
    fid = metrics.FrechetDistance(
        metrics.DigitsFeatureExtractor(), reference_statistics=path
    )
    images = np.zeros((4, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="reference_statistics are 32-d, but the fake"):
        fid.update_state(fake=images)
    # A Path and a (mu, sigma, extractor) triple survive the config round trip.
    config = fid.get_config()
    assert config["reference_statistics"] == str(path)
    triple = metrics.FrechetDistance(
        None, reference_statistics=(np.zeros(2), np.eye(2), "n")
    )
    clone = metrics.FrechetDistance.from_config(triple.get_config())
    assert clone._reference[2] == "n"
