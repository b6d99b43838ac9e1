"""`keras-gan sample`: a grid of images from a saved generator or GAN."""

import os

from keras_gan_layers.cli.common import UsageError, positive_int, writable_file


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name,
        help="write a grid of samples from a saved generator.keras or gan.keras",
    )
    p.add_argument(
        "--model", required=True, help="path of generator.keras or gan.keras"
    )
    p.add_argument("-n", "--num-images", type=positive_int, default=64)
    p.add_argument("--out", default="grid.png", help="output PNG path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale", type=positive_int, default=4, help="PNG upscaling factor")
    return p


def run(args):
    if not os.path.isfile(args.model):
        raise UsageError(f"model file {args.model!r} does not exist")
    writable_file(args.out)

    import keras
    import numpy as np

    import keras_gan_layers  # noqa: F401 - registers the classes
    from keras_gan_layers.utils import save_image_grid

    try:
        model = keras.saving.load_model(args.model, compile=False)
    except Exception as e:
        raise UsageError(
            f"could not load {args.model!r} as a Keras model ({e})"
        ) from None
    generator = getattr(model, "generator", model)
    latent_shape = getattr(model, "latent_shape", None) or tuple(
        generator.inputs[0].shape[1:]
    )
    rng = np.random.default_rng(args.seed)
    latents = rng.standard_normal((args.num_images, *latent_shape)).astype("float32")
    if getattr(model, "latent_distribution", "normal") == "uniform":
        latents = rng.uniform(-1, 1, (args.num_images, *latent_shape)).astype("float32")
    images = keras.ops.convert_to_numpy(generator(latents, training=False))
    save_image_grid(images, args.out, scale=args.scale)
    print(f"wrote {args.num_images} samples to {args.out}")
    return 0
