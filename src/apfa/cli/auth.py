"""``apfa auth``: inspect access control."""

from __future__ import annotations

import typer
from rich.table import Table

from apfa.auth.permissions import Role
from apfa.auth.routes import AUTHENTICATED, PUBLIC, UNDECLARED, roles_for, route_access
from apfa.cli.runtime import console, settings

app = typer.Typer(help="Inspect access control.", no_args_is_help=True)


def _who(access: str) -> str:
    if access == PUBLIC:
        return "anyone"
    roles = roles_for(access)
    if access == AUTHENTICATED or set(roles) == set(Role):
        return "every role"
    return ", ".join(role.value for role in roles) or "nobody"


@app.command("routes")
def routes() -> None:
    """Every HTTP route with what it requires and the roles that may call it."""
    # Imported here: only this command needs the whole app's module tree.
    from apfa.main import create_app

    rows = route_access(create_app(settings()))
    table = Table(title="APFA routes")
    table.add_column("method", no_wrap=True)
    table.add_column("path", no_wrap=True)
    table.add_column("access", no_wrap=True)
    table.add_column("roles", overflow="fold")
    for row in rows:
        style = "bold red" if row.access == UNDECLARED else None
        table.add_row(row.method, row.path, row.access, _who(row.access), style=style)
    console.print(table)
    undeclared = sum(row.access == UNDECLARED for row in rows)
    if undeclared:
        console.print(f"[bold red]{undeclared} route(s) declare no access[/bold red]")
        raise typer.Exit(code=1)
