"""Help that reads like the README: `FILE`, `ISSUE`, `N` rather than `<str>` and `{ISSUE}`,
and the command list in full rather than cut off with "...".

Typer 0.28 (pinned below 0.29 for start-up speed, see pyproject.toml) ships its own copy of
click whose defaults show a parameter's Python type as its metavar and truncate each
command's summary to the terminal's width.  An option that names its own metavar keeps it;
the rest get the README's words, here, in one place.
"""

from __future__ import annotations

from typing import Any

from typer import core

_TYPE_METAVARS = {
    "<str>": "TEXT",
    "<int>": "N",
    "<int range>": "N",
    "<float>": "NUMBER",
    "<float range>": "NUMBER",
    "<path>": "PATH",
}


def _option_metavar(self: Any, ctx: Any) -> str:
    metavar = _original_option_metavar(self, ctx)
    base, dots = (metavar[:-3], "...") if metavar.endswith("...") else (metavar, "")
    return _TYPE_METAVARS.get(base, base) + dots


def _argument_metavar(self: Any, ctx: Any, *, usage: bool = False) -> str:
    name = self.metavar or (self.name or "").upper()
    if name.startswith("["):
        return name
    name = name.removesuffix("...")
    dots = "..." if self.nargs != 1 else ""
    return f"[{name}]{dots}" if usage and not self.required else f"{name}{dots}"


def _format_commands(self: Any, ctx: Any, formatter: Any) -> None:
    rows = []
    for name in self.list_commands(ctx):
        command = self.get_command(ctx, name)
        if command is not None and not command.hidden:
            rows.append((name, command.get_short_help_str(limit=500)))
    if rows:
        with formatter.section("Commands"):
            formatter.write_dl(rows)  # wraps a long summary instead of cutting it


_original_option_metavar = core.TyperOption.make_metavar
core.TyperOption.make_metavar = _option_metavar  # type: ignore[method-assign]
core.TyperArgument.make_metavar = _argument_metavar  # type: ignore[method-assign]
core.TyperGroup.format_commands = _format_commands  # type: ignore[method-assign]
