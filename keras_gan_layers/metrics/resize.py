"""The resizings FID tools apply before Inception-v3, as matrices on the device.

Both are separable and linear, so each is two small matrices (`out x in`,
one per axis) built once in numpy (float64) and applied with `einsum` on the
active backend's device. The matrices transcribe the tools' own
definitions:

- `"clean"`: clean-fid's (Parmar et al., 2022), PIL's `Image.resize(...,
  Image.BICUBIC)` on a float32 (`"F"` mode) image per channel: Keys' cubic
  with `a = -0.5`, its support widened by the downscaling factor
  (antialiasing), taps outside the image dropped and the rest renormalised
  (PIL's `precompute_coeffs` in `libImaging/Resample.c`); the horizontal pass
  first, then the vertical one, as PIL does.
- `"pytorch-fid"`: `torch.nn.functional.interpolate(mode="bilinear",
  align_corners=False)` without antialiasing, as pytorch-fid resizes
  (source coordinate `(i + 0.5) * in/out - 0.5`, clamped at 0; the upper
  neighbour clamped to the last pixel).
"""

import math

import numpy as np
from keras import ops

MODES = ("clean", "pytorch-fid")


def check_mode(resize, caller):
    if resize not in MODES:
        raise ValueError(
            f"{caller} resize must be one of {', '.join(repr(m) for m in MODES)} "
            "('clean': clean-fid's 8-bit quantisation and PIL bicubic; "
            f"'pytorch-fid': bilinear on floats). Received: resize={resize!r}"
        )
    return resize


def _pil_bicubic(x):
    x = np.abs(x)
    a = -0.5
    return np.where(
        x < 1.0,
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
        np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0),
    )


def pil_bicubic_matrix(in_size, out_size):
    """`(out_size, in_size)` float64 matrix of PIL's bicubic resampling."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    matrix = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = (i + 0.5) * scale
        # PIL rounds with a C cast (truncation towards zero), then clamps.
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), in_size)
        taps = np.arange(low, high)
        weights = _pil_bicubic((taps - center + 0.5) / filterscale)
        total = weights.sum()
        if total != 0.0:
            weights = weights / total
        matrix[i, low:high] = weights
    return matrix


def bilinear_matrix(in_size, out_size):
    """`(out_size, in_size)` matrix of torch's bilinear, `align_corners=False`."""
    scale = in_size / out_size
    matrix = np.zeros((out_size, in_size))
    for i in range(out_size):
        source = max((i + 0.5) * scale - 0.5, 0.0)
        low = min(int(math.floor(source)), in_size - 1)
        high = min(low + 1, in_size - 1)
        weight = source - low
        matrix[i, low] += 1.0 - weight
        matrix[i, high] += weight
    return matrix


_BUILDERS = {"clean": pil_bicubic_matrix, "pytorch-fid": bilinear_matrix}


def resize_images(images, size, mode):
    """Resize `(batch, height, width, channels)` float32 images to `size`.

    The horizontal pass first, then the vertical one (PIL's order; for the
    bilinear mode the order does not change the result beyond rounding).
    Images already of `size` are returned unchanged, as both tools do.
    """
    height, width = images.shape[1], images.shape[2]
    out_height, out_width = size
    if (height, width) == (out_height, out_width):
        return images
    build = _BUILDERS[mode]
    rows = ops.convert_to_tensor(build(height, out_height).astype("float32"))
    cols = ops.convert_to_tensor(build(width, out_width).astype("float32"))
    images = ops.einsum("jw,bhwc->bhjc", cols, images)
    return ops.einsum("ih,bhjc->bijc", rows, images)
