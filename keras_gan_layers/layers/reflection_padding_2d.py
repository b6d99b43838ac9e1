"""ReflectionPadding2D: pad height and width by mirroring the image at its edges."""

import numbers

import keras
from keras import ops

from keras_gan_layers.api_export import keras_gan_export

DATA_FORMATS = ("channels_last", "channels_first")


def _non_negative_int(value):
    return (
        not isinstance(value, bool)
        and isinstance(value, numbers.Integral)
        and int(value) >= 0
    )


def _padding_arg(padding, layer):
    """`((top, bottom), (left, right))` from an int, 2 ints or 2 pairs."""
    if _non_negative_int(padding):
        return ((int(padding),) * 2, (int(padding),) * 2)
    if isinstance(padding, (list, tuple)) and len(padding) == 2:
        if all(_non_negative_int(p) for p in padding):
            return tuple((int(p), int(p)) for p in padding)
        if all(
            isinstance(p, (list, tuple))
            and len(p) == 2
            and all(_non_negative_int(v) for v in p)
            for p in padding
        ):
            return tuple((int(p[0]), int(p[1])) for p in padding)
    raise ValueError(
        f"{layer} needs padding as an int >= 0, a tuple of 2 ints >= 0 "
        "(symmetric_height_pad, symmetric_width_pad) or a tuple of 2 tuples "
        "of 2 ints >= 0 ((top_pad, bottom_pad), (left_pad, right_pad)). "
        f"Received: padding={padding!r}"
    )


@keras_gan_export()
class ReflectionPadding2D(keras.layers.Layer):
    """Reflection padding for 2-D images: the border is the image mirrored.

    Each spatial axis is padded with the pixels next to the edge, reflected
    about the edge pixel (which is not repeated): a row `[a, b, c, d]` padded
    by 2 on both sides is `[c, b, a, b, c, d, c, b]`. This is numpy's
    `np.pad(mode="reflect")`, PyTorch's `nn.ReflectionPad2d` and TensorFlow's
    `tf.pad(mode="REFLECT")`; it is computed with
    `keras.ops.pad(mode="reflect")`. Image-to-image generators (CycleGAN's
    ResNet generator, Johnson et al.'s style transfer network) pad with it
    before their convolutions, so that no artificial zero border shows in
    the output.

    The arguments are those of `keras.layers.ZeroPadding2D`. Reflection
    needs each padding to be smaller than the size of its axis (a padding
    of `size` or more would reflect pixels that do not exist); this is
    checked when the layer is built and called on known sizes.

    Args:
        padding: Int, tuple of 2 ints or tuple of 2 tuples of 2 ints, all
            >= 0. An int: the same padding on the four sides. `(h, w)`: `h`
            rows above and below, `w` columns left and right.
            `((top, bottom), (left, right))`: each side on its own.
        data_format: `"channels_last"` (`(batch, height, width, channels)`)
            or `"channels_first"` (`(batch, channels, height, width)`).
            Defaults to `keras.config.image_data_format()`.
        **kwargs: Base layer keyword arguments (e.g. `name` and `dtype`).

    Call arguments:
        inputs: A rank-4 tensor in `data_format`. Integer inputs are cast to
            the layer's compute dtype.

    Returns:
        A tensor with `top + bottom` more rows and `left + right` more
        columns: `(batch, height + top + bottom, width + left + right,
        channels)` for channels-last data.

    Raises:
        ValueError: If `padding` is not one of the accepted forms or has a
            negative entry, `data_format` is unknown, the input is not of
            rank 4 (or is a list), or a padding is not smaller than the
            height or width it pads.

    Example:

    ```python
    x = keras.random.normal((2, 8, 8, 3))
    ReflectionPadding2D(3)(x).shape  # (2, 14, 14, 3)
    ReflectionPadding2D(((1, 0), (2, 3)))(x).shape  # (2, 9, 13, 3)
    ```

    Reference:
    - [Johnson et al., 2016](https://arxiv.org/abs/1603.08155)
    - [Zhu et al., 2017](https://arxiv.org/abs/1703.10593) (CycleGAN)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.padding = _padding_arg(padding, name)
        if data_format is None:
            data_format = keras.config.image_data_format()
        if data_format not in DATA_FORMATS:
            raise ValueError(
                f"{name} needs data_format 'channels_last' or 'channels_first'. "
                f"Received: data_format={data_format!r}"
            )
        self.data_format = data_format

    def _spatial_axes(self):
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def compute_output_shape(self, input_shape):
        name = type(self).__name__
        if isinstance(input_shape, (list, tuple)) and any(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f"{name} is called on one tensor, not a list. "
                f"Received: input_shape={input_shape!r}"
            )
        shape = list(input_shape)
        if len(shape) != 4:
            raise ValueError(
                f"{name} needs a rank-4 input ({self.data_format}). "
                f"Received: input_shape={tuple(shape)}"
            )
        for axis, pads, which in zip(
            self._spatial_axes(), self.padding, ("height", "width")
        ):
            size = shape[axis]
            if size is None:
                continue
            if max(pads) >= size:
                raise ValueError(
                    f"{name} needs each padding smaller than the size it pads "
                    f"(reflection mirrors the pixels inside the image). "
                    f"Received: padding={pads} on a {which} of {size} "
                    f"(input_shape={tuple(shape)})"
                )
            shape[axis] = size + pads[0] + pads[1]
        return tuple(shape)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        x = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        self.compute_output_shape(x.shape)
        (top, bottom), (left, right) = self.padding
        if top == bottom == left == right == 0:
            return x
        if self.data_format == "channels_last":
            return ops.pad(
                x, [[0, 0], [top, bottom], [left, right], [0, 0]], mode="reflect"
            )
        if top == bottom == 0:
            # Keras' torch `pad` refuses a reflection of the last axis alone
            # of a rank-4 tensor ("Padding size 2 is not supported"): pad the
            # width as the third axis instead.
            x = ops.pad(
                ops.swapaxes(x, 2, 3),
                [[0, 0], [0, 0], [left, right], [0, 0]],
                mode="reflect",
            )
            return ops.swapaxes(x, 2, 3)
        return ops.pad(
            x, [[0, 0], [0, 0], [top, bottom], [left, right]], mode="reflect"
        )

    def get_config(self):
        return {
            **super().get_config(),
            "padding": [list(p) for p in self.padding],
            "data_format": self.data_format,
        }
