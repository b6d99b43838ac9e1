"""Make the documentation's pictures (docs/images/) from the examples' outputs.

    python scripts/make_pictures.py                      # everything (~40 min, CPU)
    python scripts/make_pictures.py --only dcgan,mode_coverage
    python scripts/make_pictures.py --smoke              # a quick check that all runs

For each example it runs `python examples/<name>.py --out WORK/<name>` (in
full mode, one at a time, in WORK/<name> as the working directory) and
composes, from what the example wrote there:

- `docs/images/<name>_samples.png`: the last sample grid (`epoch_XXXX.png`,
  written by `ImageSnapshot`), upscaled by an integer factor with nearest
  neighbour so that it is readable (the CycleGAN's rows labelled, and its
  pix2pix grid in `cyclegan_pix2pix_samples.png`);
- `docs/images/<name>_losses.png`: every column of the Keras `CSVLogger`
  history (`history.csv`) against the epoch: losses (and penalties), scores,
  validation metrics (`val_*`) in separate panels.

`mode_coverage` trains the plain GAN and the recipe of `benchmarks/
mode_coverage.py` (its own functions, its settings, one seed) on the ring and
the grid and draws the 2,500 generated samples over the real mode centres:
`docs/images/mode_coverage.png`.

`--smoke` runs the examples with `--smoke` and the mode-coverage runs for
200 steps, and writes the pictures to WORK/images unless `--images` says
otherwise: it checks that everything runs, its pictures are not for the docs.
`--no-run` composes from what WORK already holds (no training).
"""

import argparse
import csv
import functools
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, "docs", "images")

# name: (what it shows, row labels of its grid or None)
EXAMPLES = {
    "fc_gan": ("fully connected GAN, digits", None),
    "dcgan": ("DCGAN, digits", None),
    "lsgan": ("LSGAN, digits", None),
    "wgan_gp": ("WGAN-GP, digits", None),
    "conditional": ("conditional GAN, one row per class", None),
    "cyclegan": (
        "CycleGAN, digits to negatives",
        {
            3: ("A", "A → B", "A → B → A"),
            4: ("A", "A → B", "A → B → A", "pix2pix A → B"),
            6: ("A", "A → B", "A → B → A", "B", "B → A", "B → A → B"),
        },
    ),
    "resnet_hinge_sn": ("ResNet + spectral norm, hinge loss, digits", None),
    "stylegan_small": ("small StyleGAN, digits", None),
    "tune_digits": ("best trial of the keras-tuner search, digits", None),
    "multi_device": ("data-parallel training, digits", None),
}
# name: ((subfolder of its outputs, picture, row labels), ...): more grids
EXTRA_GRIDS = {
    "cyclegan": (
        (
            "pix2pix",
            "cyclegan_pix2pix_samples.png",
            {3: ("A", "pix2pix A → B", "true B")},
        ),
    ),
}
MODE_COVERAGE = "mode_coverage"
NAMES = (*EXAMPLES, MODE_COVERAGE)

SAMPLES_MIN_SIDE = 384  # upscale grids until their shorter side reaches this
SAMPLES_MAX_SIDE = 768  # ... without the longer side passing this
DPI = 80


# ------------------------------------------------------------- composing
def last_grid(directory):
    """Path of the last `epoch_XXXX.png` in `directory` (by epoch number).

    Without one, the newest PNG there (an example that writes one grid at
    the end, under another name).

    Raises:
        FileNotFoundError: no PNG there.
    """
    grids, others = [], []
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            stem, ext = os.path.splitext(name)
            if ext != ".png":
                continue
            if stem.startswith("epoch_") and stem[6:].isdigit():
                grids.append((int(stem[6:]), name))
            else:
                others.append((os.path.getmtime(os.path.join(directory, name)), name))
    if not grids and not others:
        raise FileNotFoundError(f"no sample grid (epoch_XXXX.png) in {directory}")
    return os.path.join(directory, max(grids or others)[1])


def upscale_factor(width, height, min_side=SAMPLES_MIN_SIDE, max_side=SAMPLES_MAX_SIDE):
    """Largest integer factor >= 1 with the longer side <= `max_side`, stopping
    at the first that brings the shorter side to `min_side`."""
    factor = max(1, math.ceil(min_side / min(width, height)))
    while factor > 1 and factor * max(width, height) > max_side:
        factor -= 1
    return factor


