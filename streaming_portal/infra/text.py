"""Text that people type: the one rule for what a stored text field may hold.

A name, a title or a synopsis is shown to other people, so it may not carry characters that
nobody can see or that change how the text around them is displayed:

- NUL and the other C0 and C1 control characters, and DEL (tab and line breaks only in a
  multi-line field such as a synopsis);
- the bidirectional overrides, embeddings and isolates (U+202A-U+202E, U+2066-U+2069), which
  reorder what follows them ("Kids" that displays as something else);
- zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which make two names look alike;
- lone surrogates, which are not text at all (and which PostgreSQL cannot store).

:class:`TextValidator` states the rule with the field's label, so that the refusal names the
field wherever it surfaces (a form, the admin, an import report): "Name: contains an
invisible or control character (U+202E RIGHT-TO-LEFT OVERRIDE); remove it." It is meant to
sit on model fields, so that every write path that validates (forms, the admin, the importer)
shares one owner of the rule; :func:`adopt_text_rules` gives a form field its model field's
rule in place of Django's bare NUL check, so a NUL byte gets the same named message.

This module imports no app of the portal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

_LINE_CHARACTERS = "\t\n\r"  # allowed in a multi-line field only (a textarea sends \r\n)
_ALWAYS_REFUSED = (
    "\x00-\x08\x0b\x0c\x0e-\x1f"  # C0 controls except tab and line breaks
    "\x7f-\x9f"  # DEL and the C1 controls
    "\u200b-\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner; word joiner; BOM
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings and overrides; bidi isolates
    "\ud800-\udfff"  # surrogates: only ever lone in a Python str
)
_REFUSED_MULTI_LINE = re.compile(f"[{_ALWAYS_REFUSED}]")
_REFUSED_SINGLE_LINE = re.compile(f"[{_ALWAYS_REFUSED}\t\n\r]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Control characters have no name in the Unicode database, only aliases; these are those
# aliases (unicodedata.lookup() accepts them), so that a message can say what was found.
_C0_NAMES = (
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "ALERT",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "INFORMATION SEPARATOR FOUR",
    "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
)


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` that a text field may not hold, or None."""
    pattern = _REFUSED_MULTI_LINE if multiline else _REFUSED_SINGLE_LINE
    found = pattern.search(value)
    return found.group() if found else None


def describe(character: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: the code point and what it is called."""
    code = ord(character)
    if code < len(_C0_NAMES):
        name = _C0_NAMES[code]
    elif code == 0x7F:
        name = "DELETE"
    elif 0x80 <= code <= 0x9F:
        name = "NEXT LINE" if code == 0x85 else "CONTROL CHARACTER"
    elif 0xD800 <= code <= 0xDFFF:
        name = "LONE SURROGATE"
    else:
        name = unicodedata.name(character, "UNNAMED CHARACTER")
    return f"U+{code:04X} {name}"


def refusal_message(label: str, character: str) -> str:
    return (
        f"{label}: contains an invisible or control character ({describe(character)}); remove it."
    )


@deconstructible
class TextValidator:
    """Refuses the characters above in a field labelled ``label`` (the message names it)."""

    code = "invisible_character"

    def __init__(self, label: str, *, multiline: bool = False) -> None:
        self.label = label
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        character = refused_character(value, multiline=self.multiline)
        if character is not None:
            raise ValidationError(refusal_message(self.label, character), code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and (self.label, self.multiline) == (
            other.label,
            other.multiline,
        )

    def __hash__(self) -> int:
        return hash((self.label, self.multiline))


def single_line(label: str) -> TextValidator:
    """The rule for a one-line field: a name, a title, a URL."""
    return TextValidator(label)


def multi_line(label: str) -> TextValidator:
    """The rule for a field that may hold tabs and line breaks: a synopsis."""
    return TextValidator(label, multiline=True)


def adopt_text_rules(field: forms.Field, validators: Iterable[Any]) -> forms.Field:
    """Give a form field the :class:`TextValidator` among ``validators`` (a model field's).

    Django's form fields refuse NUL on their own with "Null characters are not allowed.",
    which does not name the field and stops the model's rule from running; the model's rule
    refuses NUL too, with the field named, so it replaces Django's check.
    """
    rules = [validator for validator in validators if isinstance(validator, TextValidator)]
    if rules:
        kept: list[Any] = [
            validator
            for validator in field.validators
            if not isinstance(validator, ProhibitNullCharactersValidator) and validator not in rules
        ]
        field.validators = [*kept, *rules]
    return field


def strip_refused(value: str, *, replacement: str = " ") -> str:
    """``value`` with every character a single-line field refuses replaced (a search box's
    text is cleaned rather than refused: nobody is helped by an error there)."""
    return _REFUSED_SINGLE_LINE.sub(replacement, value)


def unstorable(value: str) -> bool:
    """Whether PostgreSQL would refuse ``value`` as a text parameter (NUL, lone surrogate)."""
    return _UNSTORABLE.search(value) is not None


def printable(value: str, *, limit: int = 40) -> str:
    """``value`` safe to show in a message: refused characters spelled as code points, and
    cut to ``limit`` characters."""
    shown = _REFUSED_SINGLE_LINE.sub(lambda found: f"<U+{ord(found.group()):04X}>", value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
