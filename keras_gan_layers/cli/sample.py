"""`keras-gan sample`: a grid of images from a saved generator or GAN."""

from keras_gan_layers.cli.common import load_generator, positive_int, writable_file
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
    p.add_argument("--out", default="grid.png", help="output PNG path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale", type=positive_int, default=4, help="PNG upscaling factor")
    return p


def run(args):
    model, generator = load_generator(args.model)
    writable_file(args.out)
    latents = fixed_latents(model, generator, args.num_images, args.seed)
    save_image_grid(generate_numpy(generator, latents), args.out, scale=args.scale)
    print(f"wrote {args.num_images} samples to {args.out}")
    return 0
