"""Watch for mode collapse: an MLP GAN on the 8-Gaussian ring (~30 s)."""

import keras

import keras_gan_layers as kgl
from keras_gan_layers import datasets

data = datasets.gaussian_mixture("ring", 4096, seed=0)
gan = kgl.GAN(
    kgl.architectures.mlp_generator(
        8, (2,), hidden_units=(64, 64), output_activation=None
    ),
    kgl.architectures.mlp_discriminator((2,), hidden_units=(64, 64)),
    seed=0,
    data_range=None,  # 2-D points, not images in [-1, 1]
)
gan.compile(
    keras.optimizers.Adam(1e-3, beta_1=0.5),
    keras.optimizers.Adam(1e-3, beta_1=0.5),
    loss="bce",
)
for round_ in range(15):
    gan.fit(data, batch_size=128, epochs=10, verbose=0)
    stats = datasets.mode_coverage(gan.generate(2000, seed=1), "ring")
    print(f"epoch {10 * (round_ + 1):3d}: {stats}")