def save_png(image, path, colors=None):
    """Write a PIL image as an optimized PNG (palette of `colors` if given)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if colors is not None and image.mode not in ("L", "P"):
        image = image.convert("RGB").quantize(colors=colors, dither=Image.Dither.NONE)
    image.save(path, optimize=True)
    return path


def compose_samples(grid_path, out_path, row_labels=None):
    """Write `grid_path` upscaled (nearest neighbour) to `out_path`.

    Args:
        grid_path: A sample grid PNG.
        out_path: The PNG to write.
        row_labels: None, or `{number of rows: labels}`: when the grid has
            one of these numbers of rows (of square tiles, as `image_grid`
            lays them out with 1 pixel of padding), a label is drawn left of
            each row.

    Returns:
        `out_path`.
    """
    grid = Image.open(grid_path)
    grid.load()
    factor = upscale_factor(*grid.size)
    image = grid.resize((grid.width * factor, grid.height * factor), Image.NEAREST)
    labels = _row_labels(grid, row_labels) if row_labels else None
    if labels:
        image = _label_rows(image, labels)
    return save_png(image, out_path, colors=None if image.mode == "L" else 256)


def _row_labels(grid, row_labels):
    """The labels for `grid`'s number of rows, or None if it has none of them.

    A grid of `image_grid` (square tiles of h pixels, 1 pixel of black
    padding between them, all upscaled by an integer `scale`) with `rows`
    rows is `scale * (rows * (h + 1) - 1)` pixels high, its width a multiple
    of `scale * (h + 1)` less `scale`, and black on the padding lines.
    """
    pixels = np.asarray(grid.convert("L"), dtype=np.int32)
    height, width = pixels.shape
    for rows, labels in sorted(row_labels.items(), reverse=True):
        for scale in range(1, 9):
            if height % scale or width % scale:
                continue
            unit, rest = divmod(height // scale + 1, rows)  # h + 1
            if rest or unit < 5 or (width // scale + 1) % unit:
                continue
            gaps = [(r * unit - 1) * scale for r in range(1, rows)]
            if not any(pixels[g : g + scale].any() for g in gaps):
                return labels
    return None


def _label_rows(image, labels):
    """`image` with `labels` written left of its equal-height rows."""
    from matplotlib.figure import Figure

    width, height = image.size
    margin = 110
    fig = Figure(figsize=((width + margin) / DPI, height / DPI), dpi=DPI)
    ax = fig.add_axes((margin / (width + margin), 0, width / (width + margin), 1))
    ax.imshow(np.asarray(image), cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([(i + 0.5) * height / len(labels) for i in range(len(labels))])
    ax.set_yticklabels(labels, fontsize=11)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return _render(fig)


def _render(fig):
    """A matplotlib figure as a PIL RGB image."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def read_history(csv_path):
    """`(epochs, {column: values})` from a Keras `CSVLogger` file.

    `epochs` are 1-based (CSVLogger writes 0-based epochs; `ImageSnapshot`
    names its grids 1-based); without an `epoch` column, the row numbers.
    Values that are not numbers (CSVLogger writes "NA" for a metric missing
    that epoch) are NaN; columns with no number at all are left out, and so
    are Keras' `loss` and `val_loss` when the model logs its own `*_loss`
    terms (`d_loss`, `g_loss`, ...: `loss` is their total).

    Raises:
        ValueError: no rows, or a row with more or fewer values than the
            header has names.
    """
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{csv_path} has no rows")
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():  # more / fewer values than names
            count = sum(v is not None for k, v in row.items() if k is not None)
            count += len(row.get(None, ()))
            names = sum(k is not None for k in rows[0])
            raise ValueError(
                f"{csv_path}, line {line}: {count} values under {names} column names "
                "(a history appended run after run with other columns?): its "
                "columns cannot be told apart"
            )

    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):
            return math.nan

    if "epoch" in rows[0]:
        epochs = np.array([number(r["epoch"]) + 1 for r in rows])
    else:
        epochs = np.arange(1, len(rows) + 1, dtype=float)
    columns = {}
    # Keras' `loss` is the total of the model's own `*_loss` logs.
    total = any(k.endswith("_loss") and not k.startswith("val_") for k in rows[0])
    for key in rows[0]:
        if key == "epoch" or (key in ("loss", "val_loss") and total):
            continue
        values = np.array([number(r[key]) for r in rows])
        if not np.isnan(values).all():
            columns[key] = values
    return epochs, columns


