"""The web pages (server-rendered with Jinja2, no JavaScript build step), behind a login."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import (
    PagePrincipal,
    ServicesDep,
    check_csrf,
    csrf_token,
    session_principal,
    start_session,
)
from api.policy import allow
from domain import inputs
from domain.errors import NotAuthenticatedError, TooManyAttemptsError
from projections.scores import ScoreReports
from workflows.reminders import reminders

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))

CHANNELS = {"info": "政务信息", "publicity": "宣传稿件"}
STATUSES = {"draft": "草稿", "submitted": "待审核", "approved": "已签发", "returned": "已退回",
            "withdrawn": "已撤回"}
CATEGORIES = {"new_measure": "新举措", "important_situation": "重要情况和突出问题",
              "typical_experience": "典型经验", "other": "其他"}

pages_router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    context = {"csrf_token": csrf_token(request), **context}
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def render_error(request: Request, error: dict[str, Any], status_code: int) -> HTMLResponse:
    return render(request, "error.html", {"error": error}, status_code)


def safe_next(value: str | None) -> str:
    """Only a path on this site, so the login form cannot send anyone elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@pages_router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    return render(request, "login.html", {"next": safe_next(next), "failed": None})


@pages_router.post("/login", response_class=HTMLResponse,
                   dependencies=[Depends(check_csrf)])
def login(request: Request, services: ServicesDep,
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:  # noqa: A002
    try:
        principal = services.auth.login(username, password)
    except (NotAuthenticatedError, TooManyAttemptsError) as error:
        status = 429 if isinstance(error, TooManyAttemptsError) else 401
        return render(request, "login.html",
                      {"next": safe_next(next), "failed": error.message, "username": username},
                      status)
    start_session(request, principal)
    return RedirectResponse(safe_next(next), status_code=303)


@pages_router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@pages_router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal, services: ServicesDep) -> HTMLResponse:
    """The directory and the latest submissions."""
    allow(principal, "read_directory")
    catalog = services.view("catalog")
    return render(request, "home.html", {
        "user": principal,
        "counts": catalog.counts(),
        "units": catalog.units(),
        "officers": catalog.officers(),
        "submissions": catalog.submissions(limit=100),
        "channels": CHANNELS, "statuses": STATUSES, "categories": CATEGORIES,
    })


@pages_router.get("/reminders", response_class=HTMLResponse)
def reminder_list(request: Request, principal: PagePrincipal, services: ServicesDep,
                  as_of: str | None = None) -> HTMLResponse:
    """Who to chase (催报): quotas behind, commissions due or overdue, feedback awaited."""
    allow(principal, "read_reminders")
    projections = services.current()
    tally = services.tally
    day = inputs.day("as_of", as_of) if as_of else tally.today()
    found = reminders(ScoreReports(projections["ledger"].view, tally.zone),
                      projections["boards"].view, day)
    return render(request, "reminders.html",
                  {"user": principal, "day": day.isoformat(),
                   "reminders": [r.as_dict() for r in found]})


__all__ = ["pages_router", "render", "render_error", "session_principal"]
