"""`keras-gan evaluate`: FID, KID, IS (and PRDC) of a saved generator."""

import json

from keras_gan_layers.cli.common import (
    UsageError,
    add_data_arguments,
    check_dataset,
    load_generator,
    positive_int,
)

METRICS = ("fid", "kid", "is", "prdc")


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name, help="measure a saved generator against a dataset (FID, KID, IS, PRDC)"
    )
    p.add_argument(
        "--model", required=True, help="path of generator.keras or gan.keras"
    )
    add_data_arguments(p, "compare with the images in this folder instead")
    p.add_argument(
        "-n", "--num-samples", type=positive_int, default=1000, help="generated samples"
    )
    p.add_argument(
        "--metrics",
        default="fid,kid,is",
        help=f"comma-separated, from: {', '.join(METRICS)}",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--json", default=None, help="also write the results to this JSON file"
    )
    return p


def feature_extractor_for(dataset):
    """The offline digits classifier for the digits, Inception-v3 otherwise."""
    from keras_gan_layers import metrics

    if dataset == "digits":
        return metrics.DigitsFeatureExtractor()
    try:
        return metrics.InceptionFeatureExtractor()
    except RuntimeError as e:
        raise UsageError(str(e).replace("\n", " ")) from None


def run(args):
    """Evaluate `args.model` against the real images of `args.dataset` or
    `args.data_dir`; print the metrics (and write `args.json`).

    Raises:
        UsageError: unknown metrics or dataset, a missing model file, or
            real images that are not floats in [-1, 1] (8-bit, NaN or inf,
            out of range), reported before any image is generated.
    """
    names = [m.strip() for m in args.metrics.split(",") if m.strip()]
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise UsageError(
            f"unknown metrics {unknown}; valid metrics: {', '.join(METRICS)}"
        )
    if args.data_dir is None:
        check_dataset(args.dataset)
    model, generator = load_generator(args.model)

    import keras_gan_layers as kgl
    from keras_gan_layers.cli.train import load_real_images
    from keras_gan_layers.metrics.checks import check_images

    image_shape = tuple(generator.outputs[0].shape[1:])
    real = load_real_images(args, image_shape)
    source = (
        f"--data-dir {args.data_dir}" if args.data_dir else f"--dataset {args.dataset}"
    )
    try:
        check_images(real, f"real images ({source})", "the evaluation")
    except ValueError as e:
        raise UsageError(str(e)) from None
    evaluation = kgl.GANEvaluation(
        real,
        metrics=names,
        num_samples=args.num_samples,
        feature_extractor=feature_extractor_for(
            None if args.data_dir else args.dataset
        ),
        seed=args.seed,
        generator=generator,
    )
    evaluation.set_model(model)
    results = {k[len("val_") :]: v for k, v in evaluation.evaluate().items()}
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:.6g}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0