def history_panels(columns):
    """`[(title, keys)]`: losses and penalties, other metrics, validation.

    `columns` is `{name: values}`. Metrics and validation metrics whose
    scales differ more than tenfold (an accuracy next to an FID) get panels
    of their own.
    """
    losses, val, other = [], [], []
    for key in columns:
        if key.startswith("val_"):
            val.append(key)
        elif "loss" in key or "penalty" in key:
            losses.append(key)
        else:
            other.append(key)
    panels = [("losses", losses)] if losses else []
    for title, keys in (("metrics", other), ("validation", val)):
        scale = {k: float(np.nanmax(np.abs(columns[k]))) or 1.0 for k in keys}
        group = []
        for key in sorted(keys, key=scale.get):
            if group and scale[key] > 10 * scale[group[0]]:
                panels.append((title, group))
                group = []
            group.append(key)
        if group:
            panels.append((title, group))
    return panels


def plot_history(csv_path, out_path, title=None):
    """Plot every column of a `CSVLogger` history against the epoch.

    One panel each for losses (and penalties), other metrics and `val_*`
    metrics, one line per column (as `read_history` reads them), labelled
    with the column's name. When the epochs restart (a file appended run
    after run), the rows are plotted one after another (x = 1, 2, ...).
    The title ends with each `val_*` metric's last value.

    Returns:
        The matplotlib `Figure` (also written to `out_path`).
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs, columns = read_history(csv_path)
    panels = history_panels(columns)
    # A history appended run after run (keras-tuner trials) restarts its
    # epochs: plot the rows one after another, a dotted line at each restart.
    restarts = np.flatnonzero(np.diff(epochs) <= 0) + 1
    xlabel = "epoch"
    if len(restarts):
        epochs = np.arange(1, len(epochs) + 1, dtype=float)
        xlabel = f"epoch, {len(restarts) + 1} runs one after another"
    fig = Figure(figsize=(3.6 * len(panels) + 0.4, 3.2), dpi=DPI, layout="constrained")
    marker = "o" if len(epochs) <= 12 else None
    for i, (name, keys) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for key in keys:
            ax.plot(epochs, columns[key], marker=marker, markersize=3, label=key)
        for restart in restarts:
            ax.axvline(restart + 0.5, color="gray", linestyle=":", linewidth=1)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(xlabel)
        if len(epochs) == 1:
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    last = []
    for key in columns:
        finite = columns[key][np.isfinite(columns[key])]
        if key.startswith("val_") and len(finite):
            last.append(f"{key} {finite[-1]:.4g}")
    if last:
        title = f"{title}; last: " if title else "last: "
        title += ", ".join(last)
    if title:
        fig.suptitle(title, fontsize=11)
    save_png(_render(fig), out_path, colors=256)
    return fig


# ------------------------------------------------------------- examples
def run_example(name, work, smoke, examples_dir):
    """Run `examples/<name>.py --out WORK/<name>` (in that folder); its folder."""
    out = os.path.join(work, name)
    shutil.rmtree(out, ignore_errors=True)  # no grids left from an earlier run
    os.makedirs(out)
    command = [sys.executable, os.path.join(examples_dir, f"{name}.py"), "--out", out]
    if smoke:
        command.append("--smoke")
    print(f"[{name}] {' '.join(command)}", flush=True)
    start = time.time()
    with open(os.path.join(out, "log.txt"), "w") as log:
        result = subprocess.run(command, cwd=out, stdout=log, stderr=subprocess.STDOUT)
    print(f"[{name}] {time.time() - start:.0f} s, log: {out}/log.txt", flush=True)
    if result.returncode != 0:
        with open(os.path.join(out, "log.txt")) as log:
            tail = log.read()[-2000:]
        raise RuntimeError(f"examples/{name}.py failed ({result.returncode}):\n{tail}")
    return out


def compose_example(name, out, images):
    """The `<name>_samples.png` and `<name>_losses.png` of one example's outputs."""
    title, row_labels = EXAMPLES[name]
    grid = last_grid(out)
    print(f"[{name}] grid: {grid}", flush=True)
    samples = os.path.join(images, f"{name}_samples.png")
    made = [compose_samples(grid, samples, row_labels)]
    for folder, picture, labels in EXTRA_GRIDS.get(name, ()):
        grid = last_grid(os.path.join(out, folder))
        print(f"[{name}] grid: {grid}", flush=True)
        made.append(compose_samples(grid, os.path.join(images, picture), labels))
    history = os.path.join(out, "history.csv")
    if os.path.exists(history):
        losses = os.path.join(images, f"{name}_losses.png")
        plot_history(history, losses, title)
        made.append(losses)
    else:
        print(f"[{name}] no history.csv in {out}: no loss curves", flush=True)
    return made


