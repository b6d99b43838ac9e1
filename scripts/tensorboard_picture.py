"""Draw docs/images/tensorboard.png from a `keras-gan train --tensorboard` run.

    python scripts/tensorboard_picture.py                  # train, then draw (~2 min, CPU)
    python scripts/tensorboard_picture.py --logdir RUN/tb  # draw an existing run

Without `--logdir` it runs `keras-gan train --tensorboard WORK/tb` on the
bundled digits (`--epochs`, default 12, with KID and FID every 2 epochs) and
reads that. The picture is a rendering of the event files with matplotlib,
laid out like TensorBoard's dashboard (no browser runs offline here): one
card per scalar tag (the `train` run orange, `validation` blue; the faint
line is the raw value, the solid one TensorBoard's default smoothing, 0.6)
and the last image summary with its step. The event files are read with
TensorBoard's own `EventAccumulator`, so the picture shows what
`tensorboard --logdir` would.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "docs", "images", "tensorboard.png")

RUN_COLORS = {"train": "#ff7043", "validation": "#0077bb"}
#: Scalar cards, in this order (others the run logs follow).
FIRST_TAGS = (
    "epoch_d_loss",
    "epoch_g_loss",
    "epoch_real_score",
    "epoch_fake_score",
    "epoch_fid",
    "epoch_kid",
    "epoch_learning_rate_d_optimizer",
    "epoch_learning_rate_g_optimizer",
)
SKIP_TAGS = ("epoch_loss", "epoch_kid_std")  # d_loss + g_loss; KID's spread
SMOOTHING = 0.6  # TensorBoard's default
ORANGE = "#f57c00"  # TensorBoard's header


def train(work, epochs):
    """Run `keras-gan train --tensorboard WORK/tb` on the digits; return WORK/tb."""
    logdir = os.path.join(work, "tb")
    command = [
        sys.executable,
        "-m",
        "keras_gan_layers.cli.main",
        "train",
        "--out",
        os.path.join(work, "run"),
        "--tensorboard",
        logdir,
        "--epochs",
        str(epochs),
        "--eval-every",
        "2",
        "--eval-samples",
        "500",
        "--verbose",
        "2",
    ]
    print(" ".join(command[2:]).replace("keras_gan_layers.cli.main", "keras-gan"))
    subprocess.run(command, check=True, cwd=ROOT)
    return logdir


def read_run(directory):
    """`(scalars, images)` of one run folder: `{tag: (steps, values)}` and
    `{tag: (step, uint8 array)}` of each image tag's last summary."""
    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    from tensorboard.util.tensor_util import make_ndarray

    events = EventAccumulator(directory, size_guidance={"tensors": 0})
    events.Reload()
    scalars, images = {}, {}
    for tag in events.Tags()["tensors"]:
        points = events.Tensors(tag)
        last = make_ndarray(points[-1].tensor_proto)
        if last.dtype == object:  # an image summary: [width, height, png, ...]
            images[tag] = (points[-1].step, np.asarray(Image.open(io.BytesIO(last[2]))))
            continue
        scalars[tag] = (
            [p.step for p in points],
            [float(make_ndarray(p.tensor_proto)) for p in points],
        )
    return scalars, images


def smooth(values, weight=SMOOTHING):
    """TensorBoard's debiased exponential moving average."""
    out, last, count = [], 0.0, 0
    for value in values:
        count += 1
        last = last * weight + (1 - weight) * value
        out.append(last / (1 - weight**count))
    return out


