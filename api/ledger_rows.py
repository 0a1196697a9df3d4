"""The ledger files an import reads: their columns, and each cell turned into a value, naming the
file, line and column of everything that is wrong (docs/import.md describes every column)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from domain import inputs
from domain.errors import InvalidInputError, TallyError
from domain.values import Category, Channel, FindingKind, Form, HolderKind, Level, Role, Route


@dataclass(frozen=True)
class RowError:
    """Why a row (or a whole file, when ``line`` is 0) was refused."""

    file: str
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    values: dict[str, Any]
    ok: bool = True  # a row with a bad cell still names its id, so others may refer to it

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)


class Cells:
    """Parsers of one cell each; they know today and now in the office's time zone."""

    def __init__(self, now: datetime, zone: tzinfo) -> None:
        self.now = now.astimezone(zone)
        self.zone = zone

    def code(self, value: str) -> str:
        # interned: the plan keys what is ready by codes that many rows repeat
        return sys.intern(inputs.code("", value))

    def text(self, value: str) -> str:
        return inputs.text("", value)

    def day(self, value: str) -> date:
        day = inputs.day("", value)
        if day > self.now.date():
            raise InvalidInputError(f"{day.isoformat()} is in the future", field="")
        return day

    def any_day(self, value: str) -> date:
        """A date that may lie ahead, such as a deadline."""
        return inputs.day("", value)

    def moment(self, value: str) -> date | datetime:
        """A date, or a date and time (in the office's zone when it names none)."""
        if len(value.strip()) == 10:
            return self.day(value)
        moment = inputs.instant("", value, zone=self.zone)
        if moment > self.now + timedelta(minutes=5):
            raise InvalidInputError(f"{value.strip()} is in the future", field="")
        return moment

    def whole(self, value: str) -> int:
        return inputs.whole("", value, minimum=0)

    def year(self, value: str) -> int:
        return inputs.whole("", value, minimum=2000, maximum=2100)

    def amount(self, value: str) -> Any:
        return inputs.amount("", value)

    def flag(self, value: str) -> bool:
        return inputs.flag("", value)

    def authors(self, value: str) -> list[tuple[str, Any]]:
        return inputs.author_shares("", value)

    def codes(self, value: str) -> list[str]:
        codes = [inputs.code("", part) for part in value.split(";") if part.strip()]
        if not codes:
            raise InvalidInputError("must list at least one, separated by ;", field="")
        return codes

    def wholes(self, value: str) -> list[int]:
        return [inputs.whole("", part) for part in value.split(";")]

    def amounts(self, value: str) -> list[Any]:
        return [inputs.amount("", part) for part in value.split(";")]


def one_of(enum_type: type[Any]) -> Callable[[Cells, str], str]:
    def parse(_: Cells, value: str) -> str:
        return str(inputs.choice("", enum_type, value.strip()).value)
    return parse


def one_word(*words: str) -> Callable[[Cells, str], str]:
    def parse(_: Cells, value: str) -> str:
        word = value.strip()
        if word not in words:
            raise InvalidInputError(f"must be one of: {', '.join(words)}", field="")
        return word
    return parse


def roles(cells: Cells, value: str) -> list[str]:
    return [inputs.choice("", Role, part).value for part in cells.codes(value)]


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[Cells, str], Any]
    required: bool = True


def need(name: str, parse: Callable[[Cells, str], Any]) -> Column:
    return Column(name, parse)


def may(name: str, parse: Callable[[Cells, str], Any]) -> Column:
    return Column(name, parse, required=False)


KNOWN = may("known_on", Cells.moment)

#: A target's columns, as set and as adjusted.
TARGET = (need("holder_id", Cells.code), need("year", Cells.year), may("items", Cells.whole),
          may("points", Cells.amount), may("holder_kind", one_of(HolderKind)),
          may("monthly_items", Cells.wholes), may("monthly_points", Cells.amounts))

