"""One exception family for everything a user can get wrong.

The CLI prints ``str(error)`` on one line and exits with status 2.
"""

from __future__ import annotations


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
            parts.append(str(self.file))
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts + [self.message]) if parts else self.message
        if self.allowed:
            allowed = self.allowed if isinstance(self.allowed, str) else ", ".join(map(str, self.allowed))
            text += f" (allowed: {allowed})"
        return " ".join(text.split())  # always one line


class ScenarioError(InputError):
    """A scenario file that does not validate."""


class DatasetError(InputError):
    """A packaged or user-supplied dataset that does not validate."""


class NotFoundError(InputError):
    """A name (site, partner, scenario, vehicle …) that is not in its catalogue."""


class ComputationError(IlrsError):
    """A computation that cannot proceed (span outside the ephemeris, no convergence …)."""