def draw(logdir, output, columns=3):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter

    runs = {}
    for name in sorted(os.listdir(logdir)):
        if os.path.isdir(os.path.join(logdir, name)):
            runs[name] = read_run(os.path.join(logdir, name))
    if not runs:
        raise SystemExit(f"no TensorBoard runs (subfolders) in {logdir}")
    tags = {}
    for run, (scalars, _) in runs.items():
        for tag in scalars:
            if tag not in SKIP_TAGS:
                tags.setdefault(tag, []).append(run)
    order = [t for t in FIRST_TAGS if t in tags] + sorted(
        t for t in tags if t not in FIRST_TAGS
    )
    image = next(
        (
            (run, tag, *value)
            for run, (_, imgs) in runs.items()
            for tag, value in imgs.items()
        ),
        None,
    )
    rows = -(-len(order) // columns)
    figure = plt.figure(figsize=(10, 0.55 + 2.0 * rows), dpi=80, facecolor="#f5f6f7")
    # The header bar.
    header = figure.add_axes(
        [0, 1 - 0.45 / (0.55 + 2.0 * rows), 1, 0.45 / (0.55 + 2.0 * rows)]
    )
    header.set_facecolor(ORANGE)
    header.set_xticks([])
    header.set_yticks([])
    for side in header.spines.values():
        side.set_visible(False)
    header.text(
        0.012,
        0.5,
        "TensorBoard",
        color="white",
        fontsize=14,
        va="center",
        weight="bold",
    )
    header.text(
        0.19, 0.5, "SCALARS      IMAGES", color="white", fontsize=10, va="center"
    )
    header.text(
        0.99,
        0.5,
        f"--logdir {os.path.basename(os.path.normpath(logdir))}",
        color="white",
        fontsize=9,
        va="center",
        ha="right",
    )
    grid = figure.add_gridspec(
        rows,
        columns + 2,
        left=0.06,
        right=0.985,
        bottom=0.09,
        top=1 - 0.75 / (0.55 + 2.0 * rows),
        hspace=0.55,
        wspace=0.55,
    )
    for i, tag in enumerate(order):
        axes = figure.add_subplot(grid[i // columns, i % columns])
        axes.set_facecolor("white")
        for run in tags[tag]:
            steps, values = runs[run][0][tag]
            color = RUN_COLORS.get(run, "#555555")
            axes.plot(steps, values, color=color, alpha=0.3, lw=1)
            axes.plot(
                steps,
                smooth(values),
                color=color,
                lw=1.6,
                label=run,
                marker="o" if len(steps) < 8 else None,
                ms=3,
            )
        axes.set_title(tag, fontsize=8 if len(tag) < 27 else 7, loc="left")
        axes.tick_params(labelsize=7)
        axes.grid(color="#e0e0e0", lw=0.6)
        axes.yaxis.set_major_formatter(FormatStrFormatter("%.3g"))
        every = [v for run in tags[tag] for v in runs[run][0][tag][1]]
        if max(every) == min(every):  # a constant (the learning rates)
            axes.set_ylim(min(0.0, 2 * every[0]), max(0.0, 2 * every[0]))
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    if image is not None:
        run, tag, step, pixels = image
        axes = figure.add_subplot(grid[:, columns:])
        cmap = "gray" if pixels.ndim == 2 or pixels.shape[-1] == 1 else None
        axes.imshow(
            pixels.squeeze(), cmap=cmap, interpolation="nearest", vmin=0, vmax=255
        )
        axes.set_title(f"{tag}\n{run}   step {step}", fontsize=9, loc="left")
        axes.set_xticks([])
        axes.set_yticks([])
    handles = [
        plt.Line2D([], [], color=RUN_COLORS.get(run, "#555555"), lw=2, label=run)
        for run in runs
        if any(run in r for r in tags.values())
    ]
    figure.legend(
        handles=handles,
        loc="lower left",
        ncol=len(handles),
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.03, -0.01),
    )
    figure.text(
        0.35, 0.015, "x axis: step (the 1-based epoch)", ha="center", fontsize=8
    )
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    figure.savefig(output, dpi=80, facecolor=figure.get_facecolor())
    plt.close(figure)
    _quantize(output)
    print(f"wrote {output} ({os.path.getsize(output) // 1024} KB)")


def _quantize(path, colors=128):
    """Rewrite the PNG with a palette: a few tens of KB instead of hundreds."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    image.quantize(colors, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", help="draw this --tensorboard folder (no training)")
    parser.add_argument(
        "--epochs", type=int, default=12, help="epochs of the run (default 12)"
    )
    parser.add_argument("--work", help="folder of the run (default: a temporary one)")
    parser.add_argument(
        "--output", default=OUTPUT, help=f"the picture (default {OUTPUT})"
    )
    args = parser.parse_args(argv)
    if args.logdir:
        draw(args.logdir, args.output)
        return 0
    if args.work:
        draw(train(args.work, args.epochs), args.output)
        return 0
    with tempfile.TemporaryDirectory() as work:
        draw(train(work, args.epochs), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
