"""FastAPI dependencies: the services, the principal (bearer token or session), CSRF, command
metadata (actor, correlation id, idempotency key)."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated
from uuid import uuid4

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from api.policy import Principal
from api.services import Services
from domain.application import CommandMeta
from domain.errors import InvalidInputError, NotAuthenticatedError, NotAuthorisedError

SESSION_USER = "username"
SESSION_CSRF = "csrf"
SESSION_SEEN = "seen"


class LoginRequired(Exception):
    """A page was asked for without a session: the handler sends the browser to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


# The dependencies that read nothing are ``async``: FastAPI runs a plain ``def`` dependency in
# a worker thread, and the hand-offs cost more than the work (the routes stay plain ``def``).

async def services_dependency(request: Request) -> Services:
    return services(request)


ServicesDep = Annotated[Services, Depends(services_dependency)]


async def api_principal(
    request: Request,
    authorization: Annotated[str | None, Header(description="Bearer <token>")] = None,
) -> Principal:
    """The account behind the request's bearer token (401 without a valid one); read in a
    worker thread unless checked within ``api.auth.PRINCIPAL_SECONDS``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise NotAuthenticatedError("send Authorization: Bearer <token> (POST /api/v1/tokens)",
                                    field="authorization")
    auth, token = services(request).auth, authorization[7:].strip()
    return auth.checked_principal(token) or await run_in_threadpool(auth.token_principal, token)


def session_principal(request: Request) -> Principal | None:
    """The account logged in on this browser session, if any and not idle too long."""
    session = request.session
    username = session.get(SESSION_USER)
    if not username:
        return None
    settings = request.app.state.session_settings
    now = time.time()
    if now - float(session.get(SESSION_SEEN, 0)) > settings.idle_seconds:
        session.clear()
        return None
    session[SESSION_SEEN] = now
    try:
        return services(request).auth.principal(username)
    except NotAuthenticatedError:
        session.clear()
        return None


def page_principal(request: Request) -> Principal:
    principal = session_principal(request)
    if principal is None:
        raise LoginRequired(str(request.url.path) + (f"?{request.url.query}"
                                                      if request.url.query else ""))
    return principal


def start_session(request: Request, principal: Principal) -> None:
    request.session.clear()
    request.session[SESSION_USER] = principal.username
    request.session[SESSION_SEEN] = time.time()
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; forms carry it in ``csrf_token``."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return str(token)


async def check_csrf(request: Request) -> None:
    """Refuse a form post whose ``csrf_token`` is not this session's (403, nothing written)."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise NotAuthorisedError("the form's CSRF token is missing or stale; reload the page",
                                 field="csrf_token")


def command_meta(
    principal: Principal,
    idempotency_key: str | None = None,
    request_id: str | None = None,
) -> CommandMeta:
    if idempotency_key is not None and not idempotency_key.strip():
        raise InvalidInputError("must not be blank", field="idempotency_key")
    return CommandMeta(actor=principal.username, correlation_id=request_id or str(uuid4()),
                       idempotency_key=idempotency_key)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
PagePrincipal = Annotated[Principal, Depends(page_principal)]


async def api_meta(
    principal: ApiPrincipal,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key",
        description="Repeat a command safely: the same key and body give the same result, "
                    "recorded once.")] = None,
    request_id: Annotated[str | None, Header(alias="X-Request-ID")] = None,
) -> CommandMeta:
    return command_meta(principal, idempotency_key, request_id)


ApiMeta = Annotated[CommandMeta, Depends(api_meta)]
