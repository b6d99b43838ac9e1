"""Step 6 of the guide: CycleGAN and pix2pix, digits to their negatives.

    python examples/cyclegan.py           # about 2 minutes on 2 CPU cores
    python examples/cyclegan.py --smoke   # seconds: checks that it runs

CycleGAN (Zhu et al., https://arxiv.org/abs/1703.10593) learns two
translators between unpaired image sets with adversarial and cycle-
consistency losses; pix2pix (Isola et al., https://arxiv.org/abs/1611.07004)
learns one from paired images with an adversarial and an L1 loss.

Domain A: the 8x8 digits (in [-1, 1]); domain B: colour-inverted digits
(`-x`), made from *other* digits than A's, so the data are unpaired. A
CycleGAN (`resnet_translator` generators, `patchgan_discriminator`s) learns
A -> B and B -> A from them; then a pix2pix model learns A -> B from the
paired version (each digit with its own negative).

Reports, on 197 held-out digits:
- the cycle reconstruction error `mean |G_BA(G_AB(a)) - a|` (and B -> A -> B)
  at initialisation and after training;
- the fraction of translated images that a domain classifier (logistic
  regression on real A against real B pixels) puts in the target domain;
- pix2pix's L1 error against the true negatives.

Writes to `--out`: the CycleGAN's grids (`epoch_XXXX.png`, `ImageSnapshot`
rows: held-out A / A -> B / A -> B -> A / held-out B / B -> A / B -> A -> B)
and `history.csv` (d_a_loss, d_b_loss, g_ab_loss, g_ba_loss, cycle_loss,
identity_loss per epoch of a tenth of the steps); the same for pix2pix in
`--out`/pix2pix (rows: input / translation / true negative; d_loss, g_loss,
l1_loss).

Measured (TensorFlow, seed 0, 600 steps): 251 s wall (114 s of CPU time)
on a shared machine whose 2 cores were also busy with other jobs (load
average 8-12), so expect less on an idle one. Cycle error A -> B -> A
0.691 at initialisation, 0.158 after; B -> A -> B 0.822, 0.158; 100 % of
the translations judged in the target domain both ways; pix2pix L1 0.065.
"""

import argparse
import os
import time

import keras
import numpy as np

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int

SHAPE = (8, 8, 1)


def domains(seed=0):
    """`(a, b, held_out)`: unpaired train domains and held-out A digits."""
    digits = kgl.datasets.load_digits()
    order = np.random.default_rng(seed).permutation(len(digits))
    a, b, held_out = order[:800], order[800:1600], order[1600:]
    return digits[a], -digits[b], digits[held_out]


def cyclegan(seed=0, filters=16, run_eagerly=False):
    arch = kgl.architectures

    def translator(name):
        return arch.resnet_translator(
            SHAPE, filters=filters, num_blocks=2, num_downsamples=1, name=name
        )

    def critic(name):
        return arch.patchgan_discriminator(
            SHAPE, filters=filters, num_layers=1, name=name
        )

    keras.utils.set_random_seed(seed)
    model = kgl.CycleGAN(
        translator("generator_ab"),
        translator("generator_ba"),
        critic("discriminator_a"),
        critic("discriminator_b"),
        seed=seed,
    )
    model.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        run_eagerly=run_eagerly,
    )
    return model


def pix2pix(seed=0, filters=16, run_eagerly=False):
    arch = kgl.architectures
    keras.utils.set_random_seed(seed)
    model = kgl.Pix2Pix(
        arch.unet_translator(SHAPE, filters=filters),
        arch.patchgan_discriminator(
            SHAPE, condition_shape=SHAPE, filters=filters, num_layers=1
        ),
        seed=seed,
    )
    model.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        run_eagerly=run_eagerly,
    )
    return model


