"""Turning the primitives a command receives into domain values, naming the field on failure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from domain.errors import InvalidInputError, SharesError

E = TypeVar("E", bound=Enum)

MAX_TEXT = 2000
MAX_TITLE = 200


def text(field: str, value: Any, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInputError("must be text", field=field)
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInputError("must not be empty", field=field)
    if len(cleaned) > max_length:
        raise InvalidInputError(f"must be at most {max_length} characters", field=field)
    bad = _UNPRINTABLE.search(cleaned)
    if bad is not None:
        raise InvalidInputError(
            "must not contain control characters or broken Unicode "
            f"(found U+{ord(bad.group()):04X})", field=field)
    return cleaned


#: Tab, line feed and carriage return are text; other control characters (Unicode category
#: Cc: U+0000-U+001F and U+007F-U+009F) corrupt exports (Excel refuses them), and lone
#: surrogates (Cs: U+D800-U+DFFF) cannot be stored as UTF-8. One regular expression finds the
#: first of them (a category lookup per character was a fifth of a bulk import's recording).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: What a code may not hold: ``\s`` matches exactly the characters ``str.isspace`` calls space.
_SPACE_OR_SLASH = re.compile(r"[\s/]")


def code(field: str, value: Any) -> str:
    cleaned = text(field, value, max_length=64)
    if _SPACE_OR_SLASH.search(cleaned):
        raise InvalidInputError("must not contain spaces or slashes", field=field)
    return cleaned


def day(field: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise InvalidInputError("must be a date, not a date and time", field=field)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInputError("must be a date written YYYY-MM-DD", field=field)


def instant(field: str, value: Any, *, zone: tzinfo = UTC, end_of_day: bool = False) -> datetime:
    """A moment; a time without a zone is in ``zone`` (the office's), and a bare date means the
    start of that day, or its end when ``end_of_day`` (as in "as of 2026-01-09")."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.max if end_of_day else time.min)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day_only = date.fromisoformat(text)
                moment = datetime.combine(day_only, time.max if end_of_day else time.min)
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(
                "must be a date and time written YYYY-MM-DDTHH:MM[:SS][+08:00]", field=field
            ) from None
    else:
        raise InvalidInputError("must be a date and time", field=field)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def choice(field: str, enum_type: type[E], value: Any) -> E:
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise InvalidInputError(f"must be one of: {allowed}", field=field) from None


def whole(field: str, value: Any, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise InvalidInputError("must be a whole number", field=field)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInputError("must be a whole number", field=field) from None
    if not isinstance(value, int):
        raise InvalidInputError("must be a whole number", field=field)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise InvalidInputError(f"must be {bound}", field=field)
    return value


def amount(field: str, value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        value = str(value) if isinstance(value, float) else value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInputError("must be a number", field=field) from None
    if not number.is_finite() or number < 0:
        raise InvalidInputError("must be a number >= 0", field=field)
    return number


def flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "y"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "n", ""):
        return False
    raise InvalidInputError("must be true or false", field=field)


def uuid(field: str, value: Any) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidInputError("must be an id", field=field) from None


def given_id(field: str, value: Any, ref: Any) -> UUID | None:
    """The id given to a new item (``field``), which then has no reference: see
    ``domain.identity.created``."""
    if value is None or value == "":
        return None
    if ref:
        raise InvalidInputError("give the id or a ref, not both", field=field)
    return uuid(field, value)


def listed(field: str, value: Any) -> list[Any]:
    """The entries of a list (or tuple or set); a string, mapping or single value is refused."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError("must be a list", field=field)
    return list(value)


def author_shares(field: str, value: Any) -> list[tuple[str, Decimal | None]]:
    """Authors as ``"o1;o2"``, ``"o1:0.6;o2:0.4"``, a list of codes or of mappings."""
    entries: list[tuple[str, Any]] = []
    if isinstance(value, Mapping):
        raise InvalidInputError("must list the authors, e.g. [{officer, share}, ...]",
                                field=field)
    if isinstance(value, str):
        for part in value.split(";"):
            if not part.strip():
                continue
            officer, _, share = part.partition(":")
            entries.append((officer.strip(), share.strip() or None))
    elif isinstance(value, Iterable):
        for item in value:
            if isinstance(item, Mapping):
                entries.append((item.get("officer"), item.get("share")))
            elif isinstance(item, str):
                entries.append((item, None))
            else:
                raise InvalidInputError("each author must be an officer code", field=field)
    else:
        raise InvalidInputError("must list at least one author", field=field)
    if not entries:
        raise InvalidInputError("must list at least one author", field=field)
    officers = [code(field, officer) for officer, _ in entries]
    if len(set(officers)) != len(officers):
        raise InvalidInputError("lists the same author twice", field=field)
    declared = [share for _, share in entries]
    if all(share is None for share in declared):
        return [(officer, None) for officer in officers]
    if any(share is None for share in declared):
        raise SharesError("give a share for every author or for none", field=field)
    shares = [amount(field, share) for share in declared]
    if any(share <= 0 for share in shares):
        raise SharesError("every share must be above zero", field=field)
    if sum(shares) != 1:
        raise SharesError(f"shares sum to {sum(shares)}, not 1", field=field)
    return list(zip(officers, shares, strict=True))
