"""AdaptiveAugment: ADA's augmentation with a probability tuned by overfitting."""

import math
import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export
from keras_gan_layers.backend import gather_replicas
from keras_gan_layers.layers.diff_augment import (
    gather_pixels,
    parse_policy,
    spatial_size,
)

ADA_GROUPS = {
    "blit": ("xflip", "rotate90", "xint"),
    "color": ("brightness", "contrast", "lumaflip", "hue", "saturation"),
}
ADA_TRANSFORMS = ADA_GROUPS["blit"] + ADA_GROUPS["color"]
_LUMA = 1.0 / math.sqrt(3.0)


def _number(value, name, layer, low, high, low_open=False, high_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = math.isfinite(v) and (v > low if low_open else v >= low)
        ok = ok and (v < high if high_open else v <= high)
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise ValueError(
            f"{layer} needs {name} in {lo}{low}, {high}{hi}. Received: {name}={value!r}"
        )
    return float(value)


def _matrix(rows, batch):
    """Rows of `(batch,)` tensors or Python numbers -> `(batch, n, m)`."""
    ones = ops.ones((batch,), "float32")
    elems = [
        ops.cast(e, "float32") if not isinstance(e, (int, float)) else ones * e
        for row in rows
        for e in row
    ]
    return ops.reshape(ops.stack(elems, axis=-1), (-1, len(rows), len(rows[0])))


def _reflect(index, size):
    """Reflect an index into [0, size) (mode 'reflect': no repeated edge)."""
    last = size - 1
    return last - ops.abs(last - ops.abs(index))


@keras_gan_export()
class AdaptiveAugment(keras.layers.Layer):
    """Adaptive discriminator augmentation (ADA) with a tuned probability `p`.

    Every transform is applied to every image independently with
    probability `p` (`p` is the same for all transforms), and `p` follows
    the overfitting heuristic `r_t = E[sign(D(real))]`: the model calls
    `update(real_logits)` once per discriminator update with the
    discriminator's outputs on the (augmented) real images, and every
    `interval` calls `p` moves by
    `sign(r_t - target) * images / (ada_kimg * 1000)`, clipped to
    `[0, max_p]`, where `images` counts the real images of those calls
    (`batch * interval`), as the official `training_loop.py` does. So `p`
    can go from 0 to 1 in `ada_kimg` thousand images.

    The transforms are a subset of the official 'bgc' pipeline
    (`augment.py` of stylegan2-ada-pytorch), with its distributions:

    - blit group: `"xflip"` (with probability `p`, flip left-right with
      probability 1/2), `"rotate90"` (with probability `p`, rotate by
      `k * 90` degrees, `k` uniform in {0, 1, 2, 3}; square images),
      `"xint"` (with probability `p`, an integer translation
      `round(U(-xint_max, xint_max) * size)` per axis, the image padded
      by reflection as the official code does). Applied as flip, then
      rotation, then translation, in one gather.
    - color group, composed as 4x4 matrices in the official order:
      `"brightness"` (add `N(0, brightness_std)`), `"contrast"` (scale by
      `2**N(0, contrast_std)`), `"lumaflip"` (with probability `p`, the
      Householder reflection `I - 2 v v^T` about the luma axis
      `v = (1, 1, 1) / sqrt(3)` with probability 1/2), `"hue"` (rotation
      about `v` by `U(-pi, pi) * hue_max`) and `"saturation"` (scale the
      part orthogonal to `v` by `2**N(0, saturation_std)`). Hue and
      saturation are skipped for one-channel images, and the others
      are applied through the mean of the matrix rows, as the official
      code does; the color group needs 1 or 3 channels.

    Not implemented: the general geometric group (isotropic and
    anisotropic scaling, arbitrary rotation, fractional translation), the
    image-space filtering and the corruptions (noise, cutout) of 'bgc'
    and the full pipeline.

    State (non-trainable float32 weights, created with the layer, saved
    with the model): `p`; `r_t`, the value of the heuristic at the last
    adjustment (for logs); and the accumulators `sign_sum`, `sign_count`,
    `image_count` and `num_updates`. `update` is pure `keras.ops` with
    assignments and `ops.where`, so it runs in a jitted JAX step inside a
    `keras.StatelessScope`, in a `tf.function` and in torch. The random
    numbers come from the layer's own `SeedGenerator` (attribute
    `seed_generator`) through `sample_parameters(images)`, applied by the
    deterministic `augment(images, parameters)`.

    Under a `tf.distribute` strategy, where each replica sees its share of
    the batch, `update` gathers the replicas' logits first: every replica
    adjusts `p` from the global batch, as one device would (StyleGAN2-ADA
    sums the statistic over its GPUs), and all keep the same state.

    Args:
        target: The value of `r_t` that `p` steers to, in (0, 1). The
            paper's 0.6.
        interval: Int >= 1, `update` calls between adjustments of `p`.
        ada_kimg: Thousands of real images for `p` to go from 0 to 1;
            > 0. The official 500.
        initial_p: Starting probability, in [0, max_p].
        max_p: Upper bound of `p`, in (0, 1].
        augmentations: Comma-separated group names (`"blit"`, `"color"`)
            and/or transform names (`"xflip"`, `"rotate90"`, `"xint"`,
            `"brightness"`, `"contrast"`, `"lumaflip"`, `"hue"`,
            `"saturation"`).
        xint_max: Largest translation as a fraction of the size, in
            (0, 0.5].
        brightness_std: Standard deviation of the brightness offset, >= 0.
        contrast_std: Log2 standard deviation of the contrast, >= 0.
        hue_max: Range of the hue rotation, 1 = full circle, in [0, 1].
        saturation_std: Log2 standard deviation of the saturation, >= 0.
        seed: Optional int seed of the layer's `SeedGenerator`.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        images: Float tensor `(batch, height, width, channels)` with known
            height, width and channels, in [-1, 1].
        training: Python boolean; augments in training only, the identity
            otherwise.

    Returns:
        A tensor of the shape and dtype of `images`.

    Raises:
        ValueError: If an argument is out of its range, `augmentations`
            names an unknown transform, `"rotate90"` gets non-square
            images, or the color group gets images with other than 1 or 3
            channels.

    Example:

    ```python
    ada = AdaptiveAugment(target=0.6, interval=4, seed=0)
    images = keras.random.uniform((4, 8, 8, 3), -1.0, 1.0)
    augmented = ada(images, training=True)  # p = 0: unchanged
    ada.update(keras.ops.ones((4, 1)))  # every 4th call moves p
    ```

    Reference:
    - [Karras et al., 2020](https://arxiv.org/abs/2006.06676)
    """

    def __init__(
        self,
        target=0.6,
        interval=4,
        ada_kimg=500,
        initial_p=0.0,
        max_p=1.0,
        augmentations="blit,color",
        xint_max=0.125,
        brightness_std=0.2,
        contrast_std=0.5,
        hue_max=1.0,
        saturation_std=1.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.target = _number(target, "target", name, 0, 1, True, True)
        if (
            isinstance(interval, bool)
            or not isinstance(interval, numbers.Integral)
            or interval < 1
        ):
            raise ValueError(
                f"{name} needs an integer interval >= 1. Received: interval={interval!r}"
            )
        self.interval = int(interval)
        self.ada_kimg = _number(ada_kimg, "ada_kimg", name, 0, math.inf, True, True)
        self.max_p = _number(max_p, "max_p", name, 0, 1, low_open=True)
        self.initial_p = _number(initial_p, "initial_p", name, 0, self.max_p)
        choices = tuple(ADA_GROUPS) + ADA_TRANSFORMS
        names = parse_policy(augmentations, choices, name, "augmentations")
        self.transforms = tuple(
            t
            for t in ADA_TRANSFORMS
            if t in names or any(t in ADA_GROUPS.get(n, ()) for n in names)
        )
        self.augmentations = ",".join(names)
        self.xint_max = _number(xint_max, "xint_max", name, 0, 0.5, low_open=True)
        self.brightness_std = _number(
            brightness_std, "brightness_std", name, 0, math.inf, high_open=True
        )
        self.contrast_std = _number(
            contrast_std, "contrast_std", name, 0, math.inf, high_open=True
        )
        self.hue_max = _number(hue_max, "hue_max", name, 0, 1)
        self.saturation_std = _number(
            saturation_std, "saturation_std", name, 0, math.inf, high_open=True
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

        def state(weight_name, value=0.0):
            return self.add_weight(
                shape=(),
                name=weight_name,
                initializer=keras.initializers.Constant(value),
                dtype="float32",
                trainable=False,
                autocast=False,
            )

        # Shape-independent state, created here so that `update` and the
        # model's logs (`ada_p`) work before the first call.
        self.p = state("p", self.initial_p)
        self.r_t = state("r_t")
        self.sign_sum = state("sign_sum")
        self.sign_count = state("sign_count")
        self.image_count = state("image_count")
        self.num_updates = state("num_updates")

    def build(self, input_shape):
        self._check_images(input_shape)

    def _check_images(self, shape):
        name = type(self).__name__
        height, width = spatial_size(shape, name)
        channels = tuple(shape)[3]
        if "rotate90" in self.transforms and height != width:
            raise ValueError(
                f"{name}'s 'rotate90' needs square images. "
                f"Received: images.shape={tuple(shape)}"
            )
        color = any(t in ADA_GROUPS["color"] for t in self.transforms)
        if color and channels not in (1, 3):
            raise ValueError(
                f"{name}'s color transforms need 1 or 3 channels. "
                f"Received: images.shape={tuple(shape)}"
            )
        return height, width, channels

    def sample_parameters(self, images, p=None):
        """Draw the random parameters of one augmentation of `images`.

        Each transform is drawn for every image and replaced by its
        identity value where a uniform draw is not below `p`.

        Args:
            images: The NHWC images (only the shape is used).
            p: Optional probability (defaults to the weight `p`).

        Returns:
            A dict of `(batch,)` tensors, one per enabled transform:
            int32 `"xflip"` (0 or 1), `"rotate90"` (quarter turns, 0-3),
            `"xint_h"`, `"xint_w"` (shifts in pixels); float32
            `"brightness"` (offset), `"contrast"` (factor), `"lumaflip"`
            (0 or 1), `"hue"` (angle in radians), `"saturation"` (factor).
            Hue and saturation are absent for one-channel images.
        """
        height, width, channels = self._check_images(images.shape)
        p = ops.cast(self.p.value if p is None else p, "float32")
        batch = ops.shape(images)[0]
        seed = self.seed_generator
        enabled = set(self.transforms)
        if channels == 1:
            enabled -= {"hue", "saturation"}

        def uniform(shape=None):
            return keras.random.uniform(shape or (batch,), seed=seed)

        def gate(value, identity):
            # One Bernoulli(p) per image, as the official pipeline.
            return ops.where(uniform() < p, value, identity)

        params = {}
        if "xflip" in enabled:
            params["xflip"] = ops.cast(gate(ops.floor(uniform() * 2), 0.0), "int32")
        if "rotate90" in enabled:
            params["rotate90"] = ops.cast(gate(ops.floor(uniform() * 4), 0.0), "int32")
        if "xint" in enabled:
            t = (uniform((batch, 2)) * 2 - 1) * self.xint_max
            t = ops.where(uniform((batch, 1)) < p, t, 0.0)
            params["xint_w"] = ops.cast(ops.round(t[:, 0] * width), "int32")
            params["xint_h"] = ops.cast(ops.round(t[:, 1] * height), "int32")
        if "brightness" in enabled:
            b = keras.random.normal((batch,), seed=seed) * self.brightness_std
            params["brightness"] = gate(b, 0.0)
        if "contrast" in enabled:
            c = ops.power(
                2.0, keras.random.normal((batch,), seed=seed) * self.contrast_std
            )
            params["contrast"] = gate(c, 1.0)
        if "lumaflip" in enabled:
            params["lumaflip"] = gate(ops.floor(uniform() * 2), 0.0)
        if "hue" in enabled:
            theta = (uniform() * 2 - 1) * math.pi * self.hue_max
            params["hue"] = gate(theta, 0.0)
        if "saturation" in enabled:
            s = ops.power(
                2.0, keras.random.normal((batch,), seed=seed) * self.saturation_std
            )
            params["saturation"] = gate(s, 1.0)
        return params

    def augment(self, images, parameters):
        """Apply the transforms to `images` with given `parameters`.

        Args:
            images: NHWC float tensor.
            parameters: A dict as returned by `sample_parameters`.

        Returns:
            The augmented images, of the shape and dtype of `images`.
        """
        x = ops.convert_to_tensor(images)
        self._check_images(x.shape)
        if any(k in parameters for k in ("xflip", "rotate90", "xint_h")):
            x = self._blit(x, parameters)
        if any(k in parameters for k in ADA_GROUPS["color"]):
            x = self._color(x, parameters)
        return x

    def _blit(self, x, parameters):
        height, width = x.shape[1], x.shape[2]
        rows = ops.arange(height, dtype="int32")[None, :, None]
        cols = ops.arange(width, dtype="int32")[None, None, :]
        # Output pixel -> source pixel, undoing translation, rotation, flip.
        if "xint_h" in parameters:
            shift_h = ops.reshape(parameters["xint_h"], (-1, 1, 1))
            shift_w = ops.reshape(parameters["xint_w"], (-1, 1, 1))
            rows = _reflect(rows - shift_h, height)
            cols = _reflect(cols - shift_w, width)
        rows, cols = (
            ops.broadcast_to(rows, ops.shape(x)[:3]),
            ops.broadcast_to(cols, ops.shape(x)[:3]),
        )
        if "rotate90" in parameters:
            # np.rot90(image, k): out[i, j] = in[j, n-1-i] for k = 1, etc.
            k = ops.reshape(parameters["rotate90"], (-1, 1, 1))
            last = height - 1
            candidates = [
                (rows, cols),
                (cols, last - rows),
                (last - rows, last - cols),
                (last - cols, rows),
            ]
            new_rows, new_cols = rows, cols
            for quarter, (r, c) in enumerate(candidates[1:], start=1):
                new_rows = ops.where(k == quarter, r, new_rows)
                new_cols = ops.where(k == quarter, c, new_cols)
            rows, cols = new_rows, new_cols
        if "xflip" in parameters:
            flip = ops.reshape(parameters["xflip"], (-1, 1, 1)) > 0
            cols = ops.where(flip, width - 1 - cols, cols)
        return gather_pixels(x, rows, cols)

    def color_matrix(self, parameters, batch):
        """The `(batch, 4, 4)` homogeneous color transform of `parameters`."""
        eye = ops.broadcast_to(ops.eye(4, dtype="float32"), (batch, 4, 4))
        v = ops.convert_to_tensor([_LUMA, _LUMA, _LUMA, 0.0], "float32")
        vv = ops.outer(v, v)[None]
        c_mat = eye
        if "brightness" in parameters:
            b = parameters["brightness"]
            m = _matrix([[1, 0, 0, b], [0, 1, 0, b], [0, 0, 1, b], [0, 0, 0, 1]], batch)
            c_mat = ops.matmul(m, c_mat)
        if "contrast" in parameters:
            c = parameters["contrast"]
            m = _matrix([[c, 0, 0, 0], [0, c, 0, 0], [0, 0, c, 0], [0, 0, 0, 1]], batch)
            c_mat = ops.matmul(m, c_mat)
        if "lumaflip" in parameters:
            i = ops.reshape(ops.cast(parameters["lumaflip"], "float32"), (-1, 1, 1))
            c_mat = ops.matmul(eye - 2.0 * vv * i, c_mat)
        if "hue" in parameters:
            theta = parameters["hue"]
            s, c = ops.sin(theta), ops.cos(theta)
            cc, a = 1.0 - c, _LUMA
            # Rotation about the luma axis (vx = vy = vz = a), official rotate3d.
            diag = a * a * cc + c
            m = _matrix(
                [
                    [diag, a * a * cc - a * s, a * a * cc + a * s, 0],
                    [a * a * cc + a * s, diag, a * a * cc - a * s, 0],
                    [a * a * cc - a * s, a * a * cc + a * s, diag, 0],
                    [0, 0, 0, 1],
                ],
                batch,
            )
            c_mat = ops.matmul(m, c_mat)
        if "saturation" in parameters:
            s = ops.reshape(ops.cast(parameters["saturation"], "float32"), (-1, 1, 1))
            c_mat = ops.matmul(vv + (eye - vv) * s, c_mat)
        return c_mat

    def _color(self, x, parameters):
        c_mat = self.color_matrix(parameters, ops.shape(x)[0])
        c_mat = ops.cast(c_mat, x.dtype)
        if x.shape[3] == 3:
            out = ops.einsum("bij,bhwj->bhwi", c_mat[:, :3, :3], x)
            return out + c_mat[:, None, None, :3, 3]
        # One channel: the mean of the three color rows (official code).
        rows = ops.mean(c_mat[:, :3, :], axis=1)
        scale = ops.sum(rows[:, :3], axis=1)
        return x * ops.reshape(scale, (-1, 1, 1, 1)) + ops.reshape(
            rows[:, 3], (-1, 1, 1, 1)
        )

    def call(self, images, training=True):
        if not training or not self.transforms:
            return images
        if not keras.backend.is_float_dtype(images.dtype):
            # Integer images (Keras autocasts floats only): compute dtype.
            images = ops.cast(images, self.compute_dtype)
        return self.augment(images, self.sample_parameters(images))

    def update(self, real_logits):
        """Accumulate `sign(real_logits)`; every `interval` calls adjust `p`.

        Args:
            real_logits: The discriminator's outputs on the real (augmented)
                images of one discriminator update, shape `(batch, ...)`.

        Returns:
            The value of `p` after the call (a float32 scalar tensor).
        """
        logits = ops.cast(ops.convert_to_tensor(real_logits), "float32")
        # Under tf.distribute: every replica's logits, so that each replica
        # adjusts p from the global batch (StyleGAN2-ADA sums the statistic
        # over its GPUs) and keeps the same state.
        logits, _ = gather_replicas(logits)
        # Read the state once (the values of the enclosing StatelessScope).
        old_p, old_r_t = self.p.value, self.r_t.value
        sign_sum = self.sign_sum.value + ops.sum(ops.sign(logits))
        sign_count = self.sign_count.value + ops.cast(ops.size(logits), "float32")
        image_count = self.image_count.value + ops.cast(ops.shape(logits)[0], "float32")
        num_updates = self.num_updates.value + 1.0
        due = num_updates >= self.interval
        r_t = sign_sum / ops.maximum(sign_count, 1.0)
        adjust = ops.sign(r_t - self.target) * image_count / (self.ada_kimg * 1000.0)
        p = ops.where(due, ops.clip(old_p + adjust, 0.0, self.max_p), old_p)
        zero = ops.zeros((), "float32")
        self.p.assign(p)
        self.r_t.assign(ops.where(due, r_t, old_r_t))
        self.sign_sum.assign(ops.where(due, zero, sign_sum))
        self.sign_count.assign(ops.where(due, zero, sign_count))
        self.image_count.assign(ops.where(due, zero, image_count))
        self.num_updates.assign(ops.where(due, zero, num_updates))
        return p

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "interval": self.interval,
            "ada_kimg": self.ada_kimg,
            "initial_p": self.initial_p,
            "max_p": self.max_p,
            "augmentations": self.augmentations,
            "xint_max": self.xint_max,
            "brightness_std": self.brightness_std,
            "contrast_std": self.contrast_std,
            "hue_max": self.hue_max,
            "saturation_std": self.saturation_std,
            "seed": self.seed,
        }
