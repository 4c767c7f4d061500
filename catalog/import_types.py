"""The building blocks of the import schema: field types, the error list, quoted values.

:mod:`catalog.import_schema` declares a catalog file with these types (:class:`Text`,
:class:`Integer`, :class:`Record`, :class:`ListOf` …); each type's ``check`` adds a message
to :class:`Errors` for every way a value departs, named by record and field. Nothing here
knows the catalog's models: the lengths and ranges come from the declaration.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.dateparse import parse_datetime

# --- Bounds of the machinery (docs/catalog-import.md lists them with the document's) --------

# More digits than any field's range allows, and far below sys.get_int_max_str_digits().
MAX_INTEGER_DIGITS = 20
MAX_DATETIME = 64
MAX_LISTED_ERRORS = 100


# --- Errors -----------------------------------------------------------------------------------


class ImportFailed(Exception):  # noqa: N818 - reads as a sentence: raise ImportFailed(errors)
    """Nothing was written; ``errors`` lists why (at most MAX_LISTED_ERRORS, then a count)."""

    def __init__(self, errors: list[str], *, total: int | None = None) -> None:
        self.total = len(errors) if total is None else total
        super().__init__(f"{self.total} error(s)")
        self.errors = errors


class FileRefused(ImportFailed):
    """The file as a whole cannot be read as a catalog: its size, encoding, syntax or depth.

    ``reason`` completes a sentence that starts with the file's name: "… is not UTF-8 text".
    """

    def __init__(self, reason: str) -> None:
        super().__init__([f"The file {reason}"])
        self.reason = reason


class Errors:
    """Collects messages named by record path and field, e.g. movies[2] “Alien”: title: …"""

    def __init__(self, limit: int = MAX_LISTED_ERRORS) -> None:
        self.messages: list[str] = []
        self.total = 0
        self.limit = limit

    def add(self, where: str, field_name: str | None, message: str) -> None:
        self.total += 1
        if len(self.messages) < self.limit:
            parts = [part for part in (where, field_name) if part]
            self.messages.append(": ".join([*parts, message]))

    def add_validation(self, where: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                for message in messages:
                    self.add(where, None if field_name == NON_FIELD_ERRORS else field_name, message)
        else:
            for message in error.messages:
                self.add(where, None, message)

    def failure(self) -> ImportFailed:
        more = self.total - len(self.messages)
        listed = self.messages + ([f"… and {more} more error(s) not listed."] if more else [])
        return ImportFailed(listed, total=self.total)


# --- Describing values in messages ----------------------------------------------------------


@dataclass(frozen=True)
class Unrepresentable:
    """A JSON number (or a non-JSON constant) that no field accepts, kept out of int()/float().

    The parser puts one in the value's place, so the error can still name record and field.
    """

    description: str
    digits: int = 0


def clip(text: str, limit: int = 60) -> str:
    """``text`` for a message: non-printable characters escaped, at most ``limit`` long."""
    shown = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def show(value: Any) -> str:
    """A key's value as a message quotes it: 'Alien', 7, null."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(clip(value, 80))
    return describe(value)


def describe(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    """What a value is, for "expected …, got …" (never the whole of a huge value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "a number too large to represent"
    if isinstance(value, str):
        return f"the string {show(value)}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Unrepresentable):
        return value.description
    return f"a Python {type(value).__name__}"


def _integer(value: int) -> str:
    if abs(value) < 10**MAX_INTEGER_DIGITS:
        return str(value)
    return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"


def place(base: str, index: int, record: Any) -> str:
    """Where a record sits, named by its title or name: ``movies[2] “Alien”``."""
    where = f"{base}[{index}]"
    if isinstance(record, Mapping):
        label = record.get("title") or record.get("name")
        if isinstance(label, str) and label.strip():
            where += f" “{clip(label.strip())}”"
    return where


# --- The declaration's building blocks ------------------------------------------------------

# Characters no catalog text holds: C0 and C1 controls, DEL, line and paragraph separators
# and lone surrogates (which PostgreSQL and UTF-8 cannot store). A synopsis may hold line
# breaks and tabs.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _character(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"a lone UTF-16 surrogate ({code}), which is not a character"
    return f"the control character {code}"


@dataclass(frozen=True, kw_only=True)
class Spec(ABC):
    """One field's declared type. ``check`` adds an error for each way a value departs."""

    required: bool = False

    @abstractmethod
    def check(self, value: Any, where: str, name: str, errors: Errors) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Text(Spec):
    max_length: int
    nullable: bool = False
    multiline: bool = False
    blank: bool = True

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, str):
            nullable = " or null" if self.nullable else ""
            errors.add(where, name, f"expected a string{nullable}, got {describe(value)}.")
            return
        if len(value) > self.max_length:
            errors.add(
                where,
                name,
                f"is {len(value):,} characters long; at most {self.max_length:,} are allowed.",
            )
            return
        bad = (_NOT_IN_TEXT if self.multiline else _NOT_IN_A_LINE).search(value)
        if bad:
            errors.add(
                where, name, f"contains {_character(bad.group())} at character {bad.start() + 1}."
            )
        elif not self.blank and not value.strip():
            errors.add(where, name, "must not be blank.")


