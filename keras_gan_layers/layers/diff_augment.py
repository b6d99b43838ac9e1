"""DiffAugment: differentiable color, translation and cutout augmentation."""

import math

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export

DIFF_AUGMENT_OPS = ("color", "translation", "cutout")


def parse_policy(policy, choices, layer, argument="policy"):
    """`"a,b"` -> `("a", "b")`, or a ValueError naming the accepted names."""
    if not isinstance(policy, str):
        raise ValueError(
            f"{layer} needs {argument} as a comma-separated string of "
            f"{', '.join(map(repr, choices))}. Received: {argument}={policy!r}"
        )
    names = tuple(name.strip() for name in policy.split(",") if name.strip())
    unknown = [name for name in names if name not in choices]
    if unknown:
        raise ValueError(
            f"{layer} got unknown {argument} names {unknown}; the accepted names "
            f"are {', '.join(map(repr, choices))}. Received: {argument}={policy!r}"
        )
    return names


def ratio_arg(value, name, layer):
    """A float in (0, 1], or a ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{layer} needs 0 < {name} <= 1. Received: {name}={value!r}")
    if not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{layer} needs 0 < {name} <= 1. Received: {name}={value!r}")
    return float(value)


def spatial_size(images, layer):
    """The static `(height, width)` of NHWC images, or a ValueError."""
    shape = tuple(images.shape) if hasattr(images, "shape") else tuple(images)
    if len(shape) != 4 or shape[1] is None or shape[2] is None:
        raise ValueError(
            f"{layer} needs images of shape (batch, height, width, channels) "
            f"with known height and width. Received: images.shape={shape}"
        )
    return int(shape[1]), int(shape[2])


def gather_pixels(images, rows, cols):
    """`out[b, i, j] = images[b, rows[b, i, j], cols[b, i, j]]` (NHWC).

    `rows` and `cols` are int32 tensors of shape `(batch, height, width)`
    holding valid indices. One `take_along_axis` over the flattened pixels,
    so the result is differentiable w.r.t. `images` on every backend.
    """
    height, width = images.shape[1], images.shape[2]
    channels = images.shape[3]
    flat = ops.reshape(images, (-1, height * width, channels))
    index = ops.reshape(rows * width + cols, (-1, height * width, 1))
    out = ops.take_along_axis(flat, index, axis=1)
    return ops.reshape(out, (-1, height, width, channels))


@keras_gan_export()
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation (DiffAugment) of real and fake images.

    The same random transformations are applied to the real and the fake
    images before the discriminator, and every one of them is
    differentiable w.r.t. the images, so the generator gets gradients
    through the augmentation. The ops are a transcription of the paper's
    official `DiffAugment_tf.py` / `DiffAugment_pytorch.py`, with the
    paper's parameters, one draw per image:

    - `"color"`: brightness `x + U(-0.5, 0.5)`, then saturation
      `(x - m_c) * U(0, 2) + m_c` with `m_c` the per-pixel mean over the
      channels, then contrast `(x - m) * U(0.5, 1.5) + m` with `m` the
      per-image mean.
    - `"translation"`: an integer shift `(t_h, t_w)` with each component
      uniform in `[-s, s]`, `s = floor(translation_ratio * size)`;
      `out[i, j] = x[i + t_h, j + t_w]`, zero outside the image.
    - `"cutout"`: a `floor(cutout_ratio * height) x
      floor(cutout_ratio * width)` rectangle set to zero; its centre is
      uniform over the image (its corner in `[-c // 2, size - c // 2]`
      for an even side `c`), and the part outside the image is dropped,
      so near a border less than `cutout_ratio**2` of the image is cut.

    The ops run in the order of `policy`. Images are NHWC with any number
    of channels, in [-1, 1] as the discriminator sees them. The layer owns
    a `keras.random.SeedGenerator` (attribute `seed_generator`), so its
    random state is saved with the model and a resumed run continues it.
    Translation and cutout are gathers and masks, with no Python branch on
    tensor values, so the layer runs in a jitted JAX function and in a
    `tf.function`.

    The random numbers come from `sample_parameters(images)` and are
    applied by the deterministic `augment(images, parameters)`; calling
    the layer in training does both.

    Args:
        policy: Comma-separated op names among `"color"`, `"translation"`
            and `"cutout"`, applied in this order; `""` is the identity.
        translation_ratio: Largest shift as a fraction of the image size,
            in (0, 1]. The paper's 1/8.
        cutout_ratio: Side of the cut rectangle as a fraction of the image
            size, in (0, 1]. The paper's 1/2.
        seed: Optional int seed of the layer's `SeedGenerator`.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        images: Float tensor of shape `(batch, height, width, channels)`
            with known height and width.
        training: Python boolean; the layer augments in training only and
            is the identity otherwise (as Keras' augmentation layers).

    Returns:
        A tensor of the shape and dtype of `images`.

    Raises:
        ValueError: If `policy` names an unknown op, a ratio is not in
            (0, 1], or the images are not 4-D with known height and width.

    Example:

    ```python
    augment = DiffAugment("color,translation,cutout", seed=0)
    images = keras.random.uniform((4, 8, 8, 3), -1.0, 1.0)
    augment(images, training=True).shape  # (4, 8, 8, 3)
    ```

    Reference:
    - [Zhao et al., 2020](https://arxiv.org/abs/2006.10738)
    """

    def __init__(
        self,
        policy="color,translation,cutout",
        translation_ratio=0.125,
        cutout_ratio=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.op_names = parse_policy(policy, DIFF_AUGMENT_OPS, name)
        self.policy = ",".join(self.op_names)
        self.translation_ratio = ratio_arg(translation_ratio, "translation_ratio", name)
        self.cutout_ratio = ratio_arg(cutout_ratio, "cutout_ratio", name)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def translation_shift(self, size):
        """Largest integer shift `floor(translation_ratio * size)`."""
        return int(math.floor(self.translation_ratio * size + 1e-6))

    def cutout_size(self, size):
        """Side `floor(cutout_ratio * size)` of the cut rectangle."""
        return int(math.floor(self.cutout_ratio * size + 1e-6))

    def sample_parameters(self, images):
        """Draw the random numbers of one augmentation of `images`.

        Args:
            images: The NHWC images (only the shape is used).

        Returns:
            A dict of float32 `(batch,)` tensors `"brightness"`,
            `"saturation"`, `"contrast"` (for `"color"`) and int32
            `(batch,)` tensors `"translation_h"`, `"translation_w"` (for
            `"translation"`), `"cutout_h"`, `"cutout_w"` (the centre, for
            `"cutout"`), with the distributions of the class docstring.
        """
        height, width = spatial_size(images, type(self).__name__)
        batch = ops.shape(images)[0]
        seed = self.seed_generator
        params = {}
        if "color" in self.op_names:
            params["brightness"] = keras.random.uniform((batch,), -0.5, 0.5, seed=seed)
            params["saturation"] = keras.random.uniform((batch,), 0.0, 2.0, seed=seed)
            params["contrast"] = keras.random.uniform((batch,), 0.5, 1.5, seed=seed)
        if "translation" in self.op_names:
            for key, size in (("translation_h", height), ("translation_w", width)):
                shift = self.translation_shift(size)
                params[key] = keras.random.randint(
                    (batch,), -shift, shift + 1, dtype="int32", seed=seed
                )
        if "cutout" in self.op_names:
            for key, size in (("cutout_h", height), ("cutout_w", width)):
                # As the official code: the centre in [0, size] for an even
                # side, [0, size) for an odd one.
                high = size + 1 - self.cutout_size(size) % 2
                params[key] = keras.random.randint(
                    (batch,), 0, high, dtype="int32", seed=seed
                )
        return params

    def augment(self, images, parameters):
        """Apply the policy to `images` with given random `parameters`.

        Args:
            images: NHWC float tensor.
            parameters: A dict as returned by `sample_parameters`.

        Returns:
            The augmented images, of the shape and dtype of `images`.
        """
        x = ops.convert_to_tensor(images)
        height, width = spatial_size(x, type(self).__name__)
        for op in self.op_names:
            if op == "color":
                x = self._color(x, parameters)
            elif op == "translation":
                x = self._translation(x, parameters, height, width)
            else:
                x = self._cutout(x, parameters, height, width)
        return x

    @staticmethod
    def _per_image(value, dtype):
        return ops.reshape(ops.cast(value, dtype), (-1, 1, 1, 1))

    def _color(self, x, parameters):
        x = x + self._per_image(parameters["brightness"], x.dtype)
        mean = ops.mean(x, axis=3, keepdims=True)
        x = (x - mean) * self._per_image(parameters["saturation"], x.dtype) + mean
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return (x - mean) * self._per_image(parameters["contrast"], x.dtype) + mean

    def _translation(self, x, parameters, height, width):
        rows = ops.arange(height, dtype="int32")[None, :] + ops.reshape(
            ops.cast(parameters["translation_h"], "int32"), (-1, 1)
        )
        cols = ops.arange(width, dtype="int32")[None, :] + ops.reshape(
            ops.cast(parameters["translation_w"], "int32"), (-1, 1)
        )
        inside = ops.logical_and(
            ops.logical_and(rows >= 0, rows < height)[:, :, None],
            ops.logical_and(cols >= 0, cols < width)[:, None, :],
        )
        rows = ops.clip(rows, 0, height - 1)[:, :, None]
        cols = ops.clip(cols, 0, width - 1)[:, None, :]
        shape = ops.shape(inside)
        out = gather_pixels(
            x, ops.broadcast_to(rows, shape), ops.broadcast_to(cols, shape)
        )
        return ops.where(inside[..., None], out, ops.zeros_like(out))

    def _cutout(self, x, parameters, height, width):
        def outside(key, size):
            side = self.cutout_size(size)
            start = ops.reshape(ops.cast(parameters[key], "int32"), (-1, 1)) - side // 2
            coords = ops.arange(size, dtype="int32")[None, :]
            return ops.logical_or(coords < start, coords >= start + side)

        keep = ops.logical_or(
            outside("cutout_h", height)[:, :, None],
            outside("cutout_w", width)[:, None, :],
        )
        return ops.where(keep[..., None], x, ops.zeros_like(x))

    def _check_shape(self, input_shape):
        """One NHWC image batch (height and width may be unknown here)."""
        name = type(self).__name__
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(d, (list, tuple)) for d in input_shape
        ):
            raise ValueError(
                f"{name} is called on one tensor of images (batch, height, "
                f"width, channels), not a list. Received: input_shape="
                f"{list(map(tuple, input_shape))}"
            )
        if len(input_shape) != 4:
            raise ValueError(
                f"{name} needs images of shape (batch, height, width, channels) "
                f"(channels last); it cannot augment data of rank "
                f"{len(input_shape)}, such as vectors. Received: "
                f"images.shape={tuple(input_shape)}"
            )
        return tuple(input_shape)

    def build(self, input_shape):
        self._check_shape(input_shape)

    def call(self, images, training=True):
        if isinstance(images, (list, tuple)):
            self._check_shape([tuple(getattr(t, "shape", ())) for t in images])
        if not training or not self.op_names:
            return images
        if not keras.backend.is_float_dtype(images.dtype):
            # Integer images (Keras autocasts floats only): compute dtype.
            images = ops.cast(images, self.compute_dtype)
        return self.augment(images, self.sample_parameters(images))

    def compute_output_shape(self, input_shape):
        return self._check_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "policy": self.policy,
            "translation_ratio": self.translation_ratio,
            "cutout_ratio": self.cutout_ratio,
            "seed": self.seed,
        }
