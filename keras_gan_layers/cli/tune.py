"""`keras-gan tune`: a keras-tuner random search judged by KID."""

import csv
import json
import os

from keras_gan_layers.cli.common import (
    DATASETS,
    UsageError,
    check_dataset,
    line_plot,
    positive_int,
    writable_directory,
)


def add_parser(subparsers, name):
    p = subparsers.add_parser(
        name, help="search GAN hyperparameters with keras-tuner, objective KID"
    )
    p.add_argument(
        "--dataset",
        default="digits",
        help=f"one of: {', '.join(DATASETS)} (default: digits)",
    )
    p.add_argument(
        "--image-size",
        type=positive_int,
        default=None,
        help="default: 8 for digits, native otherwise",
    )
    p.add_argument("--trials", type=positive_int, default=10)
    p.add_argument("--epochs", type=positive_int, default=5, help="epochs per trial")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument(
        "--eval-samples",
        type=positive_int,
        default=500,
        help="generated samples per KID",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--out",
        default="keras_gan_tune",
        help="output directory (default: ./keras_gan_tune)",
    )
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=0)
    return p


def plot_trials(rows, path):
    import numpy as np

    ids = [int(r["trial_id"]) for r in rows]
    scores = np.array(
        [np.nan if r["score"] is None else r["score"] for r in rows], float
    )
    best = np.fmin.accumulate(scores)  # NaN (failed trials) ignored
    series = [("trial KID", ids, scores, "o-"), ("best so far", ids, best, "--")]
    line_plot(path, series, "trial", "val_kid (lower is better)")


def run(args):
    check_dataset(args.dataset)
    if args.image_size is not None and args.image_size % 4:
        raise UsageError(f"--image-size must be divisible by 4, got {args.image_size}")
    writable_directory(args.out)
    try:
        import keras_tuner as kt

        from keras_gan_layers.tuners import GANHyperModel, check_search, trials_table
    except ImportError as e:
        raise UsageError(str(e).replace("\n", " ")) from None

    import keras
    import numpy as np

    from keras_gan_layers.cli.evaluate import feature_extractor_for
    from keras_gan_layers.cli.train import load_real_images

    keras.utils.set_random_seed(args.seed)
    args.data_dir = None
    if args.dataset == "digits":
        size = args.image_size or 8
        images = load_real_images(args, (size, size, 1))
    else:
        from keras_gan_layers import datasets

        try:
            images = datasets.load(args.dataset)
        except RuntimeError as e:
            raise UsageError(str(e)) from None
        if args.image_size:
            images = load_real_images(
                args, (args.image_size, args.image_size, images.shape[-1])
            )
    images = images[np.random.default_rng(args.seed).permutation(len(images))]
    held_out = images[: max(2, len(images) // 5)]
    train = images[len(held_out) :]
    hypermodel = GANHyperModel(
        images.shape[1:],
        real_data=held_out,
        feature_extractor=feature_extractor_for(args.dataset),
        eval_samples=min(args.eval_samples, len(held_out)),
        seed=args.seed,
    )
    tuner = kt.RandomSearch(
        hypermodel,
        objective=GANHyperModel.objective,
        max_trials=args.trials,
        seed=args.seed,
        directory=os.path.join(args.out, "search"),
        project_name="gan",
        overwrite=True,
    )
    tuner.search(
        train, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose
    )
    rows = trials_table(tuner)
    with open(os.path.join(args.out, "trials.json"), "w") as f:
        json.dump(rows, f, indent=2)
    first, last = ["trial_id", "status", "score"], ["error"]
    middle = sorted({k for row in rows for k in row} - set(first) - set(last))
    keys = first + middle + last
    with open(os.path.join(args.out, "trials.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)
    plot_trials(rows, os.path.join(args.out, "objective.png"))
    try:
        check_search(tuner)
    except RuntimeError as e:
        raise UsageError(str(e).replace("\n", " |")) from None
    best_hp = tuner.get_best_hyperparameters()[0]
    best_trial = tuner.oracle.get_best_trials(1)[0]
    best = tuner.get_best_models(1)[0]
    best.generator.save(os.path.join(args.out, "best_generator.keras"))
    print(
        f"best KID {best_trial.score:.6g} (trial {best_trial.trial_id} of {len(rows)})"
    )
    for name, value in best_hp.values.items():
        print(f"  {name} = {value}")
    print(
        f"wrote {args.out}/: trials.csv, trials.json, objective.png, best_generator.keras"
    )
    return 0
