"""Quick start: a DCGAN on the bundled 8x8 digits (offline, ~15 s on 2 CPU cores)."""

import keras_gan_layers as kgl

images = kgl.datasets.load_digits()  # (1797, 8, 8, 1) floats in [-1, 1]
gan = kgl.GAN(
    generator=kgl.architectures.dcgan_generator(latent_dim=32, image_shape=(8, 8, 1)),
    discriminator=kgl.architectures.dcgan_discriminator((8, 8, 1)),
    seed=0,
)
gan.compile(loss="bce")  # Adam(2e-4, beta_1=0.5) for both networks
history = gan.fit(
    images,
    batch_size=64,
    epochs=5,
    verbose=2,
    callbacks=[kgl.ImageSnapshot("samples", num_images=64, scale=8)],
)
samples = gan.generate(16, seed=1)
print(samples.shape, samples.min() >= -1, samples.max() <= 1)
gan.save("gan.keras")  # the whole GAN; gan.generator.save("generator.keras") alone
