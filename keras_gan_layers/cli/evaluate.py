"""`keras-gan evaluate`: FID, KID, IS (and PRDC) of a saved generator."""

import json

from keras_gan_layers.cli.common import (
    UsageError,
    add_data_arguments,
    check_dataset,
    load_generator,
    positive_int,
)

METRICS = ("fid", "kid", "is", "prdc", "intra_fid")
EXTRACTORS = ("auto", "inception", "digits")
RESIZES = ("clean", "pytorch-fid")


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
    add_extractor_arguments(p)
    p.add_argument(
        "--ref-stats",
        default=None,
        metavar="FILE",
        help="FID against these statistics (.npz with mu and sigma, pytorch-fid's "
        "layout) instead of the dataset's images",
    )
    p.add_argument(
        "--save-ref-stats",
        default=None,
        metavar="FILE",
        help="write the real images' feature statistics to FILE (.npz)",
    )
    return p


def add_extractor_arguments(p):
    p.add_argument(
        "--extractor",
        choices=EXTRACTORS,
        default="auto",
        help="feature network: inception (FID Inception-v3, downloaded once), "
        "digits (bundled, offline), auto (digits for --dataset digits, else "
        "inception when its weights are cached, else digits with a warning)",
    )
    p.add_argument(
        "--resize",
        choices=RESIZES,
        default="clean",
        help="how Inception's input is resized: clean (clean-fid) or pytorch-fid",
    )


def feature_extractor_for(dataset, extractor="auto", resize="clean"):
    """The feature extractor `--extractor`/`--resize` name for `dataset`."""
    from keras_gan_layers import metrics

    if extractor == "digits" or (extractor == "auto" and dataset == "digits"):
        return metrics.DigitsFeatureExtractor()
    if extractor == "auto":
        return metrics.default_feature_extractor(resize=resize)
    try:
        return metrics.InceptionFeatureExtractor(resize=resize)
    except RuntimeError as e:
        raise UsageError(str(e).replace("\n", " ")) from None


def check_writable_file(option, path):
    """UsageError unless `path` can be written (probed before any work)."""
    import os

    existed = os.path.exists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as e:
        raise UsageError(
            f"{option} {path}: cannot write there ({e.strerror})"
        ) from None
    if not existed:
        os.remove(path)


def real_labels(dataset):
    """The labels of `dataset`, in the order `load_real_images` reads it."""
    from keras_gan_layers import datasets

    if dataset == "digits":
        return datasets.load_digits(return_labels=True)[1]
    return datasets.load(dataset, return_labels=True)[1]


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
    for option, path in (
        ("--json", args.json),
        ("--save-ref-stats", args.save_ref_stats),
    ):
        if path:
            check_writable_file(option, path)
    reference = None
    if args.ref_stats is not None:
        from keras_gan_layers.metrics import load_statistics

        try:
            reference = load_statistics(args.ref_stats)
        except ValueError as e:
            raise UsageError(f"--ref-stats: {e}") from None
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
    labels = None
    if "intra_fid" in names:
        if args.data_dir is not None:
            raise UsageError("intra_fid needs labelled real images: use --dataset")
        labels = real_labels(args.dataset)[: len(real)]
    extractor = feature_extractor_for(
        None if args.data_dir else args.dataset, args.extractor, args.resize
    )
    try:
        evaluation = kgl.GANEvaluation(
            real if labels is None else (real, labels),
            metrics=names,
            num_samples=args.num_samples,
            feature_extractor=extractor,
            seed=args.seed,
            generator=generator,
            reference_statistics=reference,
        )
        evaluation.set_model(model)
        evaluation.check_model()
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(f"extractor  {evaluation.description}")
    if args.save_ref_stats:
        from keras_gan_layers.metrics import FeatureStatistics, save_statistics
        from keras_gan_layers.metrics.streaming import extract

        stats = FeatureStatistics()
        stats.update(extract(extractor, real, evaluation.batch_size))
        written = save_statistics(
            args.save_ref_stats,
            stats.mean(),
            stats.covariance(),
            extractor=evaluation.description,
        )
        print(f"statistics of {len(real)} real images -> {written}")
    results = {k[len("val_") :]: v for k, v in evaluation.evaluate().items()}
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value:.6g}")
    if args.json:
        payload = {**results, "extractor": evaluation.description}
        if "intra_fid" in names:
            payload["intra_fid_per_class"] = {
                str(c): v for c, v in evaluation.intra_fid_per_class.items()
            }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=2)
    return 0
