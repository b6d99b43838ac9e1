"""Keras callbacks for GAN training."""

from keras_gan_layers.callbacks.gan_evaluation import GANEvaluation
from keras_gan_layers.callbacks.image_snapshot import ImageSnapshot
