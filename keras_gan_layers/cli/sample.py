"""`keras-gan sample`: a grid of images from a saved generator or GAN."""

from keras_gan_layers.cli.common import (
    UsageError,
    load_generator,
    positive_float,
    positive_int,
    writable_file,
)
from keras_gan_layers.models.conditional_gan import label_layer_classes
from keras_gan_layers.utils.image_grid import save_image_grid
from keras_gan_layers.utils.sampling import fixed_latents, generate_numpy


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name,
        help="write a grid of samples from a saved generator.keras or gan.keras",
    )
    p.add_argument(
        "--model", required=True, help="path of generator.keras or gan.keras"
    )
    p.add_argument("-n", "--num-images", type=positive_int, default=64)
    p.add_argument(
        "--labels",
        default=None,
        help="conditional models: comma-separated class ids, one image each "
        "(e.g. 3,3,7; overrides -n); default: the classes in turn",
    )
    p.add_argument(
        "--truncation",
        type=positive_float,
        default=None,
        help="truncation trick: redraw latent components beyond this magnitude (e.g. 0.5)",
    )
    p.add_argument("--out", default="grid.png", help="output PNG path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale", type=positive_int, default=4, help="PNG upscaling factor")
    return p


def parse_labels(text):
    try:
        labels = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(
            f"--labels must be comma-separated integers such as 3,3,7, got {text!r}"
        ) from None
    if not labels:
        raise UsageError("--labels is empty; pass class ids such as 3,3,7")
    return labels


def run(args):
    import numpy as np

    model, generator = load_generator(args.model)
    writable_file(args.out)
    conditional = len(getattr(generator, "inputs", None) or [None]) == 2
    labels = parse_labels(args.labels) if args.labels is not None else None
    if labels is not None and not conditional:
        raise UsageError(
            f"--labels needs a conditional model; {args.model} has a generator "
            "with one input"
        )
    num = len(labels) if labels is not None else args.num_images
    columns = None
    if conditional:
        declared = label_layer_classes(generator)
        num_classes = getattr(model, "num_classes", None) or (
            declared.pop() if len(declared) == 1 else None
        )
        if num_classes is None:
            raise UsageError(
                f"cannot tell the number of classes of {args.model}; sample from "
                "the saved gan.keras instead of generator.keras"
            )
        if labels is None:
            labels = np.arange(num) % num_classes
            columns = num_classes if num >= num_classes else None
        bad = [v for v in labels if not 0 <= v < num_classes]
        if bad:
            raise UsageError(
                f"--labels must lie in [0, {num_classes}) for this model, got {bad}"
            )
        labels = np.asarray(labels, "int32")
    try:
        latents = fixed_latents(model, generator, num, args.seed, args.truncation)
    except ValueError as e:
        raise UsageError(str(e)) from None
    images = generate_numpy(generator, latents, labels=labels)
    save_image_grid(images, args.out, columns=columns, scale=args.scale)
    print(f"wrote {num} samples to {args.out}")
    return 0
