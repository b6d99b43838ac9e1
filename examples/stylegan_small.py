"""A small StyleGAN2-like GAN on the bundled digits: R1 penalty, generator EMA.

    python examples/stylegan_small.py             # a few minutes on 2 CPU cores
    python examples/stylegan_small.py --baseline  # also the default DCGAN job
    python examples/stylegan_small.py --smoke     # seconds: checks that it runs

Trains `style_generator` (mapping network, modulated convolutions, noise,
skip toRGB) against `style_discriminator` (residual, minibatch standard
deviation) on the 8x8 digits upscaled to 16x16, with the non-saturating
loss, an R1 penalty and an EMA of the generator (what `generate` samples
from; with 0.999 it pays off in runs of many thousands of steps, so the raw
generator is scored too). It reports a digits-FID (the package's streaming `FrechetDistance`
on the bundled digits classifier's features, generated samples against all
1,797 real digits) without and with truncation toward the mean w. With
`--baseline` the default `keras-gan train` DCGAN (BCE, Adam(2e-4,
beta_1=0.5)) is trained for the same number of steps and scored the same way.

Step 8 of the guide: StyleGAN (Karras et al., https://arxiv.org/abs/1812.04948)
and StyleGAN2 (https://arxiv.org/abs/1912.04958); R1 from Mescheder et al.
(https://arxiv.org/abs/1801.04406).

Writes to `--out`: sample grids of the EMA generator (`epoch_XXXX.png`),
`history.csv` (d_loss, g_loss, r1_penalty, real_score, fake_score per
epoch), the truncated grid (`samples_psi.png`) and `generator.keras`.
"""

import argparse
import os
import time

import keras

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int
from keras_gan_layers.utils.sampling import generate_numpy


def digits_fid(gan, real, num_samples, seed=0, generator=None):
    """FID of `num_samples` generated images against `real` (digits features).

    Samples come from `gan.generate` (the EMA generator), or from
    `generator` on the same latent vectors.
    """
    if generator is None:
        fake = gan.generate(num_samples, seed=seed)
    else:
        latents = gan.generation_latents(num_samples, seed)
        fake = generate_numpy(generator, latents)
    fid = kgl.metrics.FrechetDistance(kgl.metrics.DigitsFeatureExtractor())
    fid.update_state(real=real)
    fid.update_state(fake=fake)
    return float(fid.result())


def style_gan(
    image_shape, latent_dim, filters, mapping_layers, seed, run_eagerly=False
):
    gan = kgl.GAN(
        kgl.architectures.style_generator(
            latent_dim,
            image_shape,
            filters=filters,
            max_filters=4 * filters,
            mapping_layers=mapping_layers,
        ),
        kgl.architectures.style_discriminator(
            image_shape, filters=filters, max_filters=4 * filters
        ),
        seed=seed,
        ema_decay=0.999,
    )
    # StyleGAN2: Adam(beta_1=0, beta_2=0.99); R1 on the real images.
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99),
        g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99),
        loss="bce",  # non-saturating
        penalties=[kgl.penalties.R1Penalty(gamma=0.1)],
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
    parser.add_argument("--mapping-layers", type=positive_int, default=4)
    parser.add_argument("--psi", type=float, default=0.7, help="truncation psi")
    parser.add_argument("--fid-samples", type=positive_int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="stylegan_small_output")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)
    real = kgl.datasets.load_digits(image_size=16)  # (1797, 16, 16, 1)
    if args.smoke:
        real = real[:200]
        args.epochs, args.batch_size, args.filters = 1, 32, 8
        args.mapping_layers, args.fid_samples = 2, 100
    # Minibatch stddev needs every batch divisible by its group size (4):
    # train on a whole number of batches.
    images = real[: len(real) // args.batch_size * args.batch_size]
    if args.smoke:
        images = images[:32]  # one step
    os.makedirs(args.out, exist_ok=True)

    # --smoke on TensorFlow: a few steps, which cost less eagerly than traced.
    eager = args.smoke and keras.backend.backend() == "tensorflow"
    gan = style_gan(
        images.shape[1:],
        args.latent_dim,
        args.filters,
        args.mapping_layers,
        args.seed,
        eager,
    )
    snapshots = kgl.ImageSnapshot(  # from the EMA generator
        args.out, every_n_epochs=max(1, args.epochs // 10), scale=2
    )
    history = os.path.join(args.out, "history.csv")
    callbacks = [snapshots, keras.callbacks.CSVLogger(history)]
    steps, seconds = train(gan, images, args, callbacks)
    fid = digits_fid(gan, real, args.fid_samples, args.seed)
    fid_raw = digits_fid(gan, real, args.fid_samples, args.seed, gan.generator)
    print(
        f"style G + D, BCE + R1: {steps} steps in {seconds:.0f} s, "
        f"digits-FID ({args.fid_samples} samples vs {len(real)} real) = "
        f"{fid:.2f} (EMA generator), {fid_raw:.2f} (raw generator)"
    )
    # Truncation toward the running mean of w, on the EMA generator.
    kgl.architectures.set_truncation(gan.sampling_generator, args.psi)
    fid_psi = digits_fid(gan, real, args.fid_samples, args.seed)
    print(f"  with truncation psi={args.psi}: digits-FID = {fid_psi:.2f}")
    grid = os.path.join(args.out, "samples_psi.png")
    kgl.utils.save_image_grid(gan.generate(64, seed=args.seed), grid, scale=4)
    kgl.architectures.set_truncation(gan.sampling_generator, 1.0)
    generator = os.path.join(args.out, "generator.keras")
    gan.sampling_generator.save(generator)
    print(f"samples: {snapshots.written[-1]}\nhistory: {history}")
    print(f"samples (psi={args.psi}): {grid}\nEMA generator: {generator}")

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
