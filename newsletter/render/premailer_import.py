"""Import premailer without paying for what it imports only to fetch.

premailer imports `requests` at module level only to fetch remote stylesheets, and its CSS
parser cssutils imports `urllib.request` (http.client, ssl, the email package's parser) to
fetch an `@import` and `importlib.metadata` to name its version to the server it fetches
from.  We never let either fetch (`allow_network=False`, and premailer reads no `@import`),
and those imports cost about 0.14 s of a cold `newsletter build` (requests, urllib3, charset
detection) plus 9% of its instructions (the other two).  So premailer is handed stand-in
modules that import the real ones on first use.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
import urllib
from typing import cast

# What premailer and cssutils import only to fetch, and the parent packages whose attribute
# they read it by (cssutils calls `urllib.request.pathname2url` through the package).
_FETCHING = ("requests", "urllib.request", "importlib.metadata")
# Held while a stand-in is checked and taken out of sys.modules: two threads reading one
# both saw it there, and the second `del` raised KeyError (or took out the real module).
_SWAP = threading.Lock()


class _DeferredModule(types.ModuleType):
    """A module that imports the real one the first time an attribute is read."""

    def __getattr__(self, attribute: str) -> object:
        with _SWAP:
            if sys.modules.get(self.__name__) is self:
                # read while premailer is still importing (another thread, say): import_module
                # would hand back this stand-in and recurse; the real module takes its place
                del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


def _import_premailer() -> type:
    stand_ins = {name: _DeferredModule(name) for name in _FETCHING if name not in sys.modules}
    sys.modules.update(stand_ins)
    if "urllib.request" in stand_ins and not hasattr(urllib, "request"):
        # until the real module, once imported, takes its place (mypy: a submodule not imported)
        urllib.request = stand_ins["urllib.request"]  # type: ignore[attr-defined]
    try:
        from premailer import Premailer
    finally:
        with _SWAP:
            for name, stand_in in stand_ins.items():
                if sys.modules.get(name) is stand_in:  # not already replaced by the real one
                    del sys.modules[name]  # later imports get the real package
    return cast(type, Premailer)


Premailer = _import_premailer()

__all__ = ["Premailer"]
