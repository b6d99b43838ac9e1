"""SNGAN on the bundled digits: ResNet G, spectrally normalized ResNet D, hinge loss.

    python examples/resnet_hinge_sn.py             # a few minutes on 2 CPU cores
    python examples/resnet_hinge_sn.py --baseline  # also the default DCGAN job
    python examples/resnet_hinge_sn.py --smoke     # seconds: checks that it runs

Trains on the 8x8 digits upscaled to 16x16 (as `keras-gan train` does by
default), then reports a digits-FID: the package's streaming
`FrechetDistance` on the features of the bundled digits classifier,
generated samples against all 1,797 real digits. With `--baseline` the
default `keras-gan train` DCGAN (BCE, Adam(2e-4, beta_1=0.5)) is trained for
the same number of steps and scored with the same function.

Step 7 of the guide: spectral normalization (Miyato et al.,
https://arxiv.org/abs/1802.05957), the hinge loss (Lim & Ye,
https://arxiv.org/abs/1705.02894) and ResNet networks (Gulrajani et al.,
https://arxiv.org/abs/1704.00028), the SNGAN / BigGAN recipe (Brock et al.,
https://arxiv.org/abs/1809.11096).

Writes to `--out`: sample grids (`epoch_XXXX.png`), `history.csv` (d_loss,
g_loss, real_score, fake_score per epoch) and `generator.keras`.
"""

import argparse
import os
import time

import keras

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int


def digits_fid(gan, real, num_samples, seed=0):
    """FID of `num_samples` generated images against `real` (digits features)."""
    fid = kgl.metrics.FrechetDistance(kgl.metrics.DigitsFeatureExtractor())
    fid.update_state(real=real)
    fid.update_state(fake=gan.generate(num_samples, seed=seed))
    return float(fid.result())


def resnet_gan(image_shape, latent_dim, filters, seed, run_eagerly=False):
    gan = kgl.GAN(
        kgl.architectures.resnet_generator(latent_dim, image_shape, filters=filters),
        kgl.architectures.resnet_discriminator(image_shape, filters=filters),
        seed=seed,
    )
    # SNGAN / BigGAN settings: Adam with beta_1 = 0, beta_2 = 0.9.
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.0, beta_2=0.9),
        loss="hinge",
        run_eagerly=run_eagerly,
    )
    return gan


def dcgan_baseline(image_shape, seed):
    """The network and settings of the default `keras-gan train` job."""
    gan = kgl.GAN(
        kgl.architectures.dcgan_generator(64, image_shape, filters=64),
        kgl.architectures.dcgan_discriminator(image_shape, filters=64),
        seed=seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="bce",
    )
    return gan


def train(gan, images, args, callbacks=()):
    start = time.time()
    gan.fit(
        images,
        batch_size=args.batch_size,
        epochs=args.epochs,
        verbose=0,
        callbacks=list(callbacks),
    )
    steps = int(gan.g_optimizer.iterations.numpy())
    return steps, time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    parser.add_argument("--baseline", action="store_true", help="also the DCGAN job")
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--filters", type=positive_int, default=32)
    parser.add_argument("--latent-dim", type=positive_int, default=64)
    parser.add_argument("--fid-samples", type=positive_int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="resnet_hinge_sn_output")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)
    images = kgl.datasets.load_digits(image_size=16)  # (1797, 16, 16, 1)
    real = images
    if args.smoke:
        images, real = images[:32], images[:200]  # one step
        args.epochs, args.batch_size, args.filters = 1, 32, 8
        args.fid_samples = 100
    os.makedirs(args.out, exist_ok=True)

    # --smoke on TensorFlow: a few steps, which cost less eagerly than traced.
    eager = args.smoke and keras.backend.backend() == "tensorflow"
    gan = resnet_gan(images.shape[1:], args.latent_dim, args.filters, args.seed, eager)
    snapshots = kgl.ImageSnapshot(
        args.out, every_n_epochs=max(1, args.epochs // 10), scale=2
    )
    history = os.path.join(args.out, "history.csv")
    callbacks = [snapshots, keras.callbacks.CSVLogger(history)]
    steps, seconds = train(gan, images, args, callbacks)
    fid = digits_fid(gan, real, args.fid_samples, args.seed)
    print(
        f"ResNet G + SN ResNet D, hinge: {steps} steps in {seconds:.0f} s, "
        f"digits-FID ({args.fid_samples} samples vs {len(real)} real) = {fid:.2f}"
    )
    generator = os.path.join(args.out, "generator.keras")
    gan.generator.save(generator)
    print(f"samples: {snapshots.written[-1]}\nhistory: {history}")
    print(f"generator: {generator}")

    if args.baseline:
        baseline = dcgan_baseline(images.shape[1:], args.seed)
        steps, seconds = train(baseline, images, args)
        fid = digits_fid(baseline, real, args.fid_samples, args.seed)
        print(
            f"default DCGAN job, BCE: {steps} steps in {seconds:.0f} s, "
            f"digits-FID ({args.fid_samples} samples vs {len(real)} real) = {fid:.2f}"
        )


if __name__ == "__main__":
    main()
