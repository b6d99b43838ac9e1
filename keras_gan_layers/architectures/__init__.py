"""Reference networks: builders returning plain functional `keras.Model`s."""

from keras_gan_layers.architectures.conditional import (
    conditional_dcgan_discriminator,
    conditional_dcgan_generator,
)
from keras_gan_layers.architectures.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan_layers.architectures.mlp import mlp_discriminator, mlp_generator
from keras_gan_layers.architectures.resnet import (
    resnet_discriminator,
    resnet_generator,
)
from keras_gan_layers.architectures.style import (
    mapping_network,
    set_truncation,
    style_discriminator,
    style_generator,
)
from keras_gan_layers.architectures.translation import (
    patchgan_discriminator,
    patchgan_receptive_field,
    resnet_translator,
    unet_translator,
)