#: Every file an import reads, in the order its facts rest on one another.
FILES: dict[str, tuple[Column, ...]] = {
    "method_changes.csv": (need("code", Cells.code),
                           need("change", one_word("published", "rescheduled", "withdrawn")),
                           may("effective_from", Cells.any_day), may("reason", Cells.text),
                           KNOWN),
    "units.csv": (need("unit_id", Cells.code), need("name", Cells.text),
                  need("class", Cells.text), may("registered_on", Cells.day), KNOWN),
    "unit_renames.csv": (need("unit_id", Cells.code), need("name", Cells.text),
                         need("effective_on", Cells.day), need("reason", Cells.text), KNOWN),
    "unit_classes.csv": (need("unit_id", Cells.code), need("class", Cells.text),
                         need("reason", Cells.text), KNOWN),
    "outlets.csv": (need("outlet_id", Cells.code), need("name", Cells.text),
                    need("channel", one_of(Channel)), need("level", one_of(Level)), KNOWN),
    "outlet_renames.csv": (need("outlet_id", Cells.code), need("name", Cells.text),
                           need("reason", Cells.text), KNOWN),
    "officers.csv": (need("officer_id", Cells.code), need("name", Cells.text),
                     need("unit_id", Cells.code), need("enrolled_on", Cells.day), KNOWN),
    "accounts.csv": (need("username", Cells.code), need("name", Cells.text),
                     need("roles", roles), may("officer_id", Cells.code),
                     may("unit_id", Cells.code), KNOWN),
    "account_changes.csv": (need("username", Cells.code),
                            need("change", one_word("granted", "revoked", "closed")),
                            may("role", one_of(Role)), may("reason", Cells.text), KNOWN),
    "targets.csv": (*TARGET, KNOWN),
    "target_adjustments.csv": (*TARGET, need("reason", Cells.text), KNOWN),
    "transfers.csv": (need("officer_id", Cells.code), need("to_unit_id", Cells.code),
                      need("effective_on", Cells.day), may("reason", Cells.text), KNOWN),
    "leavings.csv": (need("officer_id", Cells.code), need("left_on", Cells.day),
                     may("reason", Cells.text), KNOWN),
    "unit_closings.csv": (need("unit_id", Cells.code), need("closed_on", Cells.day),
                          may("successor_id", Cells.code), need("reason", Cells.text), KNOWN),
    "commissions.csv": (need("commission_id", Cells.code), need("topic", Cells.text),
                        need("unit_ids", Cells.codes), need("issued_on", Cells.day),
                        need("deadline", Cells.any_day), KNOWN),
    "lapses.csv": (need("commission_id", Cells.code), need("unit_id", Cells.code),
                   need("lapsed_on", Cells.day), KNOWN),
    "submissions.csv": (need("submission_id", Cells.code), need("channel", one_of(Channel)),
                        need("title", Cells.text), need("category", one_of(Category)),
                        need("authors", Cells.authors), need("event_date", Cells.day),
                        may("submitted_on", Cells.day), may("approved_by", Cells.code),
                        may("approved_on", Cells.moment), may("commission_id", Cells.code),
                        may("research", Cells.flag), may("drafted_known_on", Cells.moment),
                        KNOWN, may("approved_known_on", Cells.moment)),
    "returns.csv": (need("submission_id", Cells.code), need("reason", Cells.text),
                    need("returned_on", Cells.moment), may("resubmitted_on", Cells.day),
                    may("title", Cells.text), may("category", one_of(Category)),
                    may("authors", Cells.authors), may("event_date", Cells.day),
                    may("research", Cells.flag), may("revised_known_on", Cells.moment),
                    may("resubmitted_known_on", Cells.moment)),
    "revisions.csv": (need("submission_id", Cells.code), may("title", Cells.text),
                      may("category", one_of(Category)), may("authors", Cells.authors),
                      may("event_date", Cells.day), may("research", Cells.flag), KNOWN),
    "withdrawals.csv": (need("submission_id", Cells.code), need("reason", Cells.text),
                        need("withdrawn_on", Cells.moment)),
    "sends.csv": (need("submission_id", Cells.code), need("outlet_id", Cells.code),
                  need("route", one_of(Route)), need("sent_on", Cells.day), KNOWN),
    "declines.csv": (need("submission_id", Cells.code), need("outlet_id", Cells.code),
                     need("declined_on", Cells.day), may("reason", Cells.text), KNOWN),
    "adoptions.csv": (need("submission_id", Cells.code), need("outlet_id", Cells.code),
                      need("form", one_of(Form)), may("route", one_of(Route)),
                      need("adopted_on", Cells.day), KNOWN),
    "retractions.csv": (need("submission_id", Cells.code), need("outlet_id", Cells.code),
                        need("reason", Cells.text), need("known_on", Cells.moment)),
    "instructions.csv": (need("submission_id", Cells.code), need("leader_level", one_of(Level)),
                         need("instructed_on", Cells.day), KNOWN, may("leader", Cells.text),
                         may("text", Cells.text)),
    "feedback.csv": (need("submission_id", Cells.code), may("instruction", Cells.whole),
                     need("fed_back_on", Cells.day), need("text", Cells.text), KNOWN),
    "appeals.csv": (need("submission_id", Cells.code), need("officer_id", Cells.code),
                    need("filed_on", Cells.day), need("reason", Cells.text), KNOWN),
    "appeal_decisions.csv": (need("submission_id", Cells.code), may("appeal", Cells.whole),
                             need("upheld", Cells.flag), need("decided_on", Cells.day),
                             need("reason", Cells.text), KNOWN),
    "findings.csv": (may("finding_id", Cells.code), need("kind", one_of(FindingKind)),
                     need("holder_id", Cells.code), may("holder_kind", one_of(HolderKind)),
                     need("found_on", Cells.day), need("reason", Cells.text),
                     may("submission_id", Cells.code), KNOWN),
    "withdrawn_findings.csv": (need("finding_id", Cells.code), need("reason", Cells.text),
                               KNOWN),
}

METHOD_SHEET = "method"


