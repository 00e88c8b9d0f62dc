"""Offline data sets: everything is generated here or shipped with a package."""
from .digits import SCALINGS, Digits, InpaintingData, digits_inpainting, join_images, load_digits, split_images
from .inverse import bishop_forward, bishop_inverse
from .planets import (
    MATERIALS,
    PlanetData,
    planet_radius,
    planets,
    pure_planet_radius,
)
from .sequences import DigitStrings, SequenceData, digit_crops, digit_strings, grammar_sequences, grammar_transitions
from .toys import eight_gaussians, moons, rings, spirals, two_d_toy

__all__ = [
    "SCALINGS",
    "Digits",
    "load_digits",
    "InpaintingData",
    "digits_inpainting",
    "join_images",
    "split_images",
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
