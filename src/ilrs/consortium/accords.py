"""The Artemis Accords: signatories with their signing days, the counts reported, and the states in
both camps (Accords signatories that are also ILRS members), from ``data/accords.yaml``.

>>> import datetime as dt
>>> from ilrs.consortium.accords import count_on, signatories
>>> len(signatories(dt.date(2020, 10, 13)))
8
>>> count_on(dt.date(2026, 1, 26)).text
'61'

A count is known exactly only where the sources pin it: the n-th signatory signing on day s says
the count was at least n from s on and at most n - 1 before s; a count reported on day r bounds it
from both sides on r. Between two such facts the count is a range (:class:`AccordsCount`), and
after the last one a lower bound (nobody has left the Accords), as for the ILRS counts
(:meth:`ilrs.consortium.Registry.artemis_status`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Literal

import pydantic
from pydantic import Field, model_validator

from ilrs.consortium.dates import ReportedDate
from ilrs.data import accords_catalogue, data_path
from ilrs.errors import DatasetError, shorten
from ilrs.scenario import StrictModel

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class AccordsSource(StrictModel):
    title: str
    address: str | None = None
    date: dt.date | str | None = None
    reliability: Literal["primary", "secondary", "uncertain"] = "primary"
    note: str | None = None


class Signatory(StrictModel):
    """One state's signing: the day (or a month with a ``before`` bound), its rank where reported."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    signed: dt.date | str
    before: dt.date | None = None
    rank: int | None = Field(None, ge=1)
    reported: dt.date | str
    status: Literal["signed", "scheduled"] = "signed"
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _dates_parse(self) -> "Signatory":
        self.signed_date  # raises ValueError on a bad date
        ReportedDate.parse(self.reported)
        return self

    @property
    def signed_date(self) -> ReportedDate:
        return ReportedDate.parse(self.signed, self.before)


