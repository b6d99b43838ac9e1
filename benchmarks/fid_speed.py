"""FID from features: this package's eigenvalue route vs pytorch-fid's scipy sqrtm.

    python benchmarks/fid_speed.py --n 10000 --d 2048

Both routes start from the same two feature sets (N x d, float64) and
compute means, unbiased covariances and the Frechet distance; the reference
is pytorch-fid's `calculate_frechet_distance` (scipy.linalg.sqrtm of
sigma1 @ sigma2). Runs alternate in one process; prints the median time of
each, their ratio and the relative difference of the two FID values.
"""

import argparse
import statistics
import time

import numpy as np
import scipy.linalg

from keras_gan_layers.metrics import FeatureStatistics, frechet_distance


def ours(x, y):
    stats = []
    for features in (x, y):
        s = FeatureStatistics()
        for i in range(0, len(features), 1000):  # streamed in batches, as in training
            s.update(features[i : i + 1000])
        stats.append(s)
    return frechet_distance(
        stats[0].mean(), stats[0].covariance(), stats[1].mean(), stats[1].covariance()
    )


def reference(x, y):
    mu1, s1 = x.mean(0), np.cov(x, rowvar=False)
    mu2, s2 = y.mean(0), np.cov(y, rowvar=False)
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    return float(
        diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--d", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # Inception pool features are non-negative, correlated, of order 0.1-1.
    mix = rng.normal(size=(args.d, args.d)) / np.sqrt(args.d)
    x = np.abs(rng.normal(size=(args.n, args.d)) @ mix)
    y = np.abs(rng.normal(0.05, 1.0, size=(args.n, args.d)) @ mix)
    times = {"ours": [], "scipy sqrtm": []}
    values = {}
    for _ in range(args.repeats):
        for name, fn in (("ours", ours), ("scipy sqrtm", reference)):
            start = time.perf_counter()
            values[name] = fn(x, y)
            times[name].append(time.perf_counter() - start)
    t_ours, t_ref = (
        statistics.median(times["ours"]),
        statistics.median(times["scipy sqrtm"]),
    )
    print(
        f"FID from features, N={args.n}, d={args.d}, median of {args.repeats} alternating runs"
    )
    print(
        f"  ours (eigenvalues, streamed statistics): {t_ours:8.2f} s   FID {values['ours']:.6f}"
    )
    print(
        f"  pytorch-fid (scipy.linalg.sqrtm):        {t_ref:8.2f} s   FID {values['scipy sqrtm']:.6f}"
    )
    print(
        f"  speed-up {t_ref / t_ours:.2f}x, relative difference "
        f"{abs(values['ours'] - values['scipy sqrtm']) / values['scipy sqrtm']:.2e}"
    )


if __name__ == "__main__":
    main()
