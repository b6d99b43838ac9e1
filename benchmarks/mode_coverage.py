"""Mode coverage on the 2-D ring and grid, PacGAN's protocol (TensorFlow, CPU).

    python benchmarks/mode_coverage.py --seeds 0 1 2 3 4

Trains, for each mixture (`--kinds ring grid`) and seed, the issue's plain
GAN (BCE, `mlp_generator`/`mlp_discriminator` with 2 x 256 hidden units,
Adam 1e-4/0.5, batch 256), the recipe of docs/mode_coverage.md (3 x 256
networks, a minibatch standard deviation in the discriminator, Adam 1e-3,
12,000 steps) and two earlier recipes (no_mbstd: the same without the
minibatch standard deviation, 8,000 steps; recipe_2x256: 2 x 256, Adam
2e-3, 8,000 steps), then
scores 2,500 samples with `kgl.datasets.mode_coverage` (VEEGAN's and
PacGAN's protocol: a sample is high quality within 3 std of its nearest
mode; a mode is covered by one high-quality sample; reverse KL of the mode
histogram of high-quality samples from uniform). Prints one row per run and
a table of means over seeds next to the published rows.

Published rows (mean of 10 runs, 2,500 samples each):
- GAN and PacGAN4: Lin et al., 2018, Table 1, https://arxiv.org/abs/1712.04086
- GDPP-GAN: Elfeki et al., 2019, https://arxiv.org/abs/1812.00068 (as quoted
  in the issue; reverse KL not quoted).
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402
from keras_gan_layers import datasets  # noqa: E402

# name: {kind: (modes, high-quality fraction, reverse KL or None)}
PUBLISHED = {
    "GAN (PacGAN T1)": {"ring": (6.3, 0.982, 0.45), "grid": (17.3, 0.948, 0.70)},
    "PacGAN4 (PacGAN T1)": {"ring": (7.8, 0.959, 0.07), "grid": (24.8, 0.936, 0.04)},
    "GDPP-GAN (Elfeki 2019)": {"ring": (8.0, 0.717, None), "grid": (24.8, 0.685, None)},
}


def baseline(kind, seed, steps):
    """The issue's plain GAN: BCE, 2 x 256, Adam 1e-4/0.5, batch 256."""
    gan = kgl.GAN(
        kgl.architectures.mlp_generator(2, (2,), output_activation=None),
        kgl.architectures.mlp_discriminator((2,)),
        seed=seed,
        data_range=None,
    )
    gan.compile(
        keras.optimizers.Adam(1e-4, beta_1=0.5),
        keras.optimizers.Adam(1e-4, beta_1=0.5),
        loss="bce",
    )
    return gan, 256, steps or 8000


def recipe(kind, seed, steps, mbstd_group_size=4, default_steps=12000):
    """The recipe of docs/mode_coverage.md (kept in step with it).

    3 x 256 MLPs (2-D latent, BCE), the discriminator with a minibatch
    standard deviation over groups of 4 before its last hidden layer; Adam
    1e-3 (beta_1 0.5, beta_2 0.9) decayed to 0 on a cosine over the run,
    batch 512, samples from an EMA (0.99) of the generator's weights,
    12,000 steps.
    """
    steps = steps or default_steps
    gan = kgl.GAN(
        kgl.architectures.mlp_generator(
            2, (2,), hidden_units=(256, 256, 256), output_activation=None
        ),
        kgl.architectures.mlp_discriminator(
            (2,), hidden_units=(256, 256, 256), mbstd_group_size=mbstd_group_size
        ),
        seed=seed,
        data_range=None,
        ema_decay=0.99,
    )

    def adam():
        schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.0)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.9)

    gan.compile(adam(), adam(), loss="bce")
    return gan, 512, steps


def no_mbstd(kind, seed, steps):
    """The earlier recipe: `recipe` without the minibatch standard deviation,
    8,000 steps."""
    return recipe(kind, seed, steps, mbstd_group_size=None, default_steps=8000)


