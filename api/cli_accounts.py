"""Accounts from the command line: list them, set a password, issue an API token."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from api.auth import TOKEN_DAYS, Authenticator
from api.cli_reports import FORMAT_OPTION, OUTPUT_OPTION
from api.report_output import OutputFormat, emit, text
from projections.labels import ROLES, label
from projections.registry import open_projection
from projections.runner import refresh
from store.bootstrap import open_tally
from store.credentials import open_credentials
from store.settings import DatabaseSettings

account_app = typer.Typer(help="Accounts: the list, passwords and API tokens (roles are in the "
                               "log).",
                          no_args_is_help=True)
console = Console()


def authenticator() -> Authenticator:
    settings = DatabaseSettings.from_environment()
    return Authenticator(open_tally(settings), open_credentials(settings))


@account_app.command("password")
def password(
    username: str = typer.Argument(..., help="The account's username."),
    new_password: str = typer.Option(..., "--password", prompt=True, hide_input=True,
                                     confirmation_prompt=True,
                                     help="The new password (asked for when not given)."),
) -> None:
    """Set an account's password (hashed with argon2); its API tokens are revoked."""
    authenticator().set_password(username, new_password)
    console.print(f"[green]Password set[/green] for {username}; earlier API tokens revoked.")


@account_app.command("token")
def token(
    username: str = typer.Argument(..., help="The account's username."),
    account_password: str = typer.Option(..., "--password", prompt=True, hide_input=True,
                                         help="The account's password."),
    days: int = typer.Option(TOKEN_DAYS, "--days", help="Days until the token expires."),
    label: str = typer.Option("cli", "--label", help="What the token is for."),
) -> None:
    """Issue a bearer token for the JSON API; it is shown once."""
    issued, expires = authenticator().issue_token(username, account_password, label, days)
    console.print(issued, markup=False, soft_wrap=True)
    console.print(f"expires {expires.isoformat(timespec='minutes')}", style="dim")


ACCOUNT_COLUMNS = [text("username", "账号", wrap=False), text("display_name", "姓名", wrap=False),
                   text("role_names", "角色"), text("officer", "信息员编号", wrap=False),
                   text("unit_name", "所在单位", wrap=False), text("closed_reason", "关闭原因")]


@account_app.command("list")
def list_accounts(
    closed: bool = typer.Option(False, "--closed", help="Closed accounts too, with why."),
    output: OutputFormat = FORMAT_OPTION, path: Path | None = OUTPUT_OPTION,
) -> None:
    """Every account with its roles, officer and unit, by username."""
    settings = DatabaseSettings.from_environment()
    tally = open_tally(settings)
    catalog = open_projection(settings, "catalog")
    refresh(tally, catalog)
    accounts = catalog.view.accounts(tally.today(), closed=closed)
    rows = [{**account, "role_names": "、".join(label(ROLES, role) for role in account["roles"])}
            for account in accounts]
    emit(rows if output is not OutputFormat.JSON else accounts, ACCOUNT_COLUMNS, output,
         path=path, dim=lambda row: bool(row["closed"]), title="账号")
