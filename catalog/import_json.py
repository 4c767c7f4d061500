"""Reading a catalog file's bytes into JSON values, with every cost bounded.

Python's ``json`` module on its own is not safe for hostile input: nesting thousands of
levels deep raises ``RecursionError``, an integer of thousands of digits raises
``ValueError`` (``sys.get_int_max_str_digits()``), ``NaN`` and ``1e999`` come back as
floats, and a key given twice silently keeps the last value. :func:`parse_document` bounds
the size and the depth, accepts UTF-8 only, and puts a marker (:class:`Unrepresentable`) where
a number cannot be represented, so that :func:`~catalog.import_schema.validate_document` can
name the record and field that holds it. Every refusal is a :class:`FileRefused`.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections import Counter
from typing import Any

from catalog.import_types import MAX_INTEGER_DIGITS, FileRefused, Unrepresentable, clip

MAX_FILE_BYTES = 16 * 1024 * 1024
# A catalog is 9 levels deep (document, series, a series, seasons, a season, episodes, an
# episode, streams, a stream); anything much deeper is not a catalog.
MAX_DEPTH = 16


class _Object(dict[str, Any]):
    """A parsed JSON object that remembers keys the file gave twice (json keeps the last)."""

    repeated_keys: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        obj.repeated_keys = tuple(sorted(key for key, n in counts.items() if n > 1))
    return obj


def _parse_int(text: str) -> int | Unrepresentable:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        return Unrepresentable(f"an integer of {digits:,} digits", digits=digits)
    return int(text)


def _parse_float(text: str) -> float | Unrepresentable:
    value = float(text)
    if math.isfinite(value):
        return value
    return Unrepresentable(f"the number {clip(text, 30)}, too large to represent")


def _parse_constant(name: str) -> Unrepresentable:
    return Unrepresentable(f"{name}, which is not a JSON value")


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def _nests_too_deep(text: str) -> bool:
    """True if lists and objects nest more than MAX_DEPTH levels (strings do not count).

    Each pass deletes the innermost pairs, so MAX_DEPTH passes empty a document that is
    shallow enough; every pass is one regular-expression sweep, never Python per character.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        brackets = _EMPTY_PAIR.sub("", brackets)
    return bool(brackets)


def _line_column(text: str | bytes, offset: int) -> tuple[int, int]:
    newline = "\n" if isinstance(text, str) else b"\n"
    line = text.count(newline, 0, offset) + 1  # type: ignore[arg-type]
    return line, offset - text.rfind(newline, 0, offset)  # type: ignore[arg-type]


def _too_deep_at(text: str) -> tuple[int, int] | None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return _line_column(text, match.start())
        elif found in "]}":
            depth -= 1
    return None


_TOO_DEEP = object()


def parse_document(raw: bytes) -> Any:
    """The JSON values of a catalog file; FileRefused says why a file cannot be read."""
    if len(raw) > MAX_FILE_BYTES:
        raise FileRefused(
            f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split the catalog into "
            "several files."
        )
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRefused("is UTF-32 text, not UTF-8: save it as UTF-8 and import it again.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused("is UTF-16 text, not UTF-8: save it as UTF-8 and import it again.")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line, column = _line_column(raw, error.start)
        raise FileRefused(
            f"is not UTF-8 text: the byte 0x{raw[error.start]:02X} at line {line}, column "
            f"{column} is not valid UTF-8. Save the file as UTF-8 and import it again."
        ) from None
    try:
        data: Any = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as error:
        raise FileRefused(
            f"is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
    except RecursionError:
        data = _TOO_DEEP  # deeper than the parser goes: located below
    if data is _TOO_DEEP or _nests_too_deep(text):
        at = _too_deep_at(text)
        where = f" (at line {at[0]}, column {at[1]})" if at else ""
        raise FileRefused(
            f"nests lists and objects more than {MAX_DEPTH} levels deep{where}; a catalog needs 9."
        )
    return data
