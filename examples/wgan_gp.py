"""Step 4 of the guide: WGAN-GP, the DCGAN of `dcgan.py` as a Wasserstein critic.

    python examples/wgan_gp.py           # about 2-5 minutes on 2 CPU cores
    python examples/wgan_gp.py --smoke   # seconds: checks that it runs

Arjovsky et al. (https://arxiv.org/abs/1701.07875) train D as a critic
whose score difference between real and generated images estimates the
Wasserstein-1 distance (`loss="wgan"`: no sigmoid, no log); Gulrajani et
al. (https://arxiv.org/abs/1704.00028) keep the critic 1-Lipschitz with a
gradient penalty, `10 * (|grad D(x_hat)| - 1)^2` on random interpolates of
real and generated images (`GradientPenalty`), and update the critic 5
times per generator update (`d_steps=5`), with Adam(1e-4, beta_1=0,
beta_2=0.9). The networks are those of `dcgan.py` (no batch normalization
in the critic, as the penalty requires). Data: the bundled 8x8 digits
upscaled to 16x16.

Writes to `--out`: ten sample grids over the run (`epoch_XXXX.png`, the same
latent vectors each time) and `history.csv` (d_loss, g_loss,
gradient_penalty, real_score, fake_score and val_fid per epoch). `val_fid`
is a digits-FID: the Frechet distance between the features of the bundled
digits classifier on 500 generated and 1,797 real digits (the real Inception
FID needs 299x299 inputs and its weights; this one is offline and comparable
across the guide's examples, not with published FIDs).

Measured (TensorFlow, seed 0): 30 epochs took 503 s wall (175 s of CPU time)
on a shared machine whose 2 cores were also busy with other jobs (load
average 8-12), so expect less on an idle one; the default is now 20 epochs
(580 generator and 2,900 critic updates). Digits-FID 327.3 after the first
epoch, 24.9 after 15, 17.0 after 20 and 14.3 after 30 (`dcgan.py`: 17.3
after 30).
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
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="wgan_gp_output")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)

    images = kgl.datasets.load_digits(image_size=16)  # (1797, 16, 16, 1) in [-1, 1]
    real, filters, samples = images, 32, 500
    if args.smoke:
        images, real = images[:64], images[:100]
        filters, samples, args.epochs = 4, 20, 1

    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(64, (16, 16, 1), filters=filters),
        kgl.architectures.dcgan_discriminator((16, 16, 1), filters=filters),
        seed=args.seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9),
        loss="wgan",
        penalties=[kgl.penalties.GradientPenalty(weight=10.0)],
        d_steps=5,
    )
    snapshots = kgl.ImageSnapshot(
        args.out, every_n_epochs=max(1, args.epochs // 10), scale=2
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
