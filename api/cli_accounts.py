"""Accounts' secrets from the command line: set a password, issue an API token."""

from __future__ import annotations

import typer
from rich.console import Console

from api.auth import TOKEN_DAYS, Authenticator
from store.bootstrap import open_tally
from store.credentials import open_credentials
from store.settings import DatabaseSettings

account_app = typer.Typer(help="Passwords and API tokens of accounts (roles are in the log).",
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
