"""GAN models."""

from keras_gan_layers.models.gan import GAN
