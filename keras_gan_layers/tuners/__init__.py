"""keras-tuner integration: a GAN hypermodel whose objective is sample quality.

Needs `pip install "keras-gan-layers[tuner]"` (keras-tuner with the
packages it imports at run time: tensorboard, six).
"""

from keras_gan_layers.tuners.hypermodel import DEFAULT_SEARCH_SPACE, GANHyperModel
from keras_gan_layers.tuners.search import check_search, trials_table