def recipe_2x256(kind, seed, steps):
    """The earlier recipe: the baseline's 2 x 256 networks, Adam 2e-3.

    Otherwise as `recipe` (cosine decay to 0, beta_2 0.9, batch 512, EMA
    0.99, 8,000 steps).
    """
    steps = steps or 8000
    gan = kgl.GAN(
        kgl.architectures.mlp_generator(2, (2,), output_activation=None),
        kgl.architectures.mlp_discriminator((2,)),
        seed=seed,
        data_range=None,
        ema_decay=0.99,
    )

    def adam():
        schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.0)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=0.9)

    gan.compile(adam(), adam(), loss="bce")
    return gan, 512, steps


CONFIGS = {
    "baseline": baseline,
    "recipe": recipe,
    "no_mbstd": no_mbstd,
    "recipe_2x256": recipe_2x256,
}


def run(config, kind, seed, steps, num_samples):
    keras.utils.set_random_seed(seed)
    gan, batch_size, steps = CONFIGS[config](kind, seed, steps)
    data = datasets.gaussian_mixture(kind, batch_size * steps, seed=seed)
    start, cpu = time.perf_counter(), time.process_time()
    gan.fit(data, batch_size=batch_size, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(f"  ({config} {kind} seed {seed}: CPU time {cpu:.0f} s)")
    stats = datasets.mode_coverage(gan.generate(num_samples, seed=10_000 + seed), kind)
    return stats, steps, seconds, cpu


def fmt(modes, num_modes, hq, kl):
    kl = "" if kl is None else f"{kl:.3f}"
    return f"{modes:5.1f}/{num_modes:<3d}{100 * hq:6.1f}%{kl:>8}"


def summarize(rows, kinds):
    """Table of means over seeds, one line per config, then the papers' rows."""
    num = {"ring": 8, "grid": 25}
    configs = list(dict.fromkeys(r["config"] for r in rows))
    print(
        f"\n{'mean over seeds':<24}"
        + "".join(f"{k + ': modes  HQ  rKL (n)':<30}" for k in kinds)
    )
    for config in configs:
        line = f"{config:<24}"
        for kind in kinds:
            sel = [r for r in rows if r["config"] == config and r["kind"] == kind]
            if not sel:
                line += f"{'-':<30}"
                continue
            mean = [float(np.mean([r[k] for r in sel])) for k in ("modes", "hq", "kl")]
            line += f"{fmt(mean[0], num[kind], *mean[1:]) + f' ({len(sel)})':<30}"
        print(line)
    for name, row in PUBLISHED.items():
        print(
            f"{name:<24}"
            + "".join(f"{fmt(row[k][0], num[k], *row[k][1:]):<30}" for k in kinds)
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["ring", "grid"])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="generator updates (default: each config's)",
    )
    parser.add_argument("--samples", type=int, default=2500)
    parser.add_argument("--jsonl", help="append one JSON line per run to this file")
    parser.add_argument(
        "--summarize",
        nargs="+",
        metavar="JSONL",
        help="train nothing: print the table of runs saved with --jsonl",
    )
    args = parser.parse_args()
    if args.summarize:
        rows = []
        for path in args.summarize:
            with open(path) as f:
                rows += [json.loads(line) for line in f if line.strip()]
        summarize(rows, args.kinds)
        return
    rows = []
    print(
        f"{'config':<10}{'kind':<6}{'seed':>5}{'steps':>7}{'s':>6}   modes    HQ     rKL"
    )
    for kind in args.kinds:
        for config in args.configs:
            for seed in args.seeds:
                stats, steps, seconds, cpu = run(
                    config, kind, seed, args.steps, args.samples
                )
                row = {
                    "config": config,
                    "kind": kind,
                    "seed": seed,
                    "steps": steps,
                    "seconds": round(seconds, 1),
                    "cpu_seconds": round(cpu, 1),
                    "modes": stats["modes_covered"],
                    "hq": stats["high_quality_fraction"],
                    "kl": stats["kl_to_uniform"],
                }
                rows.append(row)
                if args.jsonl:
                    with open(args.jsonl, "a") as f:
                        f.write(json.dumps(row) + "\n")
                print(
                    f"{config:<10}{kind:<6}{seed:>5}{steps:>7}{seconds:>6.0f}  "
                    + fmt(row["modes"], stats["num_modes"], row["hq"], row["kl"]),
                    flush=True,
                )
    summarize(rows, args.kinds)


if __name__ == "__main__":
    main()
