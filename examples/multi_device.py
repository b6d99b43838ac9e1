"""Several devices: the DCGAN of `dcgan.py` trained data-parallel on 2 devices.

    python examples/multi_device.py                        # about 3 minutes on 2 CPU cores
    KERAS_BACKEND=jax python examples/multi_device.py      # the same with JAX
    python examples/multi_device.py --smoke                # seconds: checks that it runs

The GAN step is Keras' own, so the backends' engines apply unchanged (see
docs/scaling.md):

- TensorFlow: `tf.distribute.MirroredStrategy`; the model is built and
  compiled inside `strategy.scope()`. Each replica computes the losses on
  its share of the global batch and the gradients are summed across
  replicas (Goyal et al., https://arxiv.org/abs/1706.02677, for large-batch
  data parallelism).
- JAX: `keras.distribution.DataParallel`, set before the model is built;
  the step is one jitted program over arrays sharded along the batch.

PyTorch has no Keras distribution API: the script says so and exits.

Without GPUs the script makes 2 devices out of the CPU, which is how the
tests check distributed training on a laptop: 2 logical CPU devices
(`tf.config.set_logical_device_configuration`) on TensorFlow, 2 host
devices (`XLA_FLAGS=--xla_force_host_platform_device_count=2`, set before
JAX starts) on JAX. Both must happen before the backend initialises, which
is why this script configures them before importing Keras. With GPUs it
uses every GPU. `--batch-size` is the global batch (each device gets
`batch_size / devices`); the data are cut to whole global batches so that
every batch splits evenly.

Writes to `--out` what `dcgan.py` writes: ten sample grids
(`epoch_XXXX.png`) and `history.csv` (d_loss, g_loss, real_score, fake_score
per epoch).

Measured (seed 0): TensorFlow, 2 logical CPU devices, 20 epochs (560 steps
of 32 images per device) took 201 s wall (66 s of CPU time) on a shared
machine whose 2 cores were also busy with other jobs (load average 8-12), so
expect less on an idle one.
"""

import argparse
import contextlib
import os
import time

DEVICES = 2  # made from the CPU when there is no GPU
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")
if BACKEND == "jax":
    flag = f"--xla_force_host_platform_device_count={DEVICES}"
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
elif BACKEND == "tensorflow":
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * DEVICES
        )
else:
    raise SystemExit(
        f"multi_device.py needs KERAS_BACKEND=tensorflow or jax (Keras has no "
        f"distribution API for {BACKEND})."
    )

import keras  # noqa: E402

import keras_gan_layers as kgl  # noqa: E402
from keras_gan_layers.callbacks.image_snapshot import check_output_directory  # noqa: E402
from keras_gan_layers.cli.common import positive_int  # noqa: E402


def distribution():
    """`(scope, description, number of devices)` for this backend."""
    if BACKEND == "tensorflow":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in gpus or tf.config.list_logical_devices("CPU")]
        strategy = tf.distribute.MirroredStrategy(devices)
        count = strategy.num_replicas_in_sync
        return strategy.scope(), f"MirroredStrategy over {devices}", count
    devices = keras.distribution.list_devices()
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices)
    )
    return contextlib.nullcontext(), f"DataParallel over {devices}", len(devices)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument(
        "--batch-size", type=positive_int, default=64, help="global batch"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="multi_device_output")
    parser.add_argument("--smoke", action="store_true", help="tiny run (CI)")
    args = parser.parse_args()
    try:  # before any work: a file in the way, a read-only folder
        check_output_directory(args.out, owner="--out")
    except ValueError as e:
        parser.error(str(e))
    keras.utils.set_random_seed(args.seed)

    images = kgl.datasets.load_digits(image_size=16)  # (1797, 16, 16, 1) in [-1, 1]
    filters = 32
    if args.smoke:
        images, filters, args.epochs = images[:64], 4, 1
    scope, description, devices = distribution()
    if args.batch_size % devices:
        parser.error(f"--batch-size must be a multiple of {devices} (the devices)")
    images = images[: len(images) // args.batch_size * args.batch_size]
    print(f"{description}: {args.batch_size // devices} images per device and step")

    with scope:  # build and compile under the strategy (TensorFlow)
        gan = kgl.GAN(
            kgl.architectures.dcgan_generator(64, (16, 16, 1), filters=filters),
            kgl.architectures.dcgan_discriminator((16, 16, 1), filters=filters),
            seed=args.seed,
        )
        gan.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss="bce",
        )
    snapshots = kgl.ImageSnapshot(
        args.out, every_n_epochs=max(1, args.epochs // 10), scale=2
    )
    start = time.time()
    gan.fit(
        images,
        batch_size=args.batch_size,
        epochs=args.epochs,
        verbose=2,
        callbacks=[
            snapshots,
            keras.callbacks.CSVLogger(os.path.join(args.out, "history.csv")),
        ],
    )
    print(
        f"trained {args.epochs} epochs on {devices} devices in {time.time() - start:.0f} s"
    )
    print(f"samples: {snapshots.written[-1]}")
    print(f"history: {os.path.join(args.out, 'history.csv')}")


if __name__ == "__main__":
    main()
