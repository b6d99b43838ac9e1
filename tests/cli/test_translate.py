"""`keras-gan translate` with saved closed-form translators.

The generators are 1x1 convolutions without bias. With pixels `p` read as
`x = p / 127.5 - 1` and written as `round((y + 1) * 127.5)`, `y = x / 2`
gives `p // 2 + 64` and `y = -x` gives `255 - p` (no value lands on a
rounding tie), so every output pixel is checked exactly.
"""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan_layers import CycleGAN, Pix2Pix, architectures
from keras_gan_layers.cli.main import main


def scaling(weight, shape=(8, 8, 1), out_channels=None):
    """`x -> weight * x` (a 1x1 convolution without bias)."""
    out_channels = out_channels or shape[-1]
    inputs = keras.Input(shape)
    conv = keras.layers.Conv2D(out_channels, 1, use_bias=False)
    model = keras.Model(inputs, conv(inputs))
    kernel = np.zeros((1, 1, shape[-1], out_channels), "float32")
    for i in range(out_channels):
        kernel[0, 0, i % shape[-1], i] = weight
    conv.set_weights([kernel])
    return model


def critic(condition_shape=None):
    return architectures.patchgan_discriminator(
        (8, 8, 1), condition_shape=condition_shape, filters=2, num_layers=1
    )