@dataclass(frozen=True, kw_only=True)
class Integer(Spec):
    minimum: int
    maximum: int

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        between = f"must be between {self.minimum} and {self.maximum}"
        if isinstance(value, Unrepresentable) and value.digits:
            errors.add(where, name, f"{between}, got {value.description}.")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.add(where, name, f"expected an integer, got {describe(value)}.")
        elif not self.minimum <= value <= self.maximum:
            errors.add(where, name, f"{between}, got {_integer(value)}.")


@dataclass(frozen=True, kw_only=True)
class Boolean(Spec):
    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, bool):
            errors.add(where, name, f"expected true or false, got {describe(value)}.")


@dataclass(frozen=True, kw_only=True)
class Choice(Spec):
    choices: tuple[str, ...]

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, str):
            errors.add(where, name, f"expected a string, got {describe(value)}.")
        elif value not in self.choices:
            errors.add(where, name, f"must be one of {', '.join(self.choices)}; got {show(value)}.")


def parse_aware_datetime(value: str) -> datetime:
    """An ISO 8601 date-time with a time zone. ValueError if it is not one; OverflowError if
    UTC cannot represent it (year 1 at +05:00, year 9999 at -05:00)."""
    parsed = parse_datetime(value)  # ValueError for a well-formed but impossible date
    if parsed is None or parsed.utcoffset() is None:
        raise ValueError(value)
    parsed.astimezone(UTC)
    return parsed


@dataclass(frozen=True, kw_only=True)
class DateTime(Spec):
    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        expected = "must be an ISO 8601 date-time with a time zone"
        if not isinstance(value, str):
            errors.add(where, name, f"{expected}, got {describe(value)}.")
            return
        try:
            if len(value) > MAX_DATETIME:
                raise ValueError(value)
            parse_aware_datetime(value)
        except ValueError:
            errors.add(where, name, f"{expected}, got {show(value)}.")
        except OverflowError:
            errors.add(where, name, f"{show(value)} is out of range once converted to UTC.")


@dataclass(frozen=True, kw_only=True)
class Record:
    """A JSON object with declared fields; any other field is an error (a typo, most often)."""

    fields: Mapping[str, Spec]
    # Rules across fields, beyond each field's own type: each yields (field, message) for
    # every way a record breaks it. A rule skips ill-typed values: the fields report those.
    rules: tuple[Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]], ...] = ()

    def check_record(self, value: Any, where: str, errors: Errors) -> None:
        if not isinstance(value, Mapping):
            errors.add(where, None, f"expected a JSON object, got {describe(value)}.")
            return
        for key in getattr(value, "repeated_keys", ()):
            errors.add(where, clip(key), "appears more than once in the same object.")
        unknown = [key for key in value if key not in self.fields]
        if unknown:
            listed = ", ".join(show(key) for key in unknown[:10])
            more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
            errors.add(where or "file", None, f"unknown field(s): {listed}{more}.")
        for name, spec in self.fields.items():
            if name in value:
                spec.check(value[name], where, name, errors)
            elif spec.required:
                errors.add(where, name, "is required.")
        for rule in self.rules:
            for name, message in rule(value):
                errors.add(where, name, message)


@dataclass(frozen=True, kw_only=True)
class ListOf(Spec):
    """A list of values or of records; ``unique`` names the records' natural key."""

    item: Spec | Record
    max_items: int
    min_items: int = 0
    too_few: str = ""
    unique: str | None = None
    unique_nulls: bool = False  # null is a key too (one single-quality stream per video)

    def check(self, value: Any, where: str, name: str, errors: Errors) -> None:
        if not isinstance(value, list):
            errors.add(where, name, f"expected a list, got {describe(value)}.")
            return
        if len(value) > self.max_items:
            errors.add(
                where, name, f"has {len(value):,} items; at most {self.max_items:,} are allowed."
            )
            return
        if len(value) < self.min_items:
            errors.add(where, name, self.too_few or f"needs at least {self.min_items} item(s).")
            return
        base = f"{where} {name}" if where else name
        for index, item in enumerate(value):
            if isinstance(self.item, Record):
                self.item.check_record(item, place(base, index, item), errors)
            else:
                self.item.check(item, where, f"{name}[{index}]", errors)
        if self.unique:
            self._refuse_repeats(base, value, self.unique, errors)

    def _refuse_repeats(self, base: str, items: list[Any], key: str, errors: Errors) -> None:
        """A natural key twice in one file would silently merge two records: refuse it."""
        seen: dict[Any, int] = {}
        for position, item in enumerate(items):
            if not isinstance(item, Mapping) or (key not in item and not self.unique_nulls):
                continue
            value = item.get(key)
            if isinstance(value, str):
                folded: Any = value.strip().casefold()
            elif value is None and self.unique_nulls:
                folded = None
            elif isinstance(value, int) and not isinstance(value, bool):
                folded = value
            else:
                continue  # the wrong type: already reported
            if folded in seen:
                case = " (keys ignore case)" if isinstance(value, str) else ""
                errors.add(
                    f"{base}[{position}]",
                    key,
                    f"{show(value)} repeats {base}[{seen[folded]}]{case}.",
                )
            seen.setdefault(folded, position)