# ------------------------------------------------------------- mode coverage
@functools.cache
def _benchmark():
    """benchmarks/mode_coverage.py as a module (its configs and protocol)."""
    import importlib.util

    path = os.path.join(ROOT, "benchmarks", "mode_coverage.py")
    spec = importlib.util.spec_from_file_location("mode_coverage_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mode_coverage_samples(config, kind, seed, steps, num_samples, cache):
    """`(samples, stats, steps)` of one benchmark run, cached in `cache` (.npz).

    Trains as `benchmarks/mode_coverage.py`'s `run` does: its config
    function (`baseline` or `recipe`), `set_random_seed(seed)`, one pass over
    `batch_size * steps` points of `gaussian_mixture(kind, ..., seed=seed)`,
    then `generate(num_samples, seed=10_000 + seed)`.
    """
    if os.path.exists(cache):
        with np.load(cache) as saved:
            return saved["samples"], _stats(saved["samples"], kind), int(saved["steps"])
    bench = _benchmark()
    bench.keras.utils.set_random_seed(seed)
    gan, batch_size, steps = bench.CONFIGS[config](kind, seed, steps)
    data = bench.datasets.gaussian_mixture(kind, batch_size * steps, seed=seed)
    start = time.time()
    gan.fit(data, batch_size=batch_size, epochs=1, verbose=0)
    samples = gan.generate(num_samples, seed=10_000 + seed)
    print(
        f"[mode_coverage] {config} {kind} seed {seed}: {time.time() - start:.0f} s",
        flush=True,
    )
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, samples=samples, steps=steps)
    return samples, _stats(samples, kind), steps


def _stats(samples, kind):
    from keras_gan_layers import datasets

    return datasets.mode_coverage(samples, kind)


def mode_centres(kind):
    """The real mode centres of `gaussian_mixture(kind)` (docs/mode_coverage.md)."""
    if kind == "ring":
        angles = 2 * np.pi * np.arange(8) / 8
        return np.stack([np.cos(angles), np.sin(angles)], axis=1)
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return np.array([(x, y) for x in axis for y in axis])


def plot_mode_coverage(runs, out_path, seed):
    """2 x 2 figure: rows ring / grid, columns plain GAN / recipe.

    Args:
        runs: `{(kind, config): (samples, stats, steps)}`.
        out_path: The PNG to write.
        seed: The runs' seed (for the title).

    Returns:
        The matplotlib `Figure`.
    """
    from matplotlib.figure import Figure

    names = {
        "baseline": "plain GAN (2×256, Adam 1e-4)",
        "recipe": "recipe (3×256, minibatch std, EMA)",
    }
    fig = Figure(figsize=(9.2, 9.0), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 2)
    for row, kind in enumerate(("ring", "grid")):
        centres = mode_centres(kind)
        limit = 1.6 if kind == "ring" else 5.5
        for col, config in enumerate(("baseline", "recipe")):
            ax = axes[row, col]
            if (kind, config) not in runs:
                ax.set_axis_off()
                continue
            samples, stats, steps = runs[kind, config]
            ax.scatter(
                samples[:, 0],
                samples[:, 1],
                s=3,
                c="tab:blue",
                alpha=0.5,
                linewidths=0,
                label=f"{len(samples)} generated",
                zorder=2,
            )
            ax.scatter(  # hollow, under the samples: a tight mode shows inside
                centres[:, 0],
                centres[:, 1],
                s=90,
                marker="o",
                facecolors="none",
                edgecolors="tab:red",
                linewidths=1.2,
                label="real mode centres",
                zorder=1,
            )
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
            ax.set_aspect("equal")
            ax.tick_params(labelsize=8)
            ax.set_title(
                f"{kind}: {names[config]}, {steps:,} steps\n"
                f"{stats['modes_covered']}/{stats['num_modes']} modes, "
                f"{100 * stats['high_quality_fraction']:.1f} % high quality, "
                f"reverse KL {stats['kl_to_uniform']:.3f}",
                fontsize=10,
            )
            if row == 0 and col == 0:
                ax.legend(loc="center", fontsize=8, markerscale=2)
    fig.suptitle(
        f"Mode coverage, seed {seed}: 2,500 samples against the real modes "
        "(benchmarks/mode_coverage.py)",
        fontsize=11,
    )
    save_png(_render(fig), out_path, colors=256)
    return fig


