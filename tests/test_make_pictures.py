"""scripts/make_pictures.py: its composing functions on synthetic inputs.

No training: fake `history.csv` files and grid PNGs in tmp_path, checked
against the numbers written into them (numpy references written here).
"""

import importlib.util
import math
import os

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.backend_independent


@pytest.fixture(scope="module")
def mp():
    path = os.path.join(ROOT, "scripts", "make_pictures.py")
    spec = importlib.util.spec_from_file_location("make_pictures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def padded_grid(tiles, columns, scale=1):
    """numpy transcription of `image_grid` (black 1-pixel padding) + upscale."""
    n, h, w = tiles.shape
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (h + 1) - 1, columns * (w + 1) - 1), np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        grid[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = tile
    return np.kron(grid, np.ones((scale, scale), np.uint8))


def test_compose_samples_upscales_by_nearest_neighbour(mp, tmp_path, rng):
    grid = rng.integers(0, 256, size=(35, 53), dtype=np.uint8)
    Image.fromarray(grid).save(tmp_path / "epoch_0003.png")
    out = tmp_path / "images" / "x_samples.png"
    mp.compose_samples(str(tmp_path / "epoch_0003.png"), str(out))
    image = np.asarray(Image.open(out))
    # Shorter side 35 -> factor ceil(384 / 35) = 11, longer side 583 <= 768.
    assert image.shape == (35 * 11, 53 * 11)
    np.testing.assert_array_equal(image, np.repeat(np.repeat(grid, 11, 0), 11, 1))


def test_upscale_factor_keeps_the_longer_side_bounded(mp):
    assert mp.upscale_factor(35, 53) == 11
    assert mp.upscale_factor(40, 400) == 1  # 2 x 400 would pass 768
    assert mp.upscale_factor(500, 500) == 1
    assert mp.upscale_factor(100, 180) == 4  # 4 x 180 = 720; 4 x 100 >= 384


def test_last_grid_takes_the_highest_epoch(mp, tmp_path):
    for name in ("epoch_0002.png", "epoch_10000.png", "epoch_9999.png"):
        Image.new("L", (4, 4)).save(tmp_path / name)
    Image.new("L", (4, 4)).save(tmp_path / "other.png")
    assert mp.last_grid(str(tmp_path)) == str(tmp_path / "epoch_10000.png")
    with pytest.raises(FileNotFoundError, match="no sample grid"):
        mp.last_grid(str(tmp_path / "empty"))


def test_plot_history_plots_exactly_the_csv_columns(mp, tmp_path):
    d_loss = [1.38, 1.2, 1.1, 0.9]
    g_loss = [0.70, 0.9, 1.3, 1.6]
    gp = [0.5, 0.25, 0.125, 0.0625]
    real = [0.01, 0.3, 0.5, 0.7]
    fid = ["359.1", "NA", "120.5", "80.25"]
    lines = ["epoch,d_loss,g_loss,gradient_penalty,loss,real_score,val_fid"]
    for e in range(4):
        total = d_loss[e] + g_loss[e]
        lines.append(f"{e},{d_loss[e]},{g_loss[e]},{gp[e]},{total},{real[e]},{fid[e]}")
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "losses.png"
    fig = mp.plot_history(str(csv_path), str(out), title="t")
    assert Image.open(out).size[0] > 100

    plotted = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            plotted[line.get_label()] = (
                ax.get_title(),
                line.get_xdata(),
                line.get_ydata(),
            )
    # Every column but epoch and Keras' total `loss` (= d_loss + g_loss).
    assert set(plotted) == {
        "d_loss",
        "g_loss",
        "gradient_penalty",
        "real_score",
        "val_fid",
    }
    expected = {
        "d_loss": ("losses", d_loss),
        "g_loss": ("losses", g_loss),
        "gradient_penalty": ("losses", gp),
        "real_score": ("metrics", real),
        "val_fid": ("validation", [359.1, np.nan, 120.5, 80.25]),
    }
    for key, (panel, values) in expected.items():
        title, x, y = plotted[key]
        assert title == panel
        np.testing.assert_array_equal(x, [1, 2, 3, 4])  # CSVLogger's epoch + 1
        np.testing.assert_allclose(y, values, equal_nan=True)


def test_plot_history_keeps_loss_without_d_and_g(mp, tmp_path):
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("loss,acc\n0.5,0.1\n0.25,NA\n")
    fig = mp.plot_history(str(csv_path), str(tmp_path / "l.png"))
    lines = {
        line.get_label(): line.get_ydata() for ax in fig.axes for line in ax.get_lines()
    }
    np.testing.assert_allclose(lines["loss"], [0.5, 0.25])
    np.testing.assert_allclose(lines["acc"], [0.1, np.nan], equal_nan=True)
    # Keras' total `loss` / `val_loss` go when the model logs `*_loss` terms.
    csv_path.write_text("epoch,cycle_loss,loss,val_loss\n0,1.5,9.0,NA\n1,1.25,8.0,NA\n")
    fig = mp.plot_history(str(csv_path), str(tmp_path / "c.png"))
    lines = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert lines == ["cycle_loss"]
    # A history appended with other columns (keras-tuner trials): refused.
    bad = tmp_path / "bad.csv"
    bad.write_text("epoch,d_loss,g_loss\n0,1,2\n0,1,2,3\n")
    with pytest.raises(ValueError, match="line 3: 4 values under 3 column names"):
        mp.plot_history(str(bad), str(tmp_path / "b.png"))
    bad.write_text("epoch,d_loss,g_loss\n0\n")
    with pytest.raises(ValueError, match="line 2: 1 values under 3 column names"):
        mp.plot_history(str(bad), str(tmp_path / "b.png"))
    empty = tmp_path / "empty.csv"
    empty.write_text("epoch,d_loss\n")
    with pytest.raises(ValueError, match="no rows"):
        mp.plot_history(str(empty), str(tmp_path / "e.png"))


@pytest.mark.parametrize("rows", [3, 4, 6])
def test_cyclegan_rows_are_labelled(mp, tmp_path, rng, rows):
    tiles = rng.integers(1, 256, size=(rows * 8, 8, 8), dtype=np.uint8)
    Image.fromarray(padded_grid(tiles, columns=8, scale=4)).save(tmp_path / "g.png")
    labels = mp.EXAMPLES["cyclegan"][1]
    assert mp._row_labels(Image.open(tmp_path / "g.png"), labels) == labels[rows]
    plain = mp.compose_samples(str(tmp_path / "g.png"), str(tmp_path / "plain.png"))
    labelled = mp.compose_samples(
        str(tmp_path / "g.png"), str(tmp_path / "labelled.png"), labels
    )
    # The labels go in a margin left of the upscaled grid.
    assert Image.open(labelled).size[0] > Image.open(plain).size[0]


def test_rows_of_unknown_count_get_no_labels(mp, rng):
    tiles = rng.integers(1, 256, size=(5 * 8, 8, 8), dtype=np.uint8)
    grid = Image.fromarray(padded_grid(tiles, columns=8, scale=4))
    assert mp._row_labels(grid, mp.EXAMPLES["cyclegan"][1]) is None


def test_plot_mode_coverage_draws_samples_and_modes(mp, tmp_path, rng):
    runs = {}
    for kind, modes in (("ring", 8), ("grid", 25)):
        for config in ("baseline", "recipe"):
            samples = rng.normal(size=(50, 2))
            stats = {
                "modes_covered": 7,
                "num_modes": modes,
                "high_quality_fraction": 0.5,
                "kl_to_uniform": 0.25,
            }
            runs[kind, config] = (samples, stats, 123)
    out = tmp_path / "mode_coverage.png"
    fig = mp.plot_mode_coverage(runs, str(out), seed=3)
    assert os.path.getsize(out) > 0
    axes = fig.axes
    assert len(axes) == 4
    angles = 2 * np.pi * np.arange(8) / 8
    ring = np.stack([np.cos(angles), np.sin(angles)], 1)
    grid = np.array([(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)])
    for ax, (kind, config), centres in zip(
        axes,
        [
            ("ring", "baseline"),
            ("ring", "recipe"),
            ("grid", "baseline"),
            ("grid", "recipe"),
        ],
        [ring, ring, grid, grid],
    ):
        generated, real = (c.get_offsets() for c in ax.collections)
        np.testing.assert_allclose(generated, runs[kind, config][0])
        np.testing.assert_allclose(real, centres, atol=1e-12)
        assert "7/" in ax.get_title() and "50.0 %" in ax.get_title()
        assert kind in ax.get_title()
    assert "seed 3" in fig.get_suptitle()


def test_missing_example_is_named(mp, tmp_path):
    (tmp_path / "dcgan.py").write_text("")
    with pytest.raises(
        SystemExit, match=r"missing example script\(s\): examples/fc_gan.py"
    ):
        mp.main(["--only", "fc_gan,dcgan", "--examples", str(tmp_path)])


def test_unknown_name_is_refused(mp, capsys):
    with pytest.raises(SystemExit):
        mp.main(["--only", "nope"])
    assert "unknown --only name(s) nope" in capsys.readouterr().err


def test_plot_history_lays_restarted_runs_end_to_end(mp, tmp_path):
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("epoch,g_loss\n0,1.0\n1,2.0\n0,3.0\n1,4.0\n2,5.0\n")
    fig = mp.plot_history(str(csv_path), str(tmp_path / "l.png"))
    (ax,) = fig.axes
    line, *restarts = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(line.get_ydata(), [1, 2, 3, 4, 5])
    assert [r.get_xdata()[0] for r in restarts] == [2.5]  # between rows 2 and 3


def test_history_panels_split_metrics_of_other_scales(mp):
    columns = {
        "d_loss": np.array([1.0, 2.0]),
        "r1_penalty": np.array([0.1, 0.2]),
        "val_fid": np.array([200.0, 10.0]),
        "val_class_accuracy": np.array([0.1, 0.9]),
        "val_intra_fid": np.array([250.0, np.nan]),
        "real_score": np.array([-0.5, 0.5]),
    }
    assert mp.history_panels(columns) == [
        ("losses", ["d_loss", "r1_penalty"]),
        ("metrics", ["real_score"]),
        ("validation", ["val_class_accuracy"]),  # 0.9 against 200: its own panel
        ("validation", ["val_fid", "val_intra_fid"]),
    ]


# ------------------------------------------------------------ bad arguments
# Refused by argparse (exit status 2) before any training: each would
# otherwise cost minutes or fail after them.
@pytest.mark.parametrize("only", ["", ",", " , "])
def test_only_that_names_nothing_is_refused(mp, capsys, only):
    # Before: "" ran everything (~40 min), "," ran nothing and exited 0.
    with pytest.raises(SystemExit) as exit_info:
        mp.parse_args(["--only", only])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"error: --only {only!r} names nothing; pass comma-separated names" in err
    assert "mode_coverage (or leave --only out for all)" in err


def test_only_with_a_repeated_name_is_refused(mp, capsys):
    with pytest.raises(SystemExit) as exit_info:
        mp.parse_args(["--only", "dcgan,fc_gan, dcgan"])
    assert exit_info.value.code == 2
    assert (
        "error: --only names dcgan more than once; name each picture once"
        in capsys.readouterr().err
    )
    assert mp.parse_args(["--only", "dcgan,fc_gan,"]).names == ["dcgan", "fc_gan"]


@pytest.mark.parametrize("flag", ["--work", "--images"])
def test_file_in_place_of_a_folder_is_refused(mp, tmp_path, capsys, flag):
    (tmp_path / "file").write_text("in the way")
    for path in (tmp_path / "file", tmp_path / "file" / "below"):
        with pytest.raises(SystemExit) as exit_info:
            mp.parse_args(["--only", "dcgan", flag, str(path)])
        assert exit_info.value.code == 2
        assert (
            f"error: {flag} {str(path)!r} is not a folder this process can "
            "create or write to" in capsys.readouterr().err
        )
    assert mp.parse_args([flag, str(tmp_path / "new" / "folder")]).names


def test_no_run_needs_an_existing_work_folder_with_the_outputs(mp, tmp_path, capsys):
    with pytest.raises(SystemExit):
        mp.parse_args(["--no-run", "--work", str(tmp_path / "nowhere")])
    assert (
        f"error: --no-run composes from --work's outputs, and "
        f"{str(tmp_path / 'nowhere')!r} is not a folder"
    ) in capsys.readouterr().err
    (tmp_path / "fc_gan").mkdir()
    with pytest.raises(SystemExit):
        mp.parse_args(["--no-run", "--work", str(tmp_path), "--only", "fc_gan,dcgan"])
    assert (
        f"error: --no-run: {str(tmp_path)!r} holds no outputs of dcgan "
        f"(no {tmp_path / 'dcgan'} folder); run them first"
    ) in capsys.readouterr().err
    args = mp.parse_args(["--no-run", "--work", str(tmp_path), "--only", "fc_gan"])
    assert args.names == ["fc_gan"]
