"""Layers for GAN networks, one per module; every one registered serializable."""

from keras_gan_layers.layers.conditional_batch_normalization import (
    ConditionalBatchNormalization,
)
from keras_gan_layers.layers.label_concatenation import LabelConcatenation
from keras_gan_layers.layers.projection_discriminator_head import (
    ProjectionDiscriminatorHead,
)
