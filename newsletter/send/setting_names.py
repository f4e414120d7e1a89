"""How a relay error tells the editor which [smtp] value to change: a setting, or a flag.

Only `newsletter send` has `--smtp-host`, `--smtp-port`, `--smtp-security`, `--smtp-user`
and `--no-verify-certificates`; `run`, `serve` and the welcome email reach the same relay
from newsletter.toml alone, so their errors name its settings (the default here).
"""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.config import CONFIG_NAME

_FLAGS = {
    "host": "--smtp-host",
    "port": "--smtp-port",
    "security": "--smtp-security",
    "user": "--smtp-user",
    "verify_certificates": "--no-verify-certificates",
}


@dataclass(frozen=True, slots=True)
class SettingNames:
    """Names [smtp] values in errors; `flags` when the command has the --smtp-* options."""

    flags: bool = False

    def named(self, *keys: str) -> str:
        """`[smtp] host and port in newsletter.toml`; with flags `--smtp-host/--smtp-port or …`."""
        setting = f"[smtp] {' and '.join(keys)} in {CONFIG_NAME}"
        if not self.flags:
            return setting
        return f"{'/'.join(_FLAGS[key] for key in keys)} or {setting}"

    def use(self, key: str, value: str | bool) -> str:
        """What to do to give `key` this value: `set security = "ssl" under [smtp] in …`."""
        if self.flags:
            return f"pass {_FLAGS[key]}" + ("" if isinstance(value, bool) else f" {value}")
        shown = str(value).lower() if isinstance(value, bool) else f'"{value}"'
        return f"set {key} = {shown} under [smtp] in {CONFIG_NAME}"
