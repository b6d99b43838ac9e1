"""Layers for GAN networks, one per module; every one registered serializable."""

from keras_gan_layers.layers.adaptive_augment import AdaptiveAugment
from keras_gan_layers.layers.adaptive_instance_normalization import (
    AdaptiveInstanceNormalization,
)
from keras_gan_layers.layers.blur_2d import Blur2D
from keras_gan_layers.layers.conditional_batch_normalization import (
    ConditionalBatchNormalization,
)
from keras_gan_layers.layers.constant_input import ConstantInput
from keras_gan_layers.layers.diff_augment import DiffAugment
from keras_gan_layers.layers.equalized_conv2d import EqualizedConv2D
from keras_gan_layers.layers.equalized_dense import EqualizedDense
from keras_gan_layers.layers.image_pool import ImagePool
from keras_gan_layers.layers.instance_normalization import InstanceNormalization
from keras_gan_layers.layers.label_concatenation import LabelConcatenation
from keras_gan_layers.layers.minibatch_stddev import MinibatchStdDev
from keras_gan_layers.layers.modulated_conv2d import ModulatedConv2D
from keras_gan_layers.layers.noise_injection import NoiseInjection
from keras_gan_layers.layers.pixel_normalization import PixelNormalization
from keras_gan_layers.layers.projection_discriminator_head import (
    ProjectionDiscriminatorHead,
)
from keras_gan_layers.layers.reflection_padding_2d import ReflectionPadding2D
from keras_gan_layers.layers.self_attention_2d import SelfAttention2D
from keras_gan_layers.layers.truncation import Truncation
