"""FID of generator-EMA samples against the raw generator's, after the same run.

    python benchmarks/ema_quality.py --epochs 30 --decays 0.99 0.999 --seeds 0 1 2

Trains the DCGAN of the README's quick start on the bundled 8x8 digits
(BCE, Adam 2e-4/0.5, batch 64) once per seed with `ema_decay` set, then
computes FID (bundled digits classifier features, 1,797 real images against
1,797 samples) of `ema_generator` and of `generator` on the same latents.
Prints one row per seed and decay and the mean ratio EMA/raw (< 1: EMA
better).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402
from keras_gan_layers.utils.sampling import generate_numpy, latent_vectors  # noqa: E402


def fid(extractor, real_stats, images):
    stats = kgl.metrics.FeatureStatistics()
    stats.update(kgl.metrics.streaming.extract(extractor, images))
    return kgl.metrics.frechet_distance(
        real_stats.mean(), real_stats.covariance(), stats.mean(), stats.covariance()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--decays", type=float, nargs="+", default=[0.99, 0.999])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    images = kgl.datasets.load_digits()
    extractor = kgl.metrics.DigitsFeatureExtractor()
    real_stats = kgl.metrics.FeatureStatistics()
    real_stats.update(kgl.metrics.streaming.extract(extractor, images))
    print(f"{'decay':>7}{'seed':>6}{'FID raw':>10}{'FID EMA':>10}{'EMA/raw':>9}")
    for decay in args.decays:
        ratios = []
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            gan = kgl.GAN(
                kgl.architectures.dcgan_generator(
                    32, (8, 8, 1), normalization="batch", activation="relu"
                ),  # the paper's generator, which the figures above used
                kgl.architectures.dcgan_discriminator((8, 8, 1)),
                seed=seed,
                ema_decay=decay,
            )
            gan.compile(loss="bce")
            gan.fit(images, batch_size=64, epochs=args.epochs, verbose=0)
            z = latent_vectors((32,), len(images), seed=100 + seed)
            raw = fid(extractor, real_stats, generate_numpy(gan.generator, z))
            ema = fid(extractor, real_stats, generate_numpy(gan.ema_generator, z))
            ratios.append(ema / raw)
            print(f"{decay:>7}{seed:>6}{raw:>10.2f}{ema:>10.2f}{ema / raw:>9.3f}")
        print(f"{decay:>7}{'mean':>6}{'':>20}{np.mean(ratios):>9.3f}")


if __name__ == "__main__":
    main()
