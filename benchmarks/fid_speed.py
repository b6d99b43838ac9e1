"""FID speed: this package's Cholesky/eigenvalue route vs pytorch-fid's scipy sqrtm.

    python benchmarks/fid_speed.py --n 10000 --n-singular 1000 --d 2048 --repeats 5

Two regimes, both from the same kind of synthetic Inception-like features
(non-negative, correlated, float64):

- well-conditioned: means and unbiased covariances of N=10,000 samples in
  d=2048 dimensions (positive definite);
- singular: N=1,000 < d samples per set (covariances of rank N - 1).

For each, the statistics are computed once (`np.cov`, untimed) and the
distance is timed from them: pytorch-fid's `calculate_frechet_distance`
(transcribed below: `scipy.linalg.sqrtm(sigma1 @ sigma2, disp=False)`, the
eps*I offset when not finite, `.real`) against `frechet_distance`. In the
singular regime `frechet_distance_from_features` (cross-Gram route, from the
raw features, means and traces included) is timed too. Then the streaming
statistics: `FeatureStatistics.update` (one `dsyrk` per batch into one
triangle) against the previous update (`outer += centred.T @ centred`) over
the same N=10,000 samples in batches.

The machine may be shared: every repeat runs the routes back to back
(interleaved), and the ratios are per repeat, reported as their median.
On a machine whose cores are busy with other work, multi-threaded OpenBLAS
slows down badly (its threads wait on each other at every synchronisation:
the tridiagonal reduction behind `eigvalsh` at d=2048 went from 0.5 s to
4-15 s on 2 busy cores); `--blas-threads 1` (threadpoolctl) or
`OPENBLAS_NUM_THREADS=1` gives comparable figures there.
"""

import argparse
import contextlib
import os
import statistics
import time
import warnings

import numpy as np
import scipy.linalg

from keras_gan_layers.metrics import (
    FeatureStatistics,
    frechet_distance,
    frechet_distance_from_features,
)
from keras_gan_layers.metrics.checks import as_features


def pytorch_fid_frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """pytorch-fid's `calculate_frechet_distance` (v0.3.0), transcribed."""
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # `disp` is deprecated since SciPy 1.16 (removed in 1.18); pytorch-fid
        # passes it, which adds the error estimate `norm(X @ X - A)`.
        warnings.simplefilter("ignore")
        try:
            covmean, _ = scipy.linalg.sqrtm(sigma1.dot(sigma2), disp=False)
        except TypeError:  # SciPy >= 1.18
            covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
        if not np.isfinite(covmean).all():
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    return float(
        diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)
    )


class GemmStatistics(FeatureStatistics):
    """The previous `FeatureStatistics.update`: a full `centred.T @ centred`."""

    def update(self, features):
        x = as_features(features, "features")
        if self.dim is None:
            self.dim = x.shape[1]
            self._shift = x.mean(axis=0)
            self._sum = np.zeros(self.dim)
            self._outer = np.zeros((self.dim, self.dim))
        centred = x - self._shift
        self.count += len(x)
        self._sum += centred.sum(axis=0)
        self._outer += centred.T @ centred

    def covariance(self):
        self._require(2)
        m = self._sum / self.count
        cov = (self._outer - self.count * np.outer(m, m)) / (self.count - 1)
        return (cov + cov.T) / 2.0


def features(rng, n, d, mix, shift):
    # Inception pool features are non-negative, correlated, of order 0.1-1.
    return np.abs(rng.normal(shift, 1.0, size=(n, d)) @ mix)


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def compare(routes, repeats):
    """Interleaved runs; `{name: (times, value)}`, the first route the baseline."""
    times = {name: [] for name in routes}
    values = {}
    for _ in range(repeats):
        for name, (fn, args) in routes.items():
            t, values[name] = timed(fn, *args)
            times[name].append(t)
    return times, values


def report(title, times, values, baseline):
    print(title)
    base_t, base_v = times[baseline], values[baseline]
    for name, ts in times.items():
        line = f"  {name:<46s} median {statistics.median(ts):7.3f} s"
        if name != baseline:
            ratios = [b / t for b, t in zip(base_t, ts)]
            rel = abs(values[name] - base_v) / abs(base_v)
            line += (
                f"   {statistics.median(ratios):6.1f}x faster (per-repeat "
                f"{min(ratios):.1f}-{max(ratios):.1f})   FID rel. diff {rel:.1e}"
            )
        else:
            line += f"   FID {base_v:.9f}"
        print(line)


