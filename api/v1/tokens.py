"""Bearer tokens: exchange a username and password for a token; who am I."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import TOKEN_DAYS
from api.deps import ApiPrincipal, ServicesDep
from api.policy import allowed_actions

router = APIRouter(tags=["tokens"])


class TokenRequest(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    label: str = Field("api", max_length=100)
    days: int = Field(TOKEN_DAYS, ge=1, le=366)


class TokenIssued(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    officer: str | None
    unit: str | None
    actions: list[str]


@router.post("/tokens", response_model=TokenIssued, status_code=201,
             summary="Exchange a username and password for a bearer token")
def issue_token(body: TokenRequest, services: ServicesDep) -> TokenIssued:
    token, expires = services.auth.issue_token(body.username, body.password, body.label,
                                               body.days)
    return TokenIssued(token=token, expires_at=expires)


@router.get("/me", response_model=Me, summary="The account behind the token and what it may do")
def me(principal: ApiPrincipal) -> Me:
    return Me(username=principal.username, display_name=principal.display_name,
              roles=sorted(principal.roles), officer=principal.officer_code,
              unit=principal.unit_code, actions=allowed_actions(principal))
