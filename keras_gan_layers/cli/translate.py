"""`keras-gan translate`: translate a folder of images with a saved translator."""

import os

from keras_gan_layers.cli.common import (
    UsageError,
    load_keras_model,
    positive_int,
    shape_text,
    short_message,
    writable_directory,
)

DIRECTIONS = ("a2b", "b2a")


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name,
        help="translate a folder of images with a saved CycleGAN, Pix2Pix or "
        "image-to-image generator (.keras)",
    )
    p.add_argument(
        "--model",
        required=True,
        help="model.keras of a CycleGAN or Pix2Pix, or a generator .keras "
        "mapping images to images",
    )
    p.add_argument(
        "--input", required=True, help="folder of images (searched recursively)"
    )
    p.add_argument(
        "--out", required=True, help="folder for the translated PNGs (created)"
    )
    p.add_argument(
        "--direction",
        default=None,
        help="CycleGAN only: a2b (generator_ab, the default) or b2a (generator_ba)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        help="images per generator call (default: 32)",
    )
    p.add_argument(
        "--image-size",
        type=positive_int,
        default=None,
        help="fully convolutional generators (no fixed input size): resize "
        "every image to N x N (default: keep each image's size)",
    )
    return p


def load_translator(path, direction):
    """`(model, generator, data_range)` of a saved translator, or UsageError."""
    model = load_keras_model(path)
    kind = type(model).__name__
    if callable(getattr(model, "translate_a_to_b", None)):
        direction = direction or "a2b"
        generator = model.generator_ab if direction == "a2b" else model.generator_ba
    else:
        if direction is not None:
            raise UsageError(
                f"--direction is for CycleGAN models (a2b or b2a); {path!r} "
                f"holds a {kind}, which translates one way: leave it out"
            )
        generator = getattr(model, "generator", model)
    data_range = getattr(model, "data_range", None) or (-1.0, 1.0)
    check_image_translator(path, kind, generator)
    return model, generator, tuple(float(v) for v in data_range)


def check_image_translator(path, kind, generator):
    """Raise UsageError unless `generator` maps one image batch to one image batch."""
    inputs = getattr(generator, "inputs", None) or []
    outputs = getattr(generator, "outputs", None) or []
    in_shape = tuple(inputs[0].shape) if len(inputs) == 1 else None
    out_shape = tuple(outputs[0].shape) if len(outputs) == 1 else None
    if (
        in_shape is not None
        and out_shape is not None
        and len(in_shape) == 4
        and len(out_shape) == 4
        and in_shape[-1] in (1, 3)
        and out_shape[-1] in (1, 3)
    ):
        return
    found = (
        f"{len(inputs)} input(s) and {len(outputs)} output(s)"
        if in_shape is None or out_shape is None
        else f"input {shape_text(in_shape)} and output {shape_text(out_shape)}"
    )
    raise UsageError(
        f"{path!r} does not hold an image-to-image translator: keras-gan "
        "translate needs a CycleGAN or Pix2Pix model.keras, or a generator "
        "mapping images (None, height, width, 1 or 3) to images; found a "
        f"{kind} with {found}"
    )


def output_names(files, root):
    """Relative output paths (extension `.png`) of `files`, or UsageError on clashes."""
    names, seen = [], {}
    for path in files:
        name = os.path.splitext(os.path.relpath(path, root))[0] + ".png"
        if name in seen:
            raise UsageError(
                f"{seen[name]!r} and {path!r} would both be written as {name!r}; "
                "rename one of them"
            )
        seen[name] = path
        names.append(name)
    return names


def read_image(path, channels, size):
    """`path` as a uint8 array `(h, w, channels)`, resized to `size` if given."""
    import numpy as np
    from PIL import Image

    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            array = np.asarray(image, dtype=np.uint8)
    except OSError as e:
        raise UsageError(f"cannot read {path!r} as an image ({e})") from None
    array = array.reshape(*array.shape[:2], channels)
    if size is not None and array.shape[:2] != size:
        import keras

        resized = keras.ops.image.resize(
            array[None].astype("float32"), size, interpolation="bilinear"
        )
        array = np.clip(np.round(keras.ops.convert_to_numpy(resized)[0]), 0, 255)
    return array.astype(np.uint8)


def run(args):
    import keras
    import numpy as np
    from PIL import Image

    from keras_gan_layers.datasets.directory import check_image_directory, image_files

    if args.direction is not None and args.direction not in DIRECTIONS:
        raise UsageError(
            f"unknown direction {args.direction!r}; valid directions: "
            f"{', '.join(DIRECTIONS)}"
        )
    try:
        check_image_directory(args.input)
    except ValueError as e:
        raise UsageError(str(e)) from None
    source = os.path.realpath(args.input)
    target = os.path.realpath(args.out)
    if target == source or target.startswith(source + os.sep):
        raise UsageError(
            f"--out {args.out!r} is --input or a folder inside it: the "
            "translations would overwrite or mix with the input images; "
            "choose a folder outside --input"
        )
    files = image_files(args.input)
    names = output_names(files, args.input)
    writable_directory(args.out)
    model, generator, (low, high) = load_translator(args.model, args.direction)
    _, height, width, channels = generator.inputs[0].shape
    out_channels = generator.outputs[0].shape[-1]
    size = None
    if height is not None and width is not None:
        size = (int(height), int(width))
        if args.image_size is not None and (args.image_size,) * 2 != size:
            raise UsageError(
                f"--image-size {args.image_size}: the generator of {args.model!r} "
                f"takes {size[0]}x{size[1]} images only (images are resized to "
                "it); --image-size is for fully convolutional generators"
            )
    elif args.image_size is not None:
        size = (args.image_size, args.image_size)

    def translate(batch):
        x = batch.astype("float32") / 255.0 * (high - low) + low
        try:
            return np.asarray(keras.ops.convert_to_numpy(generator(x, training=False)))
        except Exception as e:
            raise UsageError(
                f"the generator cannot translate images of shape "
                f"{shape_text(x.shape)} ({type(e).__name__}: {short_message(e)}); "
                "pass --image-size"
            ) from None

    written = 0
    for start in range(0, len(files), args.batch_size):
        chunk = list(range(start, min(start + args.batch_size, len(files))))
        images = [read_image(files[i], channels, size) for i in chunk]
        # Images of one size share a generator call (all of them, when
        # resized); others (fully convolutional generators) go alone.
        groups = {}
        for i, image in zip(chunk, images):
            groups.setdefault(image.shape, []).append((i, image))
        for group in groups.values():
            translated = translate(np.stack([image for _, image in group]))
            scaled = (np.clip(translated, low, high) - low) / (high - low) * 255.0
            pixels = np.round(scaled).astype(np.uint8)
            for (i, _), image in zip(group, pixels):
                path = os.path.join(args.out, names[i])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                Image.fromarray(image[..., 0] if out_channels == 1 else image).save(
                    path
                )
                written += 1
    print(f"translated {written} images to {args.out}")
    return 0
