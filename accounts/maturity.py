"""The maturity scale titles are rated on and profiles are capped at.

It lives with the accounts because a profile's ceiling is the household's rule; the catalog
rates its titles on the same scale (catalog.models re-exports it).
"""

from __future__ import annotations

from django.db import models


class MaturityRating(models.IntegerChoices):
    """A small fixed scale; the number is the minimum age, so ceilings compare with <=."""

    ALL = 0, "All ages"
    AGE_7 = 7, "7+"
    AGE_13 = 13, "13+"
    AGE_16 = 16, "16+"
    AGE_18 = 18, "18+"


# A kids profile never sees a title rated above this (a database constraint holds it).
KIDS_CEILING = MaturityRating.AGE_7
# The ceiling that is no ceiling: every rating is at or below it.
NO_CEILING = MaturityRating.AGE_18

CEILING_LABELS: dict[int, str] = {
    MaturityRating.ALL: "All ages only",
    MaturityRating.AGE_7: "Up to 7+",
    MaturityRating.AGE_13: "Up to 13+ (teens)",
    MaturityRating.AGE_16: "Up to 16+",
    MaturityRating.AGE_18: "All maturity ratings",
}
CEILING_CHOICES: list[tuple[int, str]] = list(CEILING_LABELS.items())