def make_mode_coverage(work, images, smoke, seed, run):
    runs = {}
    for kind in ("ring", "grid"):
        for config in ("baseline", "recipe"):
            steps = 200 if smoke else None
            cache = os.path.join(
                work,
                MODE_COVERAGE,
                f"{kind}_{config}_seed{seed}{'_smoke' if smoke else ''}.npz",
            )
            if not run and not os.path.exists(cache):
                raise FileNotFoundError(f"--no-run: {cache} is missing")
            runs[kind, config] = mode_coverage_samples(
                config, kind, seed, steps, 2500, cache
            )
    path = os.path.join(images, "mode_coverage.png")
    plot_mode_coverage(runs, path, seed)
    return [path]


# ------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated names, of: {', '.join(NAMES)}")
    parser.add_argument(
        "--work",
        help="folder for the examples' outputs (default: a new temporary folder)",
    )
    parser.add_argument(
        "--images",
        help="folder for the pictures (default: docs/images; WORK/images with --smoke)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny runs: a check, not pictures for the docs",
    )
    parser.add_argument(
        "--no-run",
        action="store_true",
        help="compose from WORK's outputs, train nothing",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the mode-coverage runs"
    )
    parser.add_argument(
        "--examples", default=os.path.join(ROOT, "examples"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.only is None:
        names = list(NAMES)
    else:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        if not names:  # not "everything": that is leaving --only out
            parser.error(
                f"--only {args.only!r} names nothing; pass comma-separated "
                f"names, of: {', '.join(NAMES)} (or leave --only out for all)"
            )
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(
            f"unknown --only name(s) {', '.join(unknown)}; known: {', '.join(NAMES)}"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        parser.error(
            f"--only names {', '.join(repeated)} more than once; name each picture once"
        )
    # Before any training: a folder that cannot be one fails at once.
    for flag, path in (("--work", args.work), ("--images", args.images)):
        if path is not None and (path == "" or not _can_be_folder(path)):
            parser.error(
                f"{flag} {path!r} is not a folder this process can create or "
                "write to (a file in the way, or no write permission)"
            )
    if args.no_run and args.work is not None:
        if not os.path.isdir(args.work):
            parser.error(
                f"--no-run composes from --work's outputs, and {args.work!r} "
                "is not a folder: pass the WORK of an earlier run"
            )
        absent = [
            n
            for n in names
            if n in EXAMPLES and not os.path.isdir(os.path.join(args.work, n))
        ]
        if absent:
            parser.error(
                f"--no-run: {args.work!r} holds no outputs of {', '.join(absent)} "
                f"(no {os.path.join(args.work, absent[0])} folder); run them "
                "first (without --no-run) or leave them out with --only"
            )
    args.names = names
    return args


def _can_be_folder(path):
    """Whether `path` is, or can be created as, a folder this process writes to."""
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    return os.path.isdir(existing) and os.access(existing, os.W_OK | os.X_OK)


def main(argv=None):
    args = parse_args(argv)
    missing = [
        f"examples/{n}.py"
        for n in args.names
        if n in EXAMPLES and not os.path.exists(os.path.join(args.examples, f"{n}.py"))
    ]
    if missing and not args.no_run:
        raise SystemExit(
            f"make_pictures: missing example script(s): {', '.join(missing)} (in "
            f"{args.examples}). Leave them out with --only, e.g. --only "
            + ",".join(n for n in args.names if f"examples/{n}.py" not in missing)
        )
    if args.work is None:
        if args.no_run:
            raise SystemExit(
                "make_pictures: --no-run needs --work (the outputs to compose)"
            )
        args.work = tempfile.mkdtemp(prefix="make_pictures_")
    images = args.images or (
        os.path.join(args.work, "images") if args.smoke else IMAGES
    )
    print(f"examples' outputs: {args.work}\npictures: {images}", flush=True)
    made, failed = [], []
    for name in args.names:
        try:
            if name == MODE_COVERAGE:
                made += make_mode_coverage(
                    args.work, images, args.smoke, args.seed, not args.no_run
                )
                continue
            out = os.path.join(args.work, name)
            if not args.no_run:
                run_example(name, args.work, args.smoke, args.examples)
            made += compose_example(name, out, images)
        except (RuntimeError, FileNotFoundError, ValueError) as error:
            print(f"[{name}] FAILED: {error}", flush=True)
            failed.append(name)
    for path in made:
        print(f"{path}: {os.path.getsize(path) / 1024:.0f} KB")
    if failed:
        raise SystemExit(
            f"make_pictures: no pictures for {', '.join(failed)} (see above)"
        )


if __name__ == "__main__":
    main()
