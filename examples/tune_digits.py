"""Step 9 of the guide: search GAN hyperparameters on the digits with keras-tuner.

    pip install "keras-gan-layers[tuner]"
    python examples/tune_digits.py           # a few minutes on 2 CPU cores
    python examples/tune_digits.py --smoke   # seconds: checks that it runs

`GANHyperModel` builds a DCGAN from a keras-tuner `hp`: the loss (bce,
lsgan, hinge, WGAN-GP), both learning rates, Adam's beta_1, `d_steps`, the
penalty weight, the width and the latent size; its `fit` logs `val_kid`
(KID, Binkowski et al., https://arxiv.org/abs/1801.01401, here on the
bundled digits classifier's features against 400 held-out digits), which
the tuner minimises. GANs need such a search per loss (Lucic et al.,
https://arxiv.org/abs/1711.10337). Any keras-tuner tuner works; this is a
random search.

Writes to `--out`: `history.csv` (the best trial's logs per epoch, as keras-tuner
recorded them: d_loss, g_loss, val_kid, ...),
`trials.csv` (one row per trial: id, status, best val_kid, hyperparameters),
a sample grid of the best model (`epoch_XXXX.png`, `ImageSnapshot`), its
generator (`best_generator.keras`) and keras-tuner's own folder (`search/`).

Measured (TensorFlow, seed 0): 6 trials of 3 epochs took 718 s wall (136 s
of CPU time) on a shared machine whose 2 cores were also busy with other
jobs (load average 8-12), so expect less on an idle one. The best trial
(lsgan, Adam beta_1=0, d_steps=4, latent_dim 128) reached val_kid 202; the
others 239 to 314. (KID on the digits classifier's 64 unnormalised
features is on another scale than Inception KID.)
"""

import argparse
import csv
import os

import keras
import keras_tuner as kt
import numpy as np

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int
from keras_gan_layers.tuners import GANHyperModel, check_search, trials_table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=positive_int, default=6)
    parser.add_argument("--epochs", type=positive_int, default=3, help="per trial")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="tune_digits_output")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)

    images = kgl.datasets.load_digits()  # (1797, 8, 8, 1) in [-1, 1]
    images = images[np.random.default_rng(args.seed).permutation(len(images))]
    held_out, train = images[:400], images[400:]
    filters, eval_samples = 32, 400
    if args.smoke:
        held_out, train, filters, eval_samples = held_out[:50], train[:64], 4, 50
        args.trials, args.epochs = 1, 1

    hypermodel = GANHyperModel(
        image_shape=(8, 8, 1),
        real_data=held_out,  # generated samples are compared with these
        feature_extractor=kgl.metrics.DigitsFeatureExtractor(),  # offline
        eval_samples=eval_samples,
        seed=args.seed,
    )
    fixed = kt.HyperParameters()
    fixed.Fixed("filters", filters)  # keep any part of the space fixed

    tuner = kt.RandomSearch(
        hypermodel,
        objective=GANHyperModel.objective,  # Objective("val_kid", "min")
        max_trials=args.trials,
        hyperparameters=fixed,
        tune_new_entries=True,
        seed=args.seed,
        directory=os.path.join(args.out, "search"),
        overwrite=True,
    )
    tuner.search(train, epochs=args.epochs, batch_size=64, verbose=0)
    check_search(tuner)  # raises if every trial failed, warns about failed ones

    # The best trial's logs per epoch, as keras-tuner recorded them (one CSV
    # for all trials would mix columns: WGAN-GP trials log gradient_penalty).
    best_trial = tuner.oracle.get_best_trials(1)[0]
    names = sorted(best_trial.metrics.metrics)
    history = os.path.join(args.out, "history.csv")
    with open(history, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", *names])
        for epoch in range(args.epochs):
            values = {}
            for name in names:
                for observation in best_trial.metrics.get_history(name):
                    if observation.step == epoch:
                        values[name] = observation.value[0]
            writer.writerow([epoch, *(values.get(name, "") for name in names)])

    rows = trials_table(tuner)
    table = os.path.join(args.out, "trials.csv")
    with open(table, "w", newline="") as f:
        columns = sorted({key for row in rows for key in row})
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        print(f"trial {row['trial_id']}: {row['status']}, val_kid {row['score']}")

    best = tuner.get_best_models(1)[0]
    print("best:", tuner.get_best_hyperparameters()[0].values)
    snapshots = kgl.ImageSnapshot(args.out, scale=4)
    snapshots.set_model(best)
    samples = snapshots.snapshot(args.epochs - 1)  # the best trial after its epochs
    generator = os.path.join(args.out, "best_generator.keras")
    best.generator.save(generator)
    print(f"samples (best model): {samples}")
    print(f"history: {history}\ntrials: {table}\ngenerator: {generator}")


if __name__ == "__main__":
    main()