def image_folder(path, n=6, size=(8, 8), mode="L", seed=0):
    """`n` random PNGs (and, for names, a subfolder) under `path`; the arrays."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True, exist_ok=True)
    (path / "sub").mkdir(exist_ok=True)
    shape = size if mode == "L" else (*size, 3)
    arrays = {}
    for i in range(n):
        name = f"img_{i}.png" if i % 3 else f"sub/img_{i}.png"
        arrays[name] = rng.integers(0, 256, shape, dtype=np.uint8)
        Image.fromarray(arrays[name], mode).save(path / name)
    return arrays


def read(path):
    return np.asarray(Image.open(path))


def run(args):
    return main(["translate", *args])


def test_plain_generator_exact_pixels(tmp_path, capsys):
    arrays = image_folder(tmp_path / "in")
    scaling(0.5).save(tmp_path / "g.keras")
    out = tmp_path / "out"
    args = ["--model", str(tmp_path / "g.keras"), "--input", str(tmp_path / "in")]
    assert run([*args, "--out", str(out), "--batch-size", "4"]) == 0
    assert "translated 6 images" in capsys.readouterr().out
    for name, pixels in arrays.items():
        np.testing.assert_array_equal(read(out / name), pixels // 2 + 64)


def test_cyclegan_both_directions(tmp_path):
    arrays = image_folder(tmp_path / "in", n=3)
    model = CycleGAN(scaling(0.5), scaling(-1.0), critic(), critic(), pool_size=0)
    model.save(tmp_path / "model.keras")
    base = ["--model", str(tmp_path / "model.keras"), "--input", str(tmp_path / "in")]
    assert run([*base, "--out", str(tmp_path / "ab")]) == 0
    assert run([*base, "--out", str(tmp_path / "ba"), "--direction", "b2a"]) == 0
    for name, pixels in arrays.items():
        np.testing.assert_array_equal(read(tmp_path / "ab" / name), pixels // 2 + 64)
        np.testing.assert_array_equal(read(tmp_path / "ba" / name), 255 - pixels)


def test_pix2pix_rgb_output_from_grayscale_and_rgb_input(tmp_path):
    # The generator takes one channel: RGB files are read as grayscale (PIL
    # "L"); it writes three channels (x, x, x) / 2.
    gray = image_folder(tmp_path / "in", n=2)
    rgb = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "in" / "colour.jpg", quality=100)
    generator = scaling(0.5, out_channels=3)
    discriminator = architectures.patchgan_discriminator(
        (8, 8, 3), condition_shape=(8, 8, 1), filters=2, num_layers=1
    )
    Pix2Pix(generator, discriminator).save(tmp_path / "p2p.keras")
    out = tmp_path / "out"
    assert (
        run(
            [
                "--model",
                str(tmp_path / "p2p.keras"),
                "--input",
                str(tmp_path / "in"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    for name, pixels in gray.items():
        np.testing.assert_array_equal(
            read(out / name), np.repeat(pixels[..., None] // 2 + 64, 3, -1)
        )
    as_gray = np.asarray(Image.open(tmp_path / "in" / "colour.jpg").convert("L"))
    np.testing.assert_array_equal(
        read(out / "colour.png"), np.repeat(as_gray[..., None] // 2 + 64, 3, -1)
    )


def test_fully_convolutional_sizes_and_resizing(tmp_path):
    image_folder(tmp_path / "in", n=2, size=(8, 8))
    odd = np.random.default_rng(2).integers(0, 256, (12, 4), dtype=np.uint8)
    Image.fromarray(odd).save(tmp_path / "in" / "odd.png")
    scaling(0.5, shape=(None, None, 1)).save(tmp_path / "g.keras")
    args = ["--model", str(tmp_path / "g.keras"), "--input", str(tmp_path / "in")]
    assert run([*args, "--out", str(tmp_path / "native")]) == 0
    assert read(tmp_path / "native" / "img_1.png").shape == (8, 8)
    np.testing.assert_array_equal(read(tmp_path / "native" / "odd.png"), odd // 2 + 64)
    assert run([*args, "--out", str(tmp_path / "small"), "--image-size", "4"]) == 0
    for name in ("img_1.png", "sub/img_0.png", "odd.png"):
        assert read(tmp_path / "small" / name).shape == (4, 4)


def test_fixed_size_generator_resizes_to_its_input(tmp_path):
    image_folder(tmp_path / "in", n=1, size=(16, 16))
    scaling(0.5).save(tmp_path / "g.keras")
    out = tmp_path / "out"
    args = ["--model", str(tmp_path / "g.keras"), "--input", str(tmp_path / "in")]
    assert run([*args, "--out", str(out)]) == 0
    assert read(out / "sub" / "img_0.png").shape == (8, 8)


def test_errors(tmp_path, capsys):
    image_folder(tmp_path / "in", n=1)
    (tmp_path / "empty").mkdir()
    scaling(0.5).save(tmp_path / "g.keras")
    latent = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64)])
    latent.save(tmp_path / "latent.keras")
    Pix2Pix(scaling(0.5), critic(condition_shape=(8, 8, 1))).save(tmp_path / "p.keras")
    (tmp_path / "bad.keras").write_text("not a zip")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    good = ["--input", str(tmp_path / "in"), "--out", str(tmp_path / "o")]
    g = ["--model", str(tmp_path / "g.keras")]
    cases = [
        ([*g, "--input", str(tmp_path / "nope"), "--out", "o"], "does not exist"),
        ([*g, "--input", str(tmp_path / "empty"), "--out", "o"], "No images found"),
        (["--model", str(tmp_path / "nope.keras"), *good], "does not exist"),
        (["--model", str(tmp_path / "bad.keras"), *good], "could not load"),
        (
            ["--model", str(tmp_path / "latent.keras"), *good],
            "does not hold an image-to-image translator",
        ),
        (
            [*g, *good, "--direction", "b2a"],
            "--direction is for CycleGAN models (a2b or b2a)",
        ),
        (
            ["--model", str(tmp_path / "p.keras"), *good, "--direction", "a2b"],
            "holds a Pix2Pix, which translates one way",
        ),
        (
            [*g, *good, "--direction", "back"],
            "unknown direction 'back'; valid directions: a2b, b2a",
        ),
        (
            [*g, "--input", str(tmp_path / "in"), "--out", str(blocker / "sub")],
            "is not writable",
        ),
        ([*g, *good, "--image-size", "16"], "takes 8x8 images only"),
    ]
    for args, message in cases:
        assert run(args) == 2, args
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, (args, err)
        assert err.startswith("keras-gan translate: error:")
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_same_output_name_is_an_error(tmp_path, capsys):
    image_folder(tmp_path / "in", n=2)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "in" / "img_1.bmp")
    scaling(0.5).save(tmp_path / "g.keras")
    args = ["--model", str(tmp_path / "g.keras"), "--input", str(tmp_path / "in")]
    assert run([*args, "--out", str(tmp_path / "o")]) == 2
    assert "would both be written as 'img_1.png'" in capsys.readouterr().err


def test_missing_required_argument_is_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["translate", "--input", "x", "--out", "y"])
    assert info.value.code == 2
    assert "--model" in capsys.readouterr().err


@pytest.mark.parametrize("out", [".", "sub"])
def test_output_inside_the_input_is_refused(tmp_path, capsys, out):
    arrays = image_folder(tmp_path / "in")
    scaling(0.5).save(tmp_path / "g.keras")
    args = ["--model", str(tmp_path / "g.keras"), "--input", str(tmp_path / "in")]
    assert run([*args, "--out", str(tmp_path / "in" / out)]) == 2
    assert "is --input or a folder inside it" in capsys.readouterr().err
    for name, pixels in arrays.items():  # the inputs are untouched
        np.testing.assert_array_equal(read(tmp_path / "in" / name), pixels)
