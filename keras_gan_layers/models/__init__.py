"""Models: the shared adversarial base and the model families."""

from keras_gan_layers.models.adversarial import AdversarialModel, DiscriminatorView
from keras_gan_layers.models.conditional_gan import ConditionalGAN
from keras_gan_layers.models.cycle_gan import CycleGAN
from keras_gan_layers.models.gan import GAN
from keras_gan_layers.models.pix2pix import Pix2Pix
