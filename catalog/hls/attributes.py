"""Attribute lists (RFC 8216 4.2) and the typed values in them.

:class:`Checker` reads a tag's ``NAME=value,...`` list once, reporting what breaks the
syntax, and then hands out quoted strings, enumerated strings, integers and patterned
values, each reported in the same words whichever tag it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.hls.grammar import ATTRIBUTE_NAME, LOOSE_ATTRIBUTE_NAME, decimal_integer, show
from catalog.hls.lines import Line
from catalog.hls.report import ERROR, Collector


@dataclass(frozen=True)
class Value:
    """An attribute's value, and whether it was a quoted-string (4.2): the rules differ."""

    text: str
    quoted: bool


class Checker(Collector):
    """Collects problems; the helpers read typed values and report what they find."""

    # --- attribute lists (RFC 8216 4.2) ------------------------------------------------------

    def attributes(  # noqa: PLR0912, PLR0915 - a tokenizer, a branch per token
        self, line: Line, severity: str = ERROR
    ) -> dict[str, Value] | None:
        """The tag's attribute list, or None (with the problem reported) if it cannot be read."""
        text = line.value or ""
        found: dict[str, Value] = {}
        position, end = 0, len(text)
        spaced = False
        while position < end:
            start = position
            while position < end and text[position] in " \t":
                position += 1
            spaced = spaced or position > start
            if position >= end:
                self.warn(line.number, f"{line.name} ends its attribute list with a comma", "4.2")
                break
            match = ATTRIBUTE_NAME.match(text, position)
            if match is None or text[match.end() : match.end() + 1] != "=":
                loose = LOOSE_ATTRIBUTE_NAME.match(text, position)
                if loose is not None:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} has the attribute name {loose.group()}, but attribute "
                        "names are upper-case letters, digits and '-' only",
                        "4.2",
                    )
                else:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} has {show(text[position:], 20)} where an attribute "
                        "(NAME=value) should be",
                        "4.2",
                    )
                return None
            name = match.group()
            position = match.end() + 1
            if position < end and text[position] == '"':
                closing = text.find('"', position + 1)
                if closing < 0:
                    self._add(
                        severity,
                        line.number,
                        f'{line.name} opens a quoted value for {name} and never closes it (")',
                        "4.2",
                    )
                    return None
                value = Value(text[position + 1 : closing], quoted=True)
                position = closing + 1
            else:
                comma = text.find(",", position)
                comma = end if comma < 0 else comma
                raw = text[position:comma]
                if '"' in raw:
                    self._add(
                        severity,
                        line.number,
                        f"{line.name} {name}={show(raw, 20)} has a stray double quote",
                        "4.2",
                    )
                    return None
                if raw.strip(" \t") != raw:
                    spaced = True
                    raw = raw.strip(" \t")
                if not raw:
                    self._add(severity, line.number, f"{line.name} {name}= has no value", "4.2")
                    return None
                value = Value(raw, quoted=False)
                position = comma
            if name in found:
                self._add(
                    severity,
                    line.number,
                    f"{line.name} gives the attribute {name} twice; an attribute name must not "
                    "appear more than once in an attribute list",
                    "4.2",
                )
            else:
                found[name] = value
            while position < end and text[position] in " \t":
                position += 1
                spaced = True
            if position >= end:
                break
            if text[position] != ",":
                self._add(
                    severity,
                    line.number,
                    f"{line.name} has {show(text[position:], 20)} after the value of {name}, "
                    "where a comma or the end of the line should be",
                    "4.2",
                )
                return None
            position += 1
        if spaced:
            self.warn(line.number, f"{line.name} has whitespace in its attribute list", "4.2")
        return found

    def required(
        self,
        line: Line,
        attributes: dict[str, Value],
        name: str,
        section: str,
        severity: str = ERROR,
    ) -> bool:
        if name in attributes:
            return True
        self._add(
            severity,
            line.number,
            f"{line.name} has no {name} attribute, which it must have",
            section,
        )
        return False

    def quoted(
        self,
        line: Line,
        attributes: dict[str, Value],
        name: str,
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        if not value.quoted:
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={show(value.text, 30)} must be a quoted string "
                f'({name}="{show(value.text, 30)}")',
                section,
            )
            return None
        return value.text

    def enumerated(
        self,
        line: Line,
        attributes: dict[str, Value],
        name: str,
        allowed: Iterable[str],
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        allowed = tuple(allowed)
        if value.quoted:
            self._add(
                severity,
                line.number,
                f'{line.name} {name}="{show(value.text, 30)}" must not be quoted '
                f"({name}={show(value.text, 30)})",
                section,
            )
            return None
        if value.text not in allowed:
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={show(value.text, 30)} is not one of {', '.join(allowed)}",
                section,
            )
            return None
        return value.text

    def integer(
        self,
        line: Line,
        attributes: dict[str, Value],
        name: str,
        section: str,
        *,
        required: bool = False,
        severity: str = ERROR,
    ) -> int | None:
        value = attributes.get(name)
        if value is None:
            if required:
                self.required(line, attributes, name, section, severity)
            return None
        number = decimal_integer(value.text) if not value.quoted else None
        if number is None:
            shown = f'"{value.text}"' if value.quoted else value.text
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={show(shown, 30)} is not a decimal integer",
                section,
            )
        return number

    def matches(
        self,
        line: Line,
        attributes: dict[str, Value],
        name: str,
        form: tuple[re.Pattern[str], str],
        *,
        section: str,
        quoted: bool = False,
        severity: str = ERROR,
    ) -> str | None:
        pattern, described = form
        value = attributes.get(name)
        if value is None:
            return None
        shown = f'"{value.text}"' if value.quoted else value.text
        if value.quoted != quoted or not pattern.fullmatch(value.text):
            self._add(
                severity,
                line.number,
                f"{line.name} {name}={show(shown, 40)} is not {described}",
                section,
            )
            return None
        return value.text
