"""Data: digits, image folders, `keras.datasets`, 2-D mixtures, image pairs."""

from keras_gan_layers.datasets.digits import load_digits
from keras_gan_layers.datasets.directory import from_directory
from keras_gan_layers.datasets.keras_datasets import KERAS_DATASETS, load
from keras_gan_layers.datasets.mixtures import (
    gaussian_mixture,
    mixture_modes,
    mode_coverage,
)
from keras_gan_layers.datasets.scaling import scale_images
from keras_gan_layers.datasets.translation import paired, unpaired
