"""What the routers share: the command result, field types with limits, report downloads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.policy import Principal, allow
from api.report_output import ColumnSpec, Sheet, csv_bytes, xlsx_bytes
from api.reports import Report
from api.services import Services
from domain import inputs
from projections.scores import ScoreReports


class CommandResult(BaseModel):
    """What a command answers: the id of the thing it created or changed."""

    id: str


class Numbered(CommandResult):
    """A command that adds a numbered part to an item (an instruction, an appeal)."""

    number: int


Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s/]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(max_length=2000)]
Channel = Literal["info", "publicity"]
Level = Literal["national", "provincial", "city", "county"]
HolderKind = Literal["officer", "unit"]
Role = Literal["officer", "approver", "editor", "administrator", "auditor", "leader"]
OutputFormat = Literal["json", "csv", "xlsx"]

PeriodQuery = Annotated[str, Query(min_length=4, max_length=10,
                                   description="2025, 2025-H1, 2025-Q3 or 2025-07")]
AsOfQuery = Annotated[str | None, Query(max_length=40,
                                        description="As the office knew it then (a date: its "
                                                    "end); default now")]
OnQuery = Annotated[str | None, Query(max_length=10,
                                     description="The day the list stands on (YYYY-MM-DD): "
                                                 "names and postings in effect then; "
                                                 "default today")]
ByQuery = Annotated[HolderKind, Query(description="officer or unit")]
FormatQuery = Annotated[OutputFormat, Query(alias="format",
                                            description="json, csv or xlsx (a download)")]

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def json_response(document: Any) -> Response:
    """JSON as the command line writes it: amounts stay the strings they are."""
    return Response(json.dumps(document, ensure_ascii=False, default=str),
                    media_type="application/json")


def on_day(services: Services, on: str | None) -> date:
    """The day a directory list stands on: the one asked for, else today."""
    return inputs.day("on", on) if on else services.tally.today()


def permit(principal: Principal, action: str, output: OutputFormat = "json") -> None:
    """Refuse the read, or its download (the ``export`` action), before anything is read."""
    allow(principal, action)
    if output != "json":
        allow(principal, "export")


def download(principal: Principal, report: Report, output: OutputFormat,
             filename: str) -> Response:
    """The report's document as JSON, its CSV table, or a workbook of all its tables."""
    if output == "json":
        return json_response(report.document)
    allow(principal, "export")
    data = (csv_bytes(report.sheets[report.csv_sheet]) if output == "csv"
            else xlsx_bytes(report.sheets))
    return Response(data, media_type=MEDIA_TYPES[output], headers={
        "Content-Disposition": f'attachment; filename="{filename}.{output}"'})


def table(principal: Principal, name: str, title: str, rows: list[dict[str, Any]],
          columns: Sequence[ColumnSpec], output: OutputFormat) -> Response:
    """A one-table report (audit trail, boards, reminders): JSON is the list of rows."""
    report = Report(name, title, rows, [Sheet(title, rows, columns)])
    return download(principal, report, output, f"{name}-{date.today().isoformat()}")


def score_reports(services: Services) -> ScoreReports:
    """The score reports over the points ledger, caught up with the log."""
    return ScoreReports(services.view("ledger"), zone=services.tally.zone)
