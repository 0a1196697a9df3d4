"""Logging in and out of the pages (a signed session cookie; every form carries a CSRF token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ServicesDep, check_csrf, start_session
from api.pages.rendering import render
from domain.errors import NotAuthenticatedError, TooManyAttemptsError

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path on this site, so the login form cannot send anyone elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The login form."""
    return render(request, "login.html", {"next": safe_next(next), "failed": None})


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def login(request: Request, services: ServicesDep,
          username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:  # noqa: A002
    """Check the password and start a session."""
    try:
        principal = services.auth.login(username, password)
    except (NotAuthenticatedError, TooManyAttemptsError) as error:
        status = 429 if isinstance(error, TooManyAttemptsError) else 401
        return render(request, "login.html",
                      {"next": safe_next(next), "failed": error.message, "username": username},
                      status)
    start_session(request, principal)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
