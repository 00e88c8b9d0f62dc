"""Offline data sets: everything is generated here or shipped with a package."""
from .bars import bars_and_stripes
from .digits import SCALINGS, Digits, InpaintingData, digits_inpainting, join_images, load_digits, split_images
from .inverse import bishop_forward, bishop_inverse
from .planets import (
    MATERIALS,
    PlanetData,
    planet_radius,
    planets,
    pure_planet_radius,
)
from .relations import ImagePairs, random_dots, rotate_images, rotation_pairs, shift_pairs
from .sequences import DigitStrings, SequenceData, digit_crops, digit_strings, grammar_sequences, grammar_transitions
from .toys import eight_gaussians, moons, rings, spirals, two_d_toy

__all__ = [
    "bars_and_stripes",
    "SCALINGS",
    "Digits",
    "load_digits",
    "InpaintingData",
    "digits_inpainting",
    "join_images",
    "split_images",
    "ImagePairs",
    "random_dots",
    "rotate_images",
    "rotation_pairs",
    "shift_pairs",
    "DigitStrings",
    "SequenceData",
    "digit_crops",
    "digit_strings",
    "grammar_sequences",
    "grammar_transitions",
    "bishop_forward",
    "bishop_inverse",
    "MATERIALS",
    "PlanetData",
    "planet_radius",
    "planets",
    "pure_planet_radius",
    "eight_gaussians",
    "moons",
    "rings",
    "spirals",
    "two_d_toy",
]
