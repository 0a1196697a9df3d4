"""Writing reports: rich tables in the terminal, JSON, CSV (UTF-8 with a BOM, for Excel) and
XLSX workbooks (Chinese headers, column widths and number formats), to stdout or a file."""

from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """A report column: its key in the JSON rows, its heading, how a row shows it as text, and
    for a number, its value in a workbook and the number format Excel shows it with."""

    key: str
    heading: str
    show: Callable[[Row], str]
    value: Callable[[Row], Any] | None = None
    number_format: str | None = None
    wrap: bool = True  # in the terminal; names and codes stay on one line

    @property
    def numeric(self) -> bool:
        return self.value is not None


#: The form the older reports give their columns in: (key, heading, show).
ColumnSpec = Column | tuple[str, str, Callable[[Row], str]]

POINTS_FORMAT = "0.00"
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "0"


def as_column(spec: ColumnSpec) -> Column:
    return spec if isinstance(spec, Column) else Column(*spec)


def dig(row: Row, key: str) -> Any:
    """``row["a"]["b"]`` for the key ``a.b``."""
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def text(key: str, heading: str, *, wrap: bool = True) -> Column:
    def show(row: Row) -> str:
        value = dig(row, key)
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return "" if value is None else str(value)
    return Column(key, heading, show, wrap=wrap)


def count(key: str, heading: str) -> Column:
    return Column(key, heading, lambda r: "" if dig(r, key) is None else str(dig(r, key)),
                  lambda r: dig(r, key), COUNT_FORMAT)


def decimal(key: str, heading: str, number_format: str = POINTS_FORMAT) -> Column:
    """An amount kept as exact text in JSON ("12.50"), a number in a workbook."""
    def value(row: Row) -> Decimal | None:
        raw = dig(row, key)
        return None if raw in (None, "") else Decimal(str(raw))
    return Column(key, heading, lambda r: "" if dig(r, key) is None else str(dig(r, key)),
                  value, number_format)


def money(key: str, heading: str) -> Column:
    return decimal(key, heading, MONEY_FORMAT)


def percent(key: str, heading: str) -> Column:
    """A percentage kept as text ("87.5"), shown as 87.5%, a fraction (0.875) in a workbook."""
    def value(row: Row) -> Decimal | None:
        raw = dig(row, key)
        return None if raw in (None, "") else Decimal(str(raw)) / 100
    return Column(key, heading, lambda r: "" if dig(r, key) is None else f"{dig(r, key)}%",
                  value, PERCENT_FORMAT)


def rate(key: str, heading: str) -> Column:
    """A ratio kept as text ("0.4225"), shown as 42.25%."""
    def show(row: Row) -> str:
        raw = dig(row, key)
        return "" if raw is None else f"{Decimal(str(raw)) * 100:.2f}%"
    def value(row: Row) -> Decimal | None:
        raw = dig(row, key)
        return None if raw is None else Decimal(str(raw))
    return Column(key, heading, show, value, RATE_FORMAT)


@dataclass
class Sheet:
    """One table of a report: a terminal table, a CSV file or a worksheet."""

    title: str
    rows: list[Row]
    columns: Sequence[ColumnSpec]
    table_columns: Sequence[ColumnSpec] | None = None
    dim: Callable[[Row], bool] = lambda row: False


def emit(rows: list[Row], columns: Sequence[ColumnSpec], output: OutputFormat, *,
         title: str, table_columns: Sequence[ColumnSpec] | None = None,
         dim: Callable[[Row], bool] = lambda row: False, path: Path | None = None) -> None:
    """A one-table report in the chosen format; JSON is the list of row objects."""
    emit_sheets([Sheet(title, rows, columns, table_columns, dim)], output, document=rows,
                path=path)


def emit_sheets(sheets: Sequence[Sheet], output: OutputFormat, *, document: Any,
                path: Path | None = None, csv_sheet: int = 0,
                notes: Sequence[str] = (), terminal_sheets: Sequence[int] | None = None) -> None:
    """A report of one or more tables: JSON writes ``document``, CSV the table ``csv_sheet``,
    XLSX one worksheet per table, and the terminal the tables ``terminal_sheets`` (all by
    default) with the ``notes`` after."""
    if output is OutputFormat.JSON:
        write(json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
              + b"\n", path)
    elif output is OutputFormat.CSV:
        write(csv_bytes(sheets[csv_sheet]), path)
    elif output is OutputFormat.XLSX:
        write(xlsx_bytes(sheets), path)
    else:
        shown = sheets if terminal_sheets is None else [sheets[i] for i in terminal_sheets]
        print_tables(shown, notes, path)


def csv_bytes(sheet: Sheet) -> bytes:
    columns = [as_column(c) for c in sheet.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in columns])
    writer.writerows([[c.show(row) for c in columns] for row in sheet.rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM tells Excel it is UTF-8


def print_tables(sheets: Sequence[Sheet], notes: Sequence[str], path: Path | None) -> None:
    out = console
    handle = None
    if path is not None:
        handle = path.open("w", encoding="utf-8")
        out = Console(file=handle, width=200)
    try:
        for sheet in sheets:
            table = Table(title=sheet.title)
            shown = [as_column(c) for c in (sheet.table_columns or sheet.columns)]
            for column in shown:
                table.add_column(column.heading, overflow="fold", no_wrap=not column.wrap,
                                 justify="right" if column.numeric else "left")
            for row in sheet.rows:
                table.add_row(*[c.show(row) for c in shown],
                              style="dim" if sheet.dim(row) else None)
            out.print(table)
            out.print(f"共 {len(sheet.rows)} 行")
        for note in notes:
            out.print(note)
    finally:
        if handle is not None:
            handle.close()


def display_width(value: str) -> int:
    """Columns a text takes in Excel's default font: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


MAX_WIDTH = 60
SHEET_NAME_FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\"})


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for sheet in sheets:
        name = sheet.title.translate(SHEET_NAME_FORBIDDEN)[:31]
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        worksheet = workbook.create_sheet(name)
        columns = [as_column(c) for c in sheet.columns]
        worksheet.append([c.heading for c in columns])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for row in sheet.rows:
            worksheet.append([c.value(row) if c.value else c.show(row) for c in columns])
        for index, column in enumerate(columns, 1):
            letter = worksheet.cell(row=1, column=index).column_letter
            widest = max([display_width(column.heading)]
                         + [display_width(column.show(row)) for row in sheet.rows])
            worksheet.column_dimensions[letter].width = min(MAX_WIDTH, widest + 2)
            if column.number_format:
                for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = column.number_format
        worksheet.freeze_panes = "A2"
        if sheet.rows:
            worksheet.auto_filter.ref = worksheet.dimensions
    if not workbook.worksheets:
        workbook.create_sheet("空")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(data: bytes, path: Path | None) -> None:
    """To the file, or to stdout as bytes (UTF-8 whatever the terminal's locale)."""
    if path is not None:
        path.write_bytes(data)
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def write_utf8(text: str) -> None:
    write(text.encode("utf-8"), None)