def stream(cls, x, batch):
    s = cls()
    for i in range(0, len(x), batch):
        s.update(x[i : i + batch])
    return s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--n-singular", type=int, default=1000)
    parser.add_argument("--d", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS threads (needs threadpoolctl); default: BLAS's own",
    )
    args = parser.parse_args()
    with blas_threads(args.blas_threads) as threads:
        run(args, threads)


@contextlib.contextmanager
def blas_threads(limit):
    """Yields a description of the BLAS threads, limited to `limit` if given."""
    try:
        import threadpoolctl
    except ImportError:
        if limit is not None:
            raise SystemExit("--blas-threads needs threadpoolctl") from None
        yield f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
        return
    with threadpoolctl.threadpool_limits(limits=limit, user_api="blas"):
        info = threadpoolctl.threadpool_info()
        yield ", ".join(
            sorted(
                {
                    f"{i['internal_api']} {i['num_threads']} threads"
                    for i in info
                    if i["user_api"] == "blas"
                }
            )
        )


def run(args, threads):
    rng = np.random.default_rng(0)
    d = args.d
    mix = rng.normal(size=(d, d)) / np.sqrt(d)
    x = features(rng, args.n, d, mix, 0.0)
    y = features(rng, args.n, d, mix, 0.05)
    print(
        f"{os.cpu_count()} CPUs ({threads}), load average "
        f"{os.getloadavg()[0]:.1f} at start; "
        f"{args.repeats} interleaved repeats, median time and median per-repeat ratio"
    )

    stats = [x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)]
    times, values = compare(
        {
            "pytorch-fid (scipy.linalg.sqrtm)": (pytorch_fid_frechet_distance, stats),
            "frechet_distance (Cholesky, dsygst, eigvalsh)": (frechet_distance, stats),
        },
        args.repeats,
    )
    report(
        f"Well-conditioned: statistics of N={args.n} samples, d={d}",
        times,
        values,
        "pytorch-fid (scipy.linalg.sqrtm)",
    )

    xs, ys = x[: args.n_singular], y[: args.n_singular]
    stats = [xs.mean(0), np.cov(xs, rowvar=False), ys.mean(0), np.cov(ys, rowvar=False)]
    times, values = compare(
        {
            "pytorch-fid (scipy.linalg.sqrtm)": (pytorch_fid_frechet_distance, stats),
            "frechet_distance (pivoted Cholesky, rank r)": (frechet_distance, stats),
            "frechet_distance_from_features (cross-Gram)": (
                frechet_distance_from_features,
                (xs, ys),
            ),
        },
        args.repeats,
    )
    report(
        f"Singular: statistics of N={args.n_singular} < d={d} samples (rank "
        f"{args.n_singular - 1}); the features route starts from the raw features",
        times,
        values,
        "pytorch-fid (scipy.linalg.sqrtm)",
    )

    times = {"centred.T @ centred": [], "dsyrk (one triangle)": []}
    for _ in range(args.repeats):
        t, old = timed(stream, GemmStatistics, x, args.batch)
        times["centred.T @ centred"].append(t)
        t, new = timed(stream, FeatureStatistics, x, args.batch)
        times["dsyrk (one triangle)"].append(t)
    ratios = [
        a / b
        for a, b in zip(times["centred.T @ centred"], times["dsyrk (one triangle)"])
    ]
    old_cov, new_cov = old.covariance(), new.covariance()
    print(
        f"Streaming statistics: N={args.n}, d={d}, batches of {args.batch} "
        "(all update calls)"
    )
    for name, ts in times.items():
        print(f"  {name:<46s} median {statistics.median(ts):7.3f} s")
    print(
        f"  dsyrk {statistics.median(ratios):.2f}x faster (per-repeat "
        f"{min(ratios):.2f}-{max(ratios):.2f}); covariance max rel. diff "
        f"{np.max(np.abs(new_cov - old_cov)) / np.max(np.abs(old_cov)):.1e}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
