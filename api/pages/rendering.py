"""Rendering pages: the Jinja2 environment with gettext, the layout's context (navigation by
role, language switch, CSRF token), error pages and report downloads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api import i18n
from api.deps import csrf_token
from api.i18n import N_
from api.pages.labels import choices, label
from api.policy import Principal, can
from api.refusals import localized
from api.report_output import Sheet, csv_bytes, xlsx_bytes
from api.reports import Report
from domain.errors import InvalidInputError

TEMPLATE_DIR = Path(__file__).parent.parent / "templates"
STATIC_DIR = Path(__file__).parent.parent / "static"  # inlined: a page is one request


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATE_DIR), str(STATIC_DIR)]),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True,
    )
    # The callables read the language of the page being rendered (``i18n.speaking``), so one
    # environment serves every request whatever its language.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(label=label, choices=choices, refusal=localized,
                       form_key=lambda: uuid4().hex)
    return env


TEMPLATES = Jinja2Templates(env=environment())


@dataclass(frozen=True)
class NavEntry:
    path: str
    title: str  # an English source string of the catalogue
    action: str


#: The navigation by group (title: an English source string of the catalogue), each entry
#: shown only to those whose roles may take its action, and a group only with an entry shown.
#: Down the side of the page: the twenty-odd entries an editor or administrator sees took two
#: lines across it at 1280 pixels, in no order a newcomer could follow.
NAVIGATION: tuple[tuple[str, tuple[NavEntry, ...]], ...] = (
    (N_("Desk"), (
        NavEntry("/", N_("Dashboard"), "read_dashboard"),
        NavEntry("/reminders", N_("Reminders"), "read_reminders"),
    )),
    (N_("Items"), (
        NavEntry("/submissions", N_("Submissions"), "read_items"),
        NavEntry("/submissions/new", N_("New item"), "draft_submission"),
        NavEntry("/approvals", N_("Approval queue"), "approve"),
        NavEntry("/adoptions", N_("Adoption register"), "read_items"),
        NavEntry("/commissions", N_("Commissions"), "read_items"),
        NavEntry("/appeals", N_("Appeals"), "read_items"),
    )),
    (N_("Scores and assessment"), (
        NavEntry("/rankings", N_("Rankings"), "read_reports"),
        NavEntry("/bulletins", N_("Bulletins"), "read_bulletins"),
        NavEntry("/quota", N_("Quota progress"), "read_reports"),
        NavEntry("/targets", N_("Targets"), "read_reports"),
        NavEntry("/findings", N_("Findings"), "read_reports"),
        NavEntry("/explain", N_("Why these points"), "explain"),
        NavEntry("/ledger", N_("Scoring ledger"), "read_reports"),
        NavEntry("/changes", N_("Changes"), "read_reports"),
        NavEntry("/exports", N_("Exports"), "export"),
    )),
    (N_("Administration and audit"), (
        NavEntry("/methods", N_("Scoring methods"), "read_directory"),
        NavEntry("/directory", N_("Directory"), "read_directory"),
        NavEntry("/imports", N_("Import ledgers"), "import_ledgers"),
        NavEntry("/audit", N_("Audit trail"), "read_audit"),
        NavEntry("/integrity", N_("Log integrity"), "verify_log"),
    )),
)


def navigation(principal: Principal | None) -> list[tuple[str, list[NavEntry]]]:
    """The groups of entries ``principal`` may open (none before a login)."""
    if principal is None:
        return []
    groups = [(title, [entry for entry in entries if can(principal, entry.action)])
              for title, entries in NAVIGATION]
    return [(title, entries) for title, entries in groups if entries]


def here(path: str, groups: list[tuple[str, list[NavEntry]]]) -> str:
    """The entry a page belongs to: its own, or the one it lies under (an item's page under
    the items, a run's under the imports); the longest such path wins."""
    under = [entry.path for _, entries in groups for entry in entries
             if path == entry.path or (entry.path != "/" and path.startswith(entry.path + "/"))]
    return max(under, key=len, default=path)


def with_query(request: Request, **changes: str | None) -> str:
    """This page's address with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    """A page in the request's language; a ``?lang=`` switch is remembered in a cookie."""
    language = i18n.chosen(request)
    principal = context.get("user")  # error pages show no navigation: they may be about it
    groups = navigation(principal)
    base = {
        "csrf_token": csrf_token(request), "user": principal,
        "navigation": groups, "here": here(request.url.path, groups),
        "language": language, "html_lang": i18n.HTML_LANG[language],
        "languages": [(code, name, with_query(request, lang=code))
                      for code, name in i18n.LANGUAGES.items()],
        "with_query": lambda **changes: with_query(request, **changes),
        "can": (lambda action: can(principal, action)) if principal else (lambda action: False),
    }
    with i18n.speaking(language):
        response = TEMPLATES.TemplateResponse(request, template, {**base, **context},
                                              status_code=status_code)
    if i18n.requested(request):
        response.set_cookie(i18n.COOKIE, language, max_age=i18n.COOKIE_MAX_AGE,
                            samesite="lax", httponly=True)
    return response


def render_error(request: Request, error: dict[str, Any], status_code: int) -> HTMLResponse:
    return render(request, "error.html", {"error": error, "status": status_code}, status_code)


FORMATS = ("html", "xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def output_format(value: str | None) -> str:
    if value in (None, "", "html"):
        return "html"
    if value not in FORMATS:
        raise InvalidInputError(f"must be one of: {', '.join(FORMATS)}", field="format")
    return value


def download(sheets: list[Sheet], file_format: str, name: str, csv_sheet: int = 0) -> Response:
    """A report as an Excel workbook (every table) or a CSV file (its main table)."""
    data = xlsx_bytes(sheets) if file_format == "xlsx" else csv_bytes(sheets[csv_sheet])
    filename = f"{name}.{file_format}"
    return Response(data, media_type=MEDIA_TYPES[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def download_report(report: Report, file_format: str, name: str) -> Response:
    return download(report.sheets, file_format, name, report.csv_sheet)
