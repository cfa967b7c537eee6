"""Recipes: what "training" means for a run (see ``docs/recipes.md``).

A new recipe is one module here plus its branch in ``training/job.py``'s ``build_recipe`` (and
its name in ``RecipeName``); the loop in ``training/engine.py`` does not change.
"""

from __future__ import annotations

from layerlab.training.recipes.autoencoder import AutoencoderRecipe
from layerlab.training.recipes.base import Autocast, OneNetworkRecipe, Recipe, RecipeTask, StepResult, StepTools
from layerlab.training.recipes.forecast import ForecastRecipe
from layerlab.training.recipes.gan import GanRecipe
from layerlab.training.recipes.language_model import DEFAULT_SEQUENCE_LENGTH, LanguageModelRecipe
from layerlab.training.recipes.supervised import SupervisedRecipe

__all__ = [
    "Autocast",
    "AutoencoderRecipe",
    "DEFAULT_SEQUENCE_LENGTH",
    "ForecastRecipe",
    "GanRecipe",
    "LanguageModelRecipe",
    "OneNetworkRecipe",
    "Recipe",
    "RecipeTask",
    "StepResult",
    "StepTools",
    "SupervisedRecipe",
]
