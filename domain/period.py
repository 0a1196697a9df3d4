"""Assessment periods: a year, a half, a quarter or a month, always including the last day."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInputError

MIN_YEAR, MAX_YEAR = 1900, 2999
_PATTERN = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive: a period never drops its last day

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> Period:
        match = _PATTERN.match(str(text).strip())
        if not match:
            raise InvalidInputError("must be written 2025, 2025-H1, 2025-Q3 or 2025-07",
                                    field=field)
        year = int(match.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidInputError(f"the year must be {MIN_YEAR} to {MAX_YEAR}", field=field)
        part = match.group(2)
        if part is None:
            return cls(f"{year}", date(year, 1, 1), date(year, 12, 31))
        if part.startswith("H"):
            half = int(part[1])
            first = 1 if half == 1 else 7
            return cls(f"{year}-H{half}", date(year, first, 1), _month_end(year, first + 5))
        if part.startswith("Q"):
            quarter = int(part[1])
            first = 3 * quarter - 2
            return cls(f"{year}-Q{quarter}", date(year, first, 1), _month_end(year, first + 2))
        month = int(part)
        if not 1 <= month <= 12:
            raise InvalidInputError("the month must be 01 to 12", field=field)
        return cls(f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month))

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def is_year(self) -> bool:
        return self.start == date(self.year, 1, 1) and self.end == date(self.year, 12, 31)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def months(self) -> list[int]:
        return list(range(self.start.month, self.end.month + 1))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
