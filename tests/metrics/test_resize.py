"""The FID resize modes against their references: PIL itself (clean-fid) and
a numpy transcription of torch's bilinear interpolation (pytorch-fid)."""

import numpy as np
import pytest
from keras import ops
from PIL import Image

from keras_gan_layers.metrics import resize
from keras_gan_layers.metrics.extractors import inception_input

SIZES = [(8, 8), (16, 12), (32, 32), (28, 40), (512, 400), (300, 299)]


def pil_resize(channel, out_h, out_w):
    """clean-fid's `resize_single_channel` without its clip."""
    image = Image.fromarray(channel.astype(np.float32), mode="F")
    return np.asarray(image.resize((out_w, out_h), resample=Image.BICUBIC))


def torch_bilinear_1d(x, out_size):
    """torch's `upsample_bilinear2d` along axis 0, `align_corners=False`,
    transcribed from `area_pixel_compute_source_index`: sample at
    `(i + 0.5) * in/out - 0.5`, negative clamped to 0, upper neighbour
    clamped to the last row."""
    in_size = x.shape[0]
    out = np.empty((out_size,) + x.shape[1:])
    for i in range(out_size):
        src = max((i + 0.5) * in_size / out_size - 0.5, 0.0)
        i0 = int(src)
        i1 = i0 + 1 if i0 < in_size - 1 else i0
        lam = src - i0
        out[i] = (1 - lam) * x[i0] + lam * x[i1]
    return out


@pytest.mark.parametrize("in_h,in_w", SIZES)
def test_clean_matches_pil_bicubic(in_h, in_w):
    rng = np.random.default_rng(in_h * 1000 + in_w)
    images = rng.uniform(0, 255, (2, in_h, in_w, 3)).astype("float32")
    got = ops.convert_to_numpy(resize.resize_images(images, (299, 299), "clean"))
    want = np.stack(
        [
            np.stack([pil_resize(im[..., c], 299, 299) for c in range(3)], -1)
            for im in images
        ]
    )
    # float32 einsum against PIL's double kernels stored as float32: a few ulp.
    np.testing.assert_allclose(got, want, rtol=0, atol=255 * 2e-6)


@pytest.mark.parametrize("in_h,in_w", SIZES)
def test_pytorch_fid_matches_torch_bilinear(in_h, in_w):
    rng = np.random.default_rng(in_h + in_w)
    images = rng.uniform(0, 1, (2, in_h, in_w, 3)).astype("float32")
    got = ops.convert_to_numpy(resize.resize_images(images, (299, 299), "pytorch-fid"))
    want = torch_bilinear_1d(np.moveaxis(images, 1, 0), 299)  # height
    want = np.moveaxis(torch_bilinear_1d(np.moveaxis(want, 2, 0), 299), 0, 2)
    want = np.moveaxis(want, 0, 1)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


def test_pytorch_fid_matches_torch_itself_when_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    images = rng.uniform(0, 1, (2, 37, 50, 3)).astype("float32")
    got = ops.convert_to_numpy(resize.resize_images(images, (299, 299), "pytorch-fid"))
    want = torch.nn.functional.interpolate(
        torch.from_numpy(images).permute(0, 3, 1, 2),
        size=(299, 299),
        mode="bilinear",
        align_corners=False,
    )
    want = want.permute(0, 2, 3, 1).numpy()
    # torch computes source coordinates in float32: 1e-5 of the range.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_pil_matrix_rows_sum_to_one_and_identity_at_same_size():
    for in_size, out_size in [(8, 299), (512, 299), (299, 299)]:
        m = resize.pil_bicubic_matrix(in_size, out_size)
        np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(resize.pil_bicubic_matrix(5, 5), np.eye(5), atol=1e-12)
    np.testing.assert_allclose(resize.bilinear_matrix(5, 5), np.eye(5), atol=1e-12)
    x = np.ones((1, 299, 299, 3), "float32")
    assert resize.resize_images(x, (299, 299), "clean") is x


def test_inception_input_clean_is_clean_fid_pipeline():
    """Quantise as when saved to PNG, PIL bicubic per channel, clip [0, 255],
    then the 2015 graph's `(u - 128) / 128` (clean-fid's InceptionV3W)."""
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    got = ops.convert_to_numpy(inception_input(images, "clean"))
    want = []
    for im in images:
        u8 = np.clip(np.round((im.astype(np.float64) + 1) * 127.5), 0, 255)
        u8 = u8.astype(np.uint8)  # what a PNG file holds
        chans = [pil_resize(u8[..., c], 299, 299).clip(0, 255) for c in range(3)]
        want.append((np.stack(chans, -1) - 128) / 128)
    np.testing.assert_allclose(got, np.stack(want), rtol=0, atol=1e-5)
    assert got.shape == (2, 299, 299, 3)


def test_inception_input_pytorch_fid_pipeline_and_grayscale():
    rng = np.random.default_rng(1)
    images = rng.uniform(-1, 1, (2, 10, 14, 1)).astype("float32")
    got = ops.convert_to_numpy(inception_input(images, "pytorch-fid"))
    unit = np.repeat((images + 1) / 2, 3, axis=-1)
    want = torch_bilinear_1d(np.moveaxis(unit, 1, 0), 299)
    want = np.moveaxis(torch_bilinear_1d(np.moveaxis(want, 2, 0), 299), 0, 2)
    want = 2 * np.moveaxis(want, 0, 1) - 1
    np.testing.assert_allclose(got, want, rtol=0, atol=4e-6)


def test_clean_quantises_before_resizing():
    """Two images that differ by less than half an 8-bit step give the same
    input in clean mode (quantised), different ones in pytorch-fid mode."""
    a = np.full((1, 8, 8, 3), 0.1, "float32")
    b = a + 0.001
    clean = [ops.convert_to_numpy(inception_input(x, "clean")) for x in (a, b)]
    np.testing.assert_array_equal(clean[0], clean[1])
    torch_like = [
        ops.convert_to_numpy(inception_input(x, "pytorch-fid")) for x in (a, b)
    ]
    assert np.abs(torch_like[0] - torch_like[1]).max() > 5e-4


def test_bad_mode_is_one_error():
    with pytest.raises(
        ValueError, match="resize must be one of 'clean', 'pytorch-fid'"
    ):
        inception_input(np.zeros((1, 8, 8, 3), "float32"), "bicubic")
