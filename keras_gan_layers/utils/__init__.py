"""Small helpers: image grids."""

from keras_gan_layers.utils.image_grid import image_grid, save_image_grid
