"""The application served over HTTP: the JSON API under /api/v1 and the web pages.

Both sides share one set of services, one error map (``api.errors``) and one role table
(``api.policy``). The API authenticates by bearer token; pages by a session cookie (signed,
HttpOnly, SameSite=Lax, Secure where configured) with a CSRF token on every form."""

from __future__ import annotations

import gc
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from api import i18n
from api.deps import LoginRequired
from api.errors import UNAVAILABLE, http_status, unavailable_body
from api.refusals import localized
from api.services import Services
from domain.errors import TallyError
from store.settings import DatabaseSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionSettings:
    secret: str
    max_age: int
    idle_seconds: int
    https_only: bool

    @classmethod
    def from_environment(cls) -> SessionSettings:
        secret = os.environ.get("TALLY_SECRET_KEY", "")
        if not secret:
            log.warning("TALLY_SECRET_KEY is not set: sessions last only as long as this process")
            secret = secrets.token_urlsafe(32)
        return cls(
            secret=secret,
            max_age=int(float(os.environ.get("TALLY_SESSION_HOURS", "8")) * 3600),
            idle_seconds=int(float(os.environ.get("TALLY_SESSION_IDLE_MINUTES", "30")) * 60),
            https_only=os.environ.get("TALLY_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        )


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


#: The collector's thresholds in a serving process. A ranking of 3,000 officers makes some
#: 30,000 objects that live through the request: at the default first threshold (700) the
#: collector ran dozens of times a request, promoted them all, and about one request in five
#: paid a full collection of everything the process holds (40-60 ms at 100k events).
SERVING_GC_THRESHOLDS = (10_000, 10, 10)


def tune_collector() -> None:
    """The garbage collector as a serving process wants it: what the process made at start
    (modules, the app, its caches so far) frozen out of every later collection, and the
    collections fewer (``SERVING_GC_THRESHOLDS``). For servers and the benchmark that stands
    for one; tests keep the interpreter's defaults."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)


def serving_app(settings: DatabaseSettings | None = None) -> FastAPI:
    """The app a server process runs (``uvicorn --factory api.web:serving_app``): the app of
    ``settings`` (the environment's, if None), with the collector tuned for serving."""
    web = create_app(settings)
    tune_collector()
    return web


def create_app(settings: DatabaseSettings | None = None, *, services: Services | None = None,
               session: SessionSettings | None = None) -> FastAPI:
    from api.pages import pages_router, render_error
    from api.v1 import api_router

    services = services or Services(settings or DatabaseSettings.from_environment())
    session = session or SessionSettings.from_environment()
    web = FastAPI(
        title="Tally",
        version="1.0.0",
        description="信息宣传工作 — submissions, adoptions, scores, rankings and bulletins.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    web.state.services = services
    web.state.session_settings = session
    web.add_middleware(SessionMiddleware, secret_key=session.secret, session_cookie="tally_session",
                       max_age=session.max_age, same_site="lax", https_only=session.https_only)

    @web.exception_handler(TallyError)
    def refused(request: Request, error: TallyError) -> Response:
        """A refused request answers with its status and names the field; nothing was written."""
        status = http_status(error)
        if is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            return api_refusal(request, error.as_dict(), status, headers)
        if status == 401:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return render_error(request, error.as_dict(), status)

    @web.exception_handler(RequestValidationError)
    def invalid(request: Request, error: RequestValidationError) -> Response:
        """Malformed requests (422) name the first field at fault, and list every problem."""
        problems = [{"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query",
                                                                             "path", "header")),
                     "message": e["msg"]} for e in error.errors()]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        body = {"error": "InvalidInputError", "field": first["field"] or None,
                "message": first["message"], "problems": problems}
        if is_api(request):
            return JSONResponse(body, status_code=422)
        return render_error(request, body, 422)

    def database_down(request: Request, error: Exception) -> Response:
        """The database is down or unreachable: 503 within a bounded wait, never a hang."""
        log.warning("database unavailable during %s %s: %s", request.method, request.url.path,
                    error)
        body = unavailable_body()
        if is_api(request):
            return api_refusal(request, body, 503, {"Retry-After": "5"})
        response = render_error(request, body, 503)
        response.headers["Retry-After"] = "5"
        return response

    for failure in UNAVAILABLE:
        web.add_exception_handler(failure, database_down)

    @web.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """Framework refusals (a body that is not JSON, no such route, wrong method) in the
        same shape as every other error; an unreadable body is a 422 naming the body."""
        status, field = error.status_code, None
        if status == 400 and "parsing the body" in str(error.detail):
            status, field = 422, "body"
        body = {"error": "InvalidInputError" if status == 422 else "HTTPError",
                "field": field, "message": str(error.detail)}
        if is_api(request):
            return JSONResponse(body, status_code=status, headers=error.headers)
        return render_error(request, body, status)

    @web.exception_handler(LoginRequired)
    def login_first(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(error.next_url)}", status_code=303)

    @web.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        """Liveness check."""
        return {"status": "ok"}

    web.include_router(api_router)
    web.include_router(pages_router)
    return web


def api_refusal(request: Request, body: dict[str, Any], status: int,
                headers: dict[str, str]) -> JSONResponse:
    """A refusal of the JSON API: its message in the language ``Accept-Language`` asks for
    (English unless asked), the error's name and field as they are, for programs to read."""
    language = i18n.accepted(request)
    if language != "en":
        with i18n.speaking(language):
            body = {**body, "message": localized(str(body["message"]))}
    return JSONResponse(body, status_code=status,
                        headers={**headers, "Content-Language": i18n.HTML_LANG[language]})
