"""Import premailer without paying for `requests` at start-up.

premailer imports `requests` at module level only to fetch remote stylesheets,
which we never allow (`allow_network=False`).  Importing requests (urllib3,
charset detection...) costs about 0.1 s of a cold `newsletter build`, so
premailer is handed a stand-in module that imports the real one on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import cast


class _DeferredModule(types.ModuleType):
    """A module that imports the real one the first time an attribute is read."""

    def __getattr__(self, attribute: str) -> object:
        return getattr(importlib.import_module(self.__name__), attribute)


def _import_premailer() -> type:
    if "requests" in sys.modules:
        from premailer import Premailer

        return cast(type, Premailer)
    sys.modules["requests"] = _DeferredModule("requests")
    try:
        from premailer import Premailer
    finally:
        del sys.modules["requests"]  # later imports get the real package
    return cast(type, Premailer)


Premailer = _import_premailer()

__all__ = ["Premailer"]
