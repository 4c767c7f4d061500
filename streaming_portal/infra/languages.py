"""ISO 639-1 language codes, from the pycountry package's copy of the ISO tables."""

from __future__ import annotations

import pycountry

ISO_639_1_NAMES: dict[str, str] = {
    language.alpha_2: language.name
    for language in pycountry.languages
    if hasattr(language, "alpha_2")
}
ISO_639_1_CODES: frozenset[str] = frozenset(ISO_639_1_NAMES)


def language_name(code: str) -> str:
    return ISO_639_1_NAMES.get(code, code)


LANGUAGE_CHOICES: list[tuple[str, str]] = sorted(
    ((code, f"{name} ({code})") for code, name in ISO_639_1_NAMES.items()),
    key=lambda choice: choice[1],
)
