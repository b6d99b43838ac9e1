"""keras-gan evaluate: --save-ref-stats / --ref-stats, --extractor, intra_fid."""

import json

import keras
import numpy as np
import pytest

from keras_gan_layers import ConditionalGAN, architectures, datasets, metrics
from keras_gan_layers.cli.main import main


@pytest.fixture(scope="module")
def conditional_model(tmp_path_factory):
    """An untrained conditional DCGAN for the 8x8 digits, saved whole."""
    path = tmp_path_factory.mktemp("model") / "gan.keras"
    gan = ConditionalGAN(
        architectures.conditional_dcgan_generator(8, 10, (8, 8, 1), filters=8),
        architectures.conditional_dcgan_discriminator((8, 8, 1), 10, filters=8),
        num_classes=10,
        seed=0,
    )
    gan.save(path)
    return str(path)


def test_save_then_use_reference_statistics(tmp_path, capsys, conditional_model):
    stats_path = tmp_path / "digits.npz"
    first = tmp_path / "first.json"
    args = ["evaluate", "--model", conditional_model, "-n", "200", "--metrics", "fid"]
    assert main([*args, "--save-ref-stats", str(stats_path), "--json", str(first)]) == 0
    out = capsys.readouterr().out
    assert "extractor  bundled digits classifier" in out
    # The file holds numpy's mean and covariance of the digits' features.
    features = keras.ops.convert_to_numpy(
        metrics.DigitsFeatureExtractor()(datasets.load_digits(image_size=(8, 8)))
    ).astype(np.float64)
    with np.load(stats_path) as f:
        np.testing.assert_allclose(f["mu"], features.mean(axis=0), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(
            f["sigma"], np.cov(features, rowvar=False), rtol=1e-6, atol=1e-9
        )
        assert str(f["extractor"]) == "bundled digits classifier (8x8, offline)"
    second = tmp_path / "second.json"
    assert main([*args, "--ref-stats", str(stats_path), "--json", str(second)]) == 0
    a, b = (json.loads(p.read_text()) for p in (first, second))
    assert b["fid"] == pytest.approx(a["fid"], rel=1e-9)
    assert b["extractor"] == "bundled digits classifier (8x8, offline)"


def test_intra_fid_from_the_command_line(tmp_path, conditional_model):
    out = tmp_path / "intra.json"
    args = ["evaluate", "--model", conditional_model, "-n", "400"]
    assert main([*args, "--metrics", "intra_fid", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    per_class = result["intra_fid_per_class"]
    assert sorted(per_class, key=int) == [str(c) for c in range(10)]
    assert result["intra_fid"] == pytest.approx(np.mean(list(per_class.values())))


def test_reference_and_extractor_errors(tmp_path, capsys, conditional_model):
    base = ["evaluate", "--model", conditional_model, "-n", "20", "--metrics", "fid"]
    assert main([*base, "--ref-stats", str(tmp_path / "none.npz")]) == 2
    assert "--ref-stats: Statistics file" in capsys.readouterr().err
    np.savez(tmp_path / "other.npz", mu=np.zeros(64), sigma=np.eye(64), extractor="x")
    assert main([*base, "--ref-stats", str(tmp_path / "other.npz")]) == 2
    assert "computed with 'x'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--extractor", "vgg"])
    assert "invalid choice: 'vgg'" in capsys.readouterr().err
    generator = tmp_path / "g.keras"
    architectures.dcgan_generator(8, (8, 8, 1), filters=8).save(generator)
    intra = [
        "evaluate",
        "--model",
        str(generator),
        "-n",
        "20",
        "--metrics",
        "intra_fid",
    ]
    assert main(intra) == 2
    assert "'intra_fid' needs a conditional model" in capsys.readouterr().err


def test_output_files_and_reference_dimension_checked_before_work(
    tmp_path, capsys, conditional_model
):
    base = ["evaluate", "--model", conditional_model, "-n", "20", "--metrics", "fid"]
    missing = str(tmp_path / "no_such_dir" / "s.npz")
    assert main([*base, "--save-ref-stats", missing]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--save-ref-stats" in err, err
    assert main([*base, "--json", str(tmp_path / "no_such_dir" / "r.json")]) == 2
    assert "--json" in capsys.readouterr().err
    np.savez(tmp_path / "d32.npz", mu=np.zeros(32), sigma=np.eye(32))
    assert main([*base, "--ref-stats", str(tmp_path / "d32.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert "reference_statistics are 32-d" in err and len(err.splitlines()) == 1