@dataclass
class Table:
    """One file's rows: read from its CSV file each time they are wanted (a large ledger is
    never held whole), or held, from a workbook."""

    name: str
    header: list[str]
    path: Path | None = None
    held: list[tuple[int, list[str]]] = field(default_factory=list)
    count: int | None = None  # known once the rows have been read through

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of every row that is not blank."""
        count = 0
        for line, cells in self.lines():
            count += 1
            yield line, cells
        self.count = count

    def where(self, column: str) -> int | None:
        """The column's place in a row (the last, if the header names it twice)."""
        found = [i for i, heading in enumerate(self.header) if heading == column]
        return found[-1] if found else None

    def lines(self) -> Iterator[tuple[int, list[str]]]:
        if self.path is None:
            yield from self.held
            return
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for cells in reader:
                if "".join(cells).strip():  # a row of blank cells is no row
                    yield reader.line_num, cells


@dataclass
class Source:
    """Every file found, by file name, with the method texts."""

    tables: dict[str, Table] = field(default_factory=dict)
    methods: list[tuple[str, str]] = field(default_factory=list)  # (where, TOML text)
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(table.count or 0 for table in self.tables.values())


def read_source(path: Path, method: Path | None = None) -> Source:
    """A folder of CSV files, or a workbook with one sheet per file."""
    source = Source()
    if path.is_file() and path.suffix.lower() == ".xlsx":
        read_workbook(path, source)
    elif path.is_dir():
        read_folder(path, source)
    else:
        source.errors.append(RowError(path.name, 0, "", "give a folder of CSV files or an .xlsx"))
    if method is not None:
        source.methods = [(method.name, method.read_text(encoding="utf-8-sig"))]
    if not source.errors and not source.tables and not source.methods:
        source.errors.append(RowError(path.name, 0, "", "holds no ledger file and no method"))
    return source


def read_folder(folder: Path, source: Source) -> None:
    """The method files, and each CSV file's header: its rows are read when planned."""
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() == ".toml" and path.name.startswith("method"):
            source.methods.append((path.name, path.read_text(encoding="utf-8-sig")))
        elif path.suffix.lower() == ".csv":
            if path.name not in FILES:
                source.errors.append(RowError(path.name, 0, "", unknown_file(path.name)))
                continue
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), [])
            add_table(source, Table(path.name, header, path=path))


def read_workbook(path: Path, source: Source) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            lines = sheet.iter_rows(values_only=True)
            header = [cell_text(c) for c in next(lines, ())]
            rows = [(number, [cell_text(c) for c in cells])
                    for number, cells in enumerate(lines, 2)
                    if any(cell_text(c).strip() for c in cells)]
            if sheet.title == METHOD_SHEET:
                column = header.index("source") if "source" in header else 0
                source.methods += [(f"{METHOD_SHEET}:{number}", cells[column])
                                   for number, cells in rows]
            elif f"{sheet.title}.csv" in FILES:
                add_table(source, Table(f"{sheet.title}.csv", header, held=rows))
            else:
                source.errors.append(RowError(sheet.title, 0, "", unknown_file(sheet.title)))
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unknown_file(name: str) -> str:
    return f"not a ledger file; the files are: {', '.join(FILES)}"


def add_table(source: Source, table: Table) -> None:
    name = table.name
    header = table.header = [h.strip() for h in table.header]
    columns = {c.name: c for c in FILES[name]}
    for position, heading in enumerate(header):
        if heading and heading not in columns:
            source.errors.append(RowError(name, 1, heading, "not a column of this file"))
        elif heading in header[:position]:
            source.errors.append(RowError(name, 1, heading, "the column is given twice"))
    for column in columns.values():
        if column.required and column.name not in header:
            source.errors.append(RowError(name, 1, column.name, "the column is missing"))
    source.tables[name] = table


class Rows:
    """The rows of every file as values, parsed when a plan reads them: a file's problems are
    added to ``source.errors`` the first time it is read whole."""

    def __init__(self, source: Source, cells: Cells) -> None:
        self.source = source
        self.cells = cells
        self.bad: dict[str, set[int]] = {}  # lines with a bad cell, by file, once read whole

    def of(self, name: str, only: tuple[str, ...] | None = None) -> Iterator[Row]:
        """Each row of the file; with ``only``, just those columns and no problems noted (the
        row's ``ok`` is known once the file has been read whole)."""
        table = self.source.tables.get(name)
        if table is None:
            return
        columns = FILES[name] if only is None else [c for c in FILES[name] if c.name in only]
        errors = None if only is not None or name in self.bad else self.source.errors
        bad = self.bad.setdefault(name, set()) if errors is not None else self.bad.get(name, set())
        cells = self.cells
        places = [(column, table.where(column.name)) for column in columns]
        for line, raw in table:
            values: dict[str, Any] = {}
            good = True
            width = len(raw)
            for column, place in places:
                text = raw[place].strip() if place is not None and place < width else ""
                if not text:
                    if column.required:
                        if errors is not None:
                            errors.append(RowError(name, line, column.name, "must not be empty"))
                        good = False
                    continue
                try:
                    values[column.name] = column.parse(cells, text)
                except TallyError as error:
                    if errors is not None:
                        errors.append(RowError(name, line, column.name, error.message))
                    good = False
            if errors is not None and not good:
                bad.add(line)
            yield Row(name, line, values, good if only is None else line not in bad)