def domain_classifier(a, b):
    """Logistic regression on pixels: 0 for domain A, 1 for domain B."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([a, b]).reshape(len(a) + len(b), -1)
    y = np.r_[np.zeros(len(a)), np.ones(len(b))]
    return LogisticRegression(max_iter=1000).fit(x, y)


def cycle_errors(model, a, b):
    """Mean absolute reconstruction errors A -> B -> A and B -> A -> B."""
    rec_a = model.translate_b_to_a(model.translate_a_to_b(a))
    rec_b = model.translate_a_to_b(model.translate_b_to_a(b))
    return float(np.abs(rec_a - a).mean()), float(np.abs(rec_b - b).mean())


def domain_accuracy(classifier, model, a, b):
    """Fractions of A -> B translations judged B, and of B -> A judged A."""
    to_b = model.translate_a_to_b(a).reshape(len(a), -1)
    to_a = model.translate_b_to_a(b).reshape(len(b), -1)
    return float(classifier.predict(to_b).mean()), float(
        1.0 - classifier.predict(to_a).mean()
    )


def outputs(out, images):
    """Callbacks writing grids of `images` and `history.csv` to `out` (or none)."""
    if not out:
        return []
    return [
        kgl.ImageSnapshot(out, images=images, scale=4),
        keras.callbacks.CSVLogger(os.path.join(out, "history.csv")),
    ]


def run(steps, batch_size=16, seed=0, out=None):
    """Train both models for `steps` steps; return the figures as a dict.

    Under 10 steps (`--smoke`) on TensorFlow the steps run eagerly: tracing
    them would cost more than it saves.
    """
    a, b, held_a = domains(seed)
    held_b = -held_a[::-1]  # negatives of other held-out digits
    classifier = domain_classifier(a, b)
    eager = steps < 10 and keras.backend.backend() == "tensorflow"
    model = cyclegan(seed, run_eagerly=eager)
    initial = cycle_errors(model, held_a, held_b)
    # Ten epochs of a tenth of the steps each (one epoch for fewer than 10):
    # a grid and a history row per epoch. The repeated dataset's iterator
    # carries on across epochs, so the training is that of one long epoch.
    epochs = 10 if steps >= 10 else 1
    steps = steps // epochs * epochs
    start = time.perf_counter()
    data = kgl.datasets.unpaired(a, b, batch_size=batch_size, seed=seed)
    model.fit(
        data.repeat(),
        steps_per_epoch=steps // epochs,
        epochs=epochs,
        verbose=0,
        callbacks=outputs(out, images=(held_a[:8], held_b[:8])),
    )
    cyclegan_seconds = time.perf_counter() - start
    final = cycle_errors(model, held_a, held_b)
    to_b, to_a = domain_accuracy(classifier, model, held_a, held_b)

    p2p = pix2pix(seed, run_eagerly=eager)
    start = time.perf_counter()
    p2p.fit(
        kgl.datasets.paired(a, -a, batch_size=batch_size, seed=seed).repeat(),
        steps_per_epoch=steps // epochs,
        epochs=epochs,
        verbose=0,
        callbacks=outputs(
            out and os.path.join(out, "pix2pix"), images=(held_a[:8], -held_a[:8])
        ),
    )
    pix2pix_seconds = time.perf_counter() - start
    l1 = float(np.abs(p2p.translate(held_a) - (-held_a)).mean())
    return {
        "steps": steps,
        "cycle_error_a_initial": initial[0],
        "cycle_error_a": final[0],
        "cycle_error_b_initial": initial[1],
        "cycle_error_b": final[1],
        "a_to_b_judged_b": to_b,
        "b_to_a_judged_a": to_a,
        "pix2pix_l1": l1,
        "cyclegan_seconds": cyclegan_seconds,
        "pix2pix_seconds": pix2pix_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=positive_int, default=600)
    parser.add_argument("--batch-size", type=positive_int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="cyclegan_output")
    parser.add_argument("--smoke", action="store_true", help="5 steps")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    figures = run(5 if args.smoke else args.steps, args.batch_size, args.seed, args.out)
    for key, value in figures.items():
        print(
            f"{key:>24}: {value:.4g}"
            if isinstance(value, float)
            else f"{key:>24}: {value}"
        )
    last = f"epoch_{10 if figures['steps'] >= 10 else 1:04d}.png"
    print(f"CycleGAN samples: {os.path.join(args.out, last)}")
    print(f"CycleGAN history: {os.path.join(args.out, 'history.csv')}")
    print(f"pix2pix samples: {os.path.join(args.out, 'pix2pix', last)}")
    print(f"pix2pix history: {os.path.join(args.out, 'pix2pix', 'history.csv')}")


if __name__ == "__main__":
    main()
