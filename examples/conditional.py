"""Step 5 of the guide: a class-conditional GAN on the digits and their labels.

    python examples/conditional.py                            # about 2-5 minutes on 2 CPU cores
    python examples/conditional.py --conditioning projection  # or auxiliary_classifier
    python examples/conditional.py --smoke                    # seconds: checks that it runs

`ConditionalGAN` trains with `fit(images, labels)`: the generator gets
`[latents, labels]`, the discriminator `[images, labels]`, so each sample
can be asked for a class (`gan.generate(8, labels=7)`). Three ways to feed
the label, all with the DCGAN networks of `dcgan.py`:

- `concatenation` (default; Mirza & Osindero, https://arxiv.org/abs/1411.1784):
  the one-hot label joins the latent vector and the image channels;
- `projection` (Miyato & Koyama, https://arxiv.org/abs/1802.05637):
  class-conditional batch normalization in G, an inner product of a label
  embedding with D's features in its logit;
- `auxiliary_classifier` (ACGAN, Odena et al., https://arxiv.org/abs/1610.09585):
  D also classifies, and both players get a classification loss.

Writes to `--out`: ten grids over the run, one row per class
(`epoch_XXXX.png`, the same latent vector down each column) and
`history.csv` (d_loss, g_loss, real_score, fake_score, val_fid,
val_intra_fid, val_class_accuracy per epoch). The figures use the bundled
digits classifier on 1,000 generated digits (about 100 per
class: asked for the labels of the first 1,000 real digits) against all
1,797 real ones: digits-FID, intra-FID (the mean over classes of the FID
between the real and generated digits of one class) and the fraction of
generated digits the classifier puts in the class they were asked for (0.1
is chance).

Measured (TensorFlow, seed 0): concatenation, 20 epochs (580 steps) took 284
s wall (80 s of CPU time) on a shared machine whose 2 cores were also busy
with other jobs (load average 8-12), so expect less on an idle one. After 20
epochs: digits-FID 10.0, intra-FID 27.9, class accuracy 0.865 (after the
first epoch: FID 159.7).
"""

import argparse
import os
import time

import keras

import keras_gan_layers as kgl
from keras_gan_layers.callbacks.image_snapshot import check_output_directory
from keras_gan_layers.cli.common import positive_int

GENERATOR_CONDITIONING = {
    "concatenation": "concatenation",
    "projection": "batch_norm",
    "auxiliary_classifier": "concatenation",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--conditioning", default="concatenation", choices=list(GENERATOR_CONDITIONING)
    )
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="conditional_output")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)

    images, labels = kgl.datasets.load_digits(image_size=16, return_labels=True)
    real, filters, samples = (images, labels), 32, 1000
    if args.smoke:  # 64 digits: at least 2 of every class, for intra-FID
        images, labels = images[:64], labels[:64]
        real, filters, samples, args.epochs = (images, labels), 4, 40, 1

    gan = kgl.ConditionalGAN(
        kgl.architectures.conditional_dcgan_generator(
            64,
            10,
            (16, 16, 1),
            filters=filters,
            conditioning=GENERATOR_CONDITIONING[args.conditioning],
        ),
        kgl.architectures.conditional_dcgan_discriminator(
            (16, 16, 1), 10, filters=filters, conditioning=args.conditioning
        ),
        num_classes=10,
        seed=args.seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="bce",
    )
    snapshots = kgl.ImageSnapshot(  # one row per class
        args.out, every_n_epochs=max(1, args.epochs // 10), num_images=100, scale=2
    )
    start = time.time()
    history = gan.fit(
        images,
        labels,
        batch_size=64,
        epochs=args.epochs,
        verbose=2,
        callbacks=[
            kgl.GANEvaluation(
                real,  # (images, labels): generated digits are asked for these labels
                metrics=("fid", "intra_fid", "class_accuracy"),
                num_samples=samples,
                feature_extractor=kgl.metrics.DigitsFeatureExtractor(),
            ),
            snapshots,
            keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv")),
        ],
    )
    logs = {key: values[-1] for key, values in history.history.items()}
    print(f"trained {args.epochs} epochs in {time.time() - start:.0f} s")
    print(
        f"last epoch: digits-FID {logs['val_fid']:.2f}, intra-FID "
        f"{logs['val_intra_fid']:.2f}, class accuracy {logs['val_class_accuracy']:.3f}"
    )
    print(f"samples (one row per class): {snapshots.written[-1]}")
    print(f"history: {os.path.join(args.out, 'history.csv')}")


if __name__ == "__main__":
    main()
