"""One exception family for everything a user can get wrong.

The CLI prints ``str(error)`` on one line and exits with status 2.
"""

from __future__ import annotations


MAX_ECHO_CHARS = 80
"""An offending value echoed in an error line is cut to this many characters (with an ellipsis)."""

MAX_FIELD_CHARS = 120
"""A field path in an error line is cut to this many characters (it may carry a user's mapping key)."""

MAX_MESSAGE_CHARS = 200
"""The message of an error line, and its list of allowed values, are each cut to this many characters
(with the field path and the file, one line stays within about 500 characters plus the file name)."""


def shorten(value: object, limit: int = MAX_ECHO_CHARS, *, quote: bool = True) -> str:
    """``repr(value)`` (or ``str`` with ``quote=False``) on one line, cut to ``limit`` characters with '…'.

    A long string is cut before it is rendered, so echoing a 1 MB value costs nothing.

    >>> shorten("x" * 1000, 12)
    "'xxxxxxxxxx…"
    """
    if isinstance(value, str) and len(value) > 4 * limit:
        value = value[: 4 * limit]
    text = repr(value) if quote else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_PATH_CHARS = 160
"""A file path in an error line is cut to this many characters: its start and its end, '…' between."""


def shorten_path(path: object, limit: int = MAX_PATH_CHARS) -> str:
    """``str(path)`` on one line, its middle cut out when longer than ``limit`` (the file name stays).

    >>> shorten_path("/a/" + "x" * 300 + "/s.yaml", 20)
    '/a/xxx…xxxxxx/s.yaml'
    """
    text = " ".join(str(path).split())
    if len(text) <= limit:
        return text
    head = (limit - 1) // 3
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


class IlrsError(Exception):
    """Base of every error ilrs raises on purpose."""

    exit_code = 2


class InputError(IlrsError):
    """Bad input: names the file, the field path and what is allowed.

    >>> str(InputError("bad value", file="s.yaml", field="missions[3].vehicle", allowed=["CZ-5"]))
    "s.yaml: missions[3].vehicle: bad value (allowed: CZ-5)"
    """

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 allowed: list[str] | tuple[str, ...] | str | None = None):
        self.message = message
        self.file = file
        self.field = field
        self.allowed = allowed
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.file:
            parts.append(shorten_path(self.file))
        if self.field:
            parts.append(shorten(self.field, MAX_FIELD_CHARS, quote=False))  # a field path may hold a mapping key
        message = shorten(self.message, MAX_MESSAGE_CHARS, quote=False)
        text = ": ".join(parts + [message]) if parts else message
        if self.allowed:
            text += f" (allowed: {_allowed(self.allowed)})"
        return " ".join(text.split())  # always one line


def _allowed(allowed: list[str] | tuple[str, ...] | str) -> str:
    """The allowed values, as many whole ones as fit in :data:`MAX_MESSAGE_CHARS`, then how many more."""
    if isinstance(allowed, str):
        return shorten(allowed, MAX_MESSAGE_CHARS, quote=False)
    items = [shorten(a, MAX_ECHO_CHARS, quote=False) for a in allowed]
    shown: list[str] = []
    for item in items:
        if len(", ".join(shown + [item])) > MAX_MESSAGE_CHARS:
            return ", ".join(shown) + f" … and {len(items) - len(shown)} more"
        shown.append(item)
    return ", ".join(shown)


class ScenarioError(InputError):
    """A scenario file that does not validate."""


class DatasetError(InputError):
    """A packaged or user-supplied dataset that does not validate."""


class NotFoundError(InputError):
    """A name (site, partner, scenario, vehicle …) that is not in its catalogue."""


class ComputationError(IlrsError):
    """A computation that cannot proceed (span outside the ephemeris, no convergence …)."""
