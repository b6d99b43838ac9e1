"""The examples run: each script's `--smoke` mode, as a user would start it.

The examples are backend-agnostic Keras (each `--smoke` was run by hand on
TensorFlow, JAX and PyTorch; `multi_device.py` on TensorFlow and JAX), but
one pass is what CI can afford: these tests run in the TensorFlow pass only.
Each script must exit normally, print where its outputs went (the paths it
names under `--out` exist), and write there a sample grid (`epoch_XXXX.png`,
from `ImageSnapshot`) and Keras' `CSVLogger` history with the logs the
guide step produces. The scripts run in this process through `runpy` (a
new Python would import TensorFlow again, ~5 s a script), except
`multi_device.py`, which must split the CPU into two devices before
TensorFlow starts, in a subprocess. `examples/cyclegan.py` is not run here:
tests/models/test_translation_learning.py trains it for 200 steps through
its `run` (with the issue's bounds on the figures) and checks the grids and
histories it writes; its `--smoke` would add about as much as three of the
scripts here.
"""

import csv
import math
import os
import re
import runpy
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
ADVERSARIAL = ("d_loss", "g_loss", "real_score", "fake_score")

# script -> {folder under --out: logs its history.csv must hold}
EXPECTED = {
    "fc_gan.py": {"": (*ADVERSARIAL, "val_fid")},
    "dcgan.py": {"": (*ADVERSARIAL, "val_fid")},
    "lsgan.py": {"": (*ADVERSARIAL, "val_fid")},
    "wgan_gp.py": {"": (*ADVERSARIAL, "gradient_penalty", "val_fid")},
    "conditional.py": {
        "": (*ADVERSARIAL, "val_fid", "val_intra_fid", "val_class_accuracy")
    },
    "resnet_hinge_sn.py": {"": ADVERSARIAL},
    "stylegan_small.py": {"": (*ADVERSARIAL, "r1_penalty")},
    "tune_digits.py": {"": ("d_loss", "g_loss", "val_kid")},
    "multi_device.py": {"": ADVERSARIAL},
}


def check_outputs(out, stdout, script):
    """The printed paths exist; each folder holds a PNG grid and a history."""
    assert str(out) in stdout  # says where its outputs went
    named = re.findall(re.escape(str(out)) + r"\S*", stdout)
    for path in named:
        assert os.path.exists(path), f"{script} printed {path}, which is missing"
    for folder, columns in EXPECTED[script].items():
        directory = out / folder
        grids = sorted(directory.glob("epoch_*.png"))
        assert grids, f"{script}: no epoch_XXXX.png in {directory}"
        with open(grids[-1], "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
        with open(directory / "history.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows, f"{script}: empty history.csv"
        missing = [c for c in columns if c not in rows[0]]
        assert not missing, f"{script}: history.csv lacks {missing}"
        for row in rows:
            for column in columns:
                assert math.isfinite(float(row[column])), (script, column, row)


IN_PROCESS = [s for s in EXPECTED if s != "multi_device.py"]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("script", IN_PROCESS)
def test_example_smoke_run(tmp_path, monkeypatch, capsys, script):
    if script == "tune_digits.py":
        pytest.importorskip("keras_tuner")
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)  # nothing may be written outside --out
    monkeypatch.setattr(sys, "argv", [script, "--smoke", "--out", str(out)])
    runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    check_outputs(out, capsys.readouterr().out, script)
    assert sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.tensorflow_only
def test_multi_device_smoke_run(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "multi_device.py"), "--smoke"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MirroredStrategy over ['/device:CPU:0', '/device:CPU:1']" in result.stdout
    assert "trained 1 epochs on 2 devices" in result.stdout
    check_outputs(out, result.stdout, "multi_device.py")


# ------------------------------------------------------------ bad inputs
# Each script rejects bad arguments through argparse (exit status 2, a
# one-line message naming the option and what it accepts) before it loads
# data or trains: nothing is written.
COUNTS = {  # script -> its count options, each a positive integer
    "fc_gan.py": ("--epochs",),
    "dcgan.py": ("--epochs",),
    "lsgan.py": ("--epochs",),
    "wgan_gp.py": ("--epochs",),
    "conditional.py": ("--epochs",),
    "cyclegan.py": ("--steps", "--batch-size"),
    "resnet_hinge_sn.py": (
        "--epochs",
        "--batch-size",
        "--filters",
        "--latent-dim",
        "--fid-samples",
    ),
    "stylegan_small.py": (
        "--epochs",
        "--batch-size",
        "--filters",
        "--latent-dim",
        "--mapping-layers",
        "--fid-samples",
    ),
    "tune_digits.py": ("--trials", "--epochs"),
    "multi_device.py": ("--epochs", "--batch-size"),
}


def run_in_process(script, args, tmp_path, monkeypatch, capsys):
    """Exit status and stderr of `script args`, run as `__main__`."""
    if script == "tune_digits.py":
        pytest.importorskip("keras_tuner")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [script, *args])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    return exit_info.value.code, capsys.readouterr().err


def run_subprocess(script, args, tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, script), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"},
        timeout=600,
    )
    return result.returncode, result.stderr


def test_every_example_has_its_count_options():
    for script, options in COUNTS.items():
        with open(os.path.join(EXAMPLES, script)) as f:
            source = f.read()
        for option in options:
            assert f'"{option}", type=positive_int' in source, (script, option)
        assert 'check_output_directory(args.out, owner="--out")' in source, script


# multi_device.py splits the CPU before TensorFlow starts: in a subprocess.
@pytest.mark.tensorflow_only
@pytest.mark.parametrize("script", IN_PROCESS + ["multi_device.py"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_non_positive_counts_are_argparse_errors(
    tmp_path, monkeypatch, capsys, script, value
):
    if script == "multi_device.py" and value == "-1":
        pytest.skip("one subprocess is enough: the same argparse type")
    option = COUNTS[script][0]
    args = [option, value, "--out", str(tmp_path / "out")]
    if script == "multi_device.py":
        code, err = run_subprocess(script, args, tmp_path)
    else:
        code, err = run_in_process(script, args, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert f"error: argument {option}: must be a positive integer, got {value}" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.tensorflow_only
@pytest.mark.parametrize("script", IN_PROCESS)
def test_out_that_is_a_file_is_an_error_before_any_work(
    tmp_path, monkeypatch, capsys, script
):
    (tmp_path / "out").write_text("in the way")
    args = ["--smoke", "--out", str(tmp_path / "out")]
    code, err = run_in_process(script, args, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert (
        f"error: --out cannot write to directory={str(tmp_path / 'out')!r}: "
        f"{str(tmp_path / 'out')!r} exists and is not a directory. Pass a "
        "directory this process can create and write to."
    ) in err
    assert sorted(os.listdir(tmp_path)) == ["out"]  # nothing else written


@pytest.mark.tensorflow_only
@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere"
)
def test_out_under_a_read_only_folder_is_an_error(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        args = ["--smoke", "--out", str(locked / "out")]
        code, err = run_in_process("dcgan.py", args, tmp_path, monkeypatch, capsys)
    finally:
        locked.chmod(0o700)
    assert code == 2
    assert f"{str(locked)!r} is not writable" in err and "--out" in err
    assert os.listdir(locked) == []


@pytest.mark.tensorflow_only
def test_seed_that_is_not_a_number_is_an_argparse_error(tmp_path, monkeypatch, capsys):
    args = ["--seed", "abc", "--out", str(tmp_path / "out")]
    code, err = run_in_process("dcgan.py", args, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert "error: argument --seed: invalid int value: 'abc'" in err
