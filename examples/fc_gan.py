"""Step 1 of the guide: the original GAN, fully connected networks on 8x8 digits.

    python examples/fc_gan.py           # about 4 minutes on 2 CPU cores
    python examples/fc_gan.py --smoke   # seconds: checks that it runs

Goodfellow et al. (https://arxiv.org/abs/1406.2661): a generator G maps a
latent vector z to an image, a discriminator D outputs one logit (real or
generated), and the two are trained in turn, D to tell real from fake, G to
fool D. The loss is the paper's non-saturating form (G maximises log D(G(z))
instead of minimising log(1 - D(G(z))); `loss="minimax"` is the other one),
on logits. Both networks are multilayer perceptrons (`mlp_generator`,
`mlp_discriminator` with dropout, as in the paper), on the bundled 8x8 digits
flattened by the networks themselves.

Writes to `--out`: ten sample grids over the run (`epoch_XXXX.png`, the same
latent vectors each time) and `history.csv` (d_loss, g_loss, real_score,
fake_score and val_fid per epoch). `val_fid` is a digits-FID: the Frechet
distance between the features of the bundled digits classifier on 500
generated and 1,797 real digits (offline, comparable across the guide's
examples, not with published Inception FIDs).

Measured (TensorFlow, seed 0): 100 epochs (2,900 steps) took 224 s wall (49
s of CPU time) on a shared machine whose 2 cores were also busy with other
jobs (load average 8-12), so expect less on an idle one. Digits-FID after
the last epoch 21.2; it wanders between about 25 and 60 over the last 30
epochs (a fully connected GAN on 64 pixels: the digits are recognisable but
speckled, see the grids).
"""

import argparse
import os
import time

import keras

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="fc_gan_output")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)

    images = kgl.datasets.load_digits()  # (1797, 8, 8, 1) in [-1, 1]
    real, units, samples = images, (256, 256), 500
    if args.smoke:
        images, real = images[:64], images[:100]
        units, samples, args.epochs = (8,), 20, 1

    gan = kgl.GAN(
        kgl.architectures.mlp_generator(32, (8, 8, 1), hidden_units=units),
        kgl.architectures.mlp_discriminator((8, 8, 1), hidden_units=units, dropout=0.3),
        seed=args.seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="bce",  # non-saturating
    )
    snapshots = kgl.ImageSnapshot(
        args.out, every_n_epochs=max(1, args.epochs // 10), scale=4
    )
    start = time.time()
    history = gan.fit(
        images,
        batch_size=64,
        epochs=args.epochs,
        verbose=2,
        callbacks=[
            kgl.GANEvaluation(
                real,
                metrics="fid",
                num_samples=samples,
                feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
            ),
            snapshots,
            keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv")),
        ],
    )
    fids = history.history["val_fid"]
    best = min(range(len(fids)), key=fids.__getitem__)
    print(f"trained {args.epochs} epochs in {time.time() - start:.0f} s")
    print(
        f"digits-FID: {fids[-1]:.2f} last epoch, {fids[best]:.2f} best (epoch {best + 1})"
    )
    print(f"samples: {snapshots.written[-1]}")
    print(f"history: {os.path.join(args.out, 'history.csv')}")


if __name__ == "__main__":
    main()
