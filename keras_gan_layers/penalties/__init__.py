"""Discriminator penalties and the WGAN weight-clipping constraint."""

from keras_gan_layers.penalties.base import Penalty
from keras_gan_layers.penalties.dragan import DRAGANPenalty
from keras_gan_layers.penalties.gradient_penalty import GradientPenalty
from keras_gan_layers.penalties.r1 import R1Penalty, R2Penalty
from keras_gan_layers.penalties.registry import ALIASES, deserialize, get, serialize
from keras_gan_layers.penalties.weight_clip import WeightClip