class CountReport(StrictModel):
    date: dt.date
    count: int = Field(ge=0)
    at_least: bool = Field(False, description="The report says 'at least' (bounds from below only).")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class Agency(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    state: str | None
    kind: Literal["agency", "firm"] = "agency"
    sources: list[str] = Field(default_factory=list)


class AccordsDataset(StrictModel):
    sources: dict[str, AccordsSource]
    signatories: list[Signatory]
    counts: list[CountReport] = Field(default_factory=list)
    agencies: list[Agency] = Field(default_factory=list)


@dataclass(frozen=True)
class AccordsCount:
    """The number of signatories on a day as the sources allow one to state it."""

    day: dt.date
    at_least: int
    at_most: int | None  # None: no later fact bounds it

    @property
    def exact(self) -> bool:
        return self.at_most == self.at_least

    @property
    def text(self) -> str:
        if self.exact:
            return str(self.at_least)
        return f"{self.at_least}-{self.at_most}" if self.at_most is not None else f">= {self.at_least}"

    def as_dict(self) -> dict:
        return {"date": self.day.isoformat(), "at_least": self.at_least, "at_most": self.at_most,
                "exact": self.exact, "text": self.text}


def _check(ds: AccordsDataset, file: str) -> None:
    """Source ids resolve, party ids are unique, ranks are unique and grow with the signing day."""
    for where, ids in ([(f"signatories[{i}].sources", s.sources) for i, s in enumerate(ds.signatories)]
                       + [(f"counts[{i}].sources", c.sources) for i, c in enumerate(ds.counts)]
                       + [(f"agencies[{i}].sources", a.sources) for i, a in enumerate(ds.agencies)]):
        for j, sid in enumerate(ids):
            if sid not in ds.sources:
                raise DatasetError(f"unknown source {shorten(sid)}", file=file, field=f"{where}[{j}]",
                                   allowed=sorted(ds.sources))
    seen: set[str] = set()
    for i, s in enumerate(list(ds.signatories) + list(ds.agencies)):
        if s.id in seen:
            raise DatasetError(f"duplicate id {shorten(s.id)}", file=file, field=f"[{i}].id")
        seen.add(s.id)
    ranked = sorted((s.rank, s.signed_date.earliest, s.id) for s in ds.signatories if s.rank is not None)
    for (r1, d1, a), (r2, d2, b) in zip(ranked, ranked[1:]):
        if r1 == r2 or d2 < d1:
            raise DatasetError(f"ranks of {a} ({r1}) and {b} ({r2}) disagree with their signing days",
                               file=file, field="signatories")


@lru_cache(maxsize=1)
def load_accords() -> AccordsDataset:
    """``data/accords.yaml``, validated (cached: read it, never change it)."""
    file = str(data_path("accords.yaml"))
    try:
        ds = AccordsDataset.model_validate(accords_catalogue())
    except pydantic.ValidationError as exc:
        from ilrs.scenario import validation_error
        err = validation_error(exc, file)
        raise DatasetError(err.message, file=file, field=err.field, allowed=err.allowed) from None
    _check(ds, file)
    return ds


def signatories(as_of: dt.date | None = None, include_scheduled: bool = False) -> list[Signatory]:
    """Signatories that had certainly signed by the end of ``as_of`` (all if None), in signing order.
    A signing announced as scheduled counts only with ``include_scheduled``."""
    out = [s for s in load_accords().signatories
           if (include_scheduled or s.status == "signed") and (as_of is None or s.signed_date.latest <= as_of)]
    return sorted(out, key=lambda s: (s.signed_date.latest, s.rank or 0))


def _bounds() -> tuple[list[tuple[dt.date, int]], list[tuple[dt.date, int]]]:
    """(day, n) facts "at least n from day on" and "at most n on and before day", day-sorted."""
    ds = load_accords()
    done = [s for s in ds.signatories if s.status == "signed"]
    lower = [(s.signed_date.latest, s.rank) for s in done if s.rank is not None]
    lower += [(c.date, c.count) for c in ds.counts]
    upper = [(s.signed_date.earliest - dt.timedelta(days=1), s.rank - 1) for s in done if s.rank is not None]
    upper += [(c.date, c.count) for c in ds.counts if not c.at_least]
    if done:  # nobody before the first signing: the Accords did not exist yet
        upper.append((min(s.signed_date.earliest for s in done) - dt.timedelta(days=1), 0))
    return sorted(lower), sorted(upper)


def count_on(day: dt.date) -> AccordsCount:
    """How many states had signed by the end of ``day``: a range where the sources leave one."""
    return count_series([day])[0]


def count_series(days: Iterable[dt.date]) -> list[AccordsCount]:
    """:func:`count_on` for each day: at least the signatories named by then and the largest count
    or rank reported by then; at most the smallest later bound (None after the last one)."""
    lower, upper = _bounds()
    named = sorted(s.signed_date.latest for s in signatories())
    low_days = [d for d, _ in lower]
    low_best = _running(lower, max)
    up_days = [d for d, _ in upper]
    up_best = _running(upper[::-1], min)[::-1]
    out = []
    for day in days:
        k = bisect.bisect_right(low_days, day)
        at_least = max(bisect.bisect_right(named, day), low_best[k - 1] if k else 0)
        j = bisect.bisect_left(up_days, day)
        at_most = up_best[j] if j < len(up_best) else None
        if at_most is not None and at_most < at_least:
            raise DatasetError(f"the counts disagree on {day}: at least {at_least}, at most {at_most}",
                               file=str(data_path("accords.yaml")), field="signatories")
        out.append(AccordsCount(day, at_least, at_most))
    return out


def _running(facts: list[tuple[dt.date, int]], pick) -> list[int]:
    out: list[int] = []
    for _, n in facts:
        out.append(n if not out else pick(out[-1], n))
    return out


def both_camps(as_of: dt.date | None = None, registry=None) -> list[dict]:
    """States that signed the Accords (scheduled signings included, marked so) and are ILRS members
    (:class:`ilrs.consortium.Registry`), with both dates, as known on ``as_of`` (all if None)."""
    from ilrs.consortium.registry import default_registry

    reg = registry or default_registry()
    members = {m.party.id: m for m in reg.members(as_of)}
    out = []
    for s in signatories(as_of, include_scheduled=True):
        m = members.get(s.id)
        if m is not None:
            out.append({"id": s.id, "name": s.name, "accords_signed": s.signed_date.text,
                        "accords_status": s.status, "ilrs_joined": m.joined.text, "ilrs_instrument": m.agreement.instrument,
                        "sources": [load_accords().sources[x].title for x in s.sources]})
    return out


def party_name(party_id: str) -> str | None:
    """The name of a signatory or an agency of ``data/accords.yaml`` (None if it names neither)."""
    ds = load_accords()
    for p in list(ds.signatories) + list(ds.agencies):
        if p.id == party_id:
            return p.name
    return None
