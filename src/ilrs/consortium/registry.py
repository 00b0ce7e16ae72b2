"""The consortium registry: who is in the ILRS, since when, under which instrument, per which source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pydantic

from ilrs.consortium.dates import ReportedDate
from ilrs.consortium.models import (MEMBER_KINDS, Agreement, ArtemisPoint, ConsortiumDataset, Party,
                                    Source)
from ilrs.data import data_path, partners_catalogue, read_yaml_file
from ilrs.errors import DatasetError, NotFoundError

DEFAULT_DATASET = "partners.yaml"


@dataclass(frozen=True)
class Membership:
    """A party's entry into the ILRS: the first instrument that admitted it."""

    party: Party
    joined: ReportedDate
    agreement: Agreement

    def as_dict(self, registry: "Registry") -> dict:
        return {
            "id": self.party.id,
            "name": self.party.name,
            "short": self.party.short,
            "kind": self.party.kind,
            "country": self.party.country,
            "joined": self.joined.text,
            "joined_earliest": self.joined.earliest.isoformat(),
            "joined_latest": self.joined.latest.isoformat() if not self.joined.is_unknown else None,
            "date_precision": self.joined.precision,
            "date_reliability": self.agreement.best_claim(registry.sources).reliability(registry.sources),
            "date_claims": registry.date_claims(self.agreement),
            "instrument": self.agreement.instrument,
            "agreement": self.agreement.id,
            "sources": [registry.sources[s].cite for s in self.agreement.all_sources],
        }


class Registry:
    """Queries over a validated consortium dataset.

    >>> reg = Registry.load()
    >>> "belarus" in {m.party.id for m in reg.members(as_of=dt.date(2023, 10, 23))}
    True
    """

    def __init__(self, dataset: ConsortiumDataset, file: str = DEFAULT_DATASET):
        # the Artemis series in report order, whatever the file's order (counts reported later may
        # be listed anywhere in the file); sorted() is stable, so equal days keep the file's order
        series = sorted(dataset.artemis_accords, key=lambda pt: pt.reported.latest)
        dataset = dataset.model_copy(update={"artemis_accords": series})
        self.dataset = dataset
        self.file = file
        self.sources: dict[str, Source] = dict(dataset.sources)
        self.parties: dict[str, Party] = {p.id: p for p in dataset.parties}
        self.agreements: dict[str, Agreement] = {a.id: a for a in dataset.agreements}
        self._check_integrity()
        self._dates: dict[str, ReportedDate] = {a.id: a.dated(self.sources) for a in dataset.agreements}

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | Path | None = None) -> "Registry":
        """The packaged registry, or a user's file with the same schema."""
        p = Path(path) if path is not None else data_path(DEFAULT_DATASET)
        raw = read_yaml_file(p) if path is not None else partners_catalogue()
        label = str(p) if path is not None else f"ilrs/data/{DEFAULT_DATASET}"
        if not isinstance(raw, dict):
            raise DatasetError("the dataset must be a mapping", file=label)
        try:
            dataset = ConsortiumDataset.model_validate(raw)
        except pydantic.ValidationError as exc:
            from ilrs.scenario import validation_error

            err = validation_error(exc, label)
            raise DatasetError(err.message, file=label, field=err.field, allowed=err.allowed) from None
        return cls(dataset, label)

    def _fail(self, field: str, message: str, allowed: Iterable[str] | None = None) -> None:
        raise DatasetError(message, file=self.file, field=field,
                           allowed=sorted(allowed) if allowed is not None else None)

    def _check_integrity(self) -> None:
        ds = self.dataset
        for kind, items in (("parties", ds.parties), ("agreements", ds.agreements)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    self._fail(f"{kind}[{i}].id", f"duplicate id {item.id!r}")
                seen.add(item.id)

        def check_sources(field: str, ids: Iterable[str]) -> None:
            for j, s in enumerate(ids):
                if s not in self.sources:
                    self._fail(f"{field}[{j}]", f"unknown source {s!r}", self.sources)

        def check_party(field: str, pid: str) -> None:
            if pid not in self.parties:
                self._fail(field, f"unknown party {pid!r}", self.parties)

        for i, p in enumerate(ds.parties):
            check_sources(f"parties[{i}].sources", p.sources)
            if p.artemis_accords:
                check_sources(f"parties[{i}].artemis_accords.sources", p.artemis_accords.sources)
        for i, a in enumerate(ds.agreements):
            f = f"agreements[{i}]"
            for j, pid in enumerate(a.parties):
                check_party(f"{f}.parties[{j}]", pid)
            for j, pid in enumerate(a.admits):
                check_party(f"{f}.admits[{j}]", pid)
                if self.parties[pid].kind not in MEMBER_KINDS:
                    self._fail(f"{f}.admits[{j}]", f"{pid!r} is a {self.parties[pid].kind}, not a member kind",
                               MEMBER_KINDS)
            for j, s in enumerate(a.signatories):
                check_party(f"{f}.signatories[{j}].party", s.party)
            check_sources(f"{f}.sources", a.sources)
            for j, c in enumerate(a.date_claims):
                check_sources(f"{f}.date_claims[{j}].sources", c.sources)
            for j, e in enumerate(a.events):
                check_sources(f"{f}.events[{j}].sources", e.sources)
            for j, m in enumerate(a.mentions):
                check_sources(f"{f}.mentions[{j}].sources", m.sources)
        for i, c in enumerate(ds.count_claims):
            check_sources(f"count_claims[{i}].sources", c.sources)
        for i, m in enumerate(ds.mentions):
            check_party(f"mentions[{i}].party", m.party)
            check_sources(f"mentions[{i}].sources", m.sources)
        last: ArtemisPoint | None = None
        for i, pt in enumerate(ds.artemis_accords):
            check_sources(f"artemis_accords[{i}].sources", pt.sources)
            for j, m in enumerate(pt.mentions):
                check_sources(f"artemis_accords[{i}].mentions[{j}].sources", m.sources)
            if last is not None and (pt.reported.latest < last.reported.latest or pt.count < last.count):
                self._fail(f"artemis_accords[{i}]", "counts must not decrease from one report to a later one")
            last = pt

    # ----------------------------------------------------------------- queries
    def memberships(self) -> list[Membership]:
        """Every member with its first admitting instrument, in order of joining."""
        first: dict[str, Membership] = {}
        for a in self.agreements.values():
            for pid in a.admits:
                m = Membership(self.parties[pid], self.date_of(a), a)
                old = first.get(pid)
                if old is None or (m.joined.latest, m.joined.earliest) < (old.joined.latest, old.joined.earliest):
                    first[pid] = m
        return sorted(first.values(), key=lambda m: (m.joined.latest, m.joined.earliest, m.party.name))

    def members(self, as_of: dt.date | None = None, kind: str | None = None) -> list[Membership]:
        """Members that had certainly joined by the end of ``as_of`` (all if None), optionally of one kind."""
        if kind is not None and kind not in MEMBER_KINDS:
            raise NotFoundError(f"unknown member kind {kind!r}", field="--kind", allowed=MEMBER_KINDS)
        out = self.memberships()
        if as_of is not None:
            out = [m for m in out if m.joined.certainly_by(as_of)]
        if kind is not None:
            out = [m for m in out if m.party.kind == kind]
        return out

    def member_count_series(self, days: Iterable[dt.date], kind: str | None = None) -> list[int]:
        """Number of members certainly in the ILRS at the end of each day."""
        joined = sorted(m.joined.latest for m in self.memberships() if kind is None or m.party.kind == kind)
        import bisect

        return [bisect.bisect_right(joined, d) for d in days]

    def artemis_point(self, as_of: dt.date | None = None) -> ArtemisPoint | None:
        """The latest reported Artemis Accords count certainly published by ``as_of`` (the latest if None)."""
        point = None
        for pt in self.dataset.artemis_accords:
            if as_of is None or pt.reported.latest <= as_of:
                point = pt
        return point

    def artemis_count(self, as_of: dt.date) -> int | None:
        """Artemis Accords signatories last reported by ``as_of`` (None before the first report).

        Between reports this is a lower bound (nobody has left the Accords): see :meth:`artemis_status`.
        """
        point = self.artemis_point(as_of)
        return point.count if point is not None else None

    def artemis_status(self, as_of: dt.date | None = None) -> dict | None:
        """The Artemis Accords count as the sources allow one to state it on ``as_of``.

        ``count_at_least`` is the last count reported by then; ``exact`` only on the day of a report
        (counts are published at signings, not continuously). ``text`` reads "≥ 8 (reported 2020-10-13)".
        """
        point = self.artemis_point(as_of)
        if point is None:
            return None
        r = point.reported
        exact = as_of is not None and r.precision == "day" and r.latest == as_of
        return {"count_at_least": point.count, "exact": exact, "reported": r.text,
                "sources": self.cite(point.sources),
                "text": f"{'' if exact else '≥ '}{point.count} (reported {r.text})"}

    def last_dated_fact(self) -> dt.date:
        """The latest day any dated fact of the dataset refers to (agreements, events, counts, Artemis points)."""
        days = [d.latest for d in self._dates.values() if d.latest != dt.date.max]
        days += [e.date for a in self.agreements.values() for e in a.events]
        days += [c.date for c in self.dataset.count_claims]
        days += [pt.reported.latest for pt in self.dataset.artemis_accords]
        return max(days)

    def first_dated_fact(self) -> dt.date:
        """The earliest day a fact of the dataset was published (see :meth:`as_known_on`)."""
        days = [self._published(c.reported.latest, c.sources) for a in self.agreements.values() for c in a.date_claims]
        days += [c.date for c in self.dataset.count_claims]
        days += [pt.reported.latest for pt in self.dataset.artemis_accords]
        return min(days)

    def _published(self, happened_by: dt.date, source_ids: Iterable[str]) -> dt.date:
        """When a claim was public: its first dated source, never before the event itself; the
        event's last possible day where no source is dated (reported the day it happened)."""
        dated = [self.sources[s].date for s in source_ids if self.sources[s].date is not None]
        return max(happened_by, min(dated)) if dated else happened_by

    def as_known_on(self, day: dt.date) -> "Registry":
        """The registry as it could be written at the end of ``day``: date claims, events,
        mentions, published counts and Artemis counts published by then (:meth:`_published`);
        agreements without such a claim are absent, so are their members. Parties stay (names,
        not dated facts). The campaign's counterpart is
        :func:`ilrs.scenario.campaign_asof.scenario_as_known_on`."""
        agreements = []
        for a in self.dataset.agreements:
            claims = [c for c in a.date_claims if self._published(c.reported.latest, c.sources) <= day]
            if claims:
                agreements.append(a.model_copy(update={
                    "date_claims": claims, "events": [e for e in a.events if e.date <= day]}))
        ds = self.dataset
        mentions = [m for m in ds.mentions
                    if m.date is not None and ReportedDate.parse(m.date).latest <= day]
        known = ds.model_copy(update={
            "agreements": agreements, "mentions": mentions,
            "count_claims": [c for c in ds.count_claims if c.date <= day],
            "artemis_accords": [pt for pt in ds.artemis_accords if pt.reported.latest <= day]})
        return Registry(known, f"{self.file} as known on {day}")

    def find(self, name: str) -> Party:
        """A party by id, name or short name (case-insensitive); a prefix works when only one party has it."""
        key = " ".join(name.split()).lower()
        if not key:
            raise NotFoundError("a party name cannot be blank", field="NAME", allowed=sorted(self.parties))
        for field in ("id", "name", "short"):
            exact = [p for p in self.parties.values() if (getattr(p, field) or "").lower() == key]
            if len(exact) == 1:
                return exact[0]
        hits = [p for p in self.parties.values()
                if p.name.lower().startswith(key) or p.id.startswith(key) or (p.short or "").lower().startswith(key)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise NotFoundError(f"{name!r} is ambiguous (matches: {', '.join(sorted(p.id for p in hits))})",
                                field="NAME")
        raise NotFoundError(f"no party named {name!r}", field="NAME", allowed=sorted(self.parties))

    def agreements_of(self, party_id: str) -> list[Agreement]:
        """Agreements a party signed or was admitted by, in date order."""
        out = [a for a in self.agreements.values()
               if party_id in a.parties or party_id in a.admits
               or any(s.party == party_id for s in a.signatories)]
        return sorted(out, key=lambda a: (self.date_of(a).latest, self.date_of(a).earliest))

    def date_of(self, agreement: Agreement) -> ReportedDate:
        """When an agreement was concluded, per its most reliable claims (see :meth:`Agreement.best_claim`)."""
        return self._dates[agreement.id]

    def date_claims(self, agreement: Agreement) -> list[dict]:
        """Every date claim of an agreement, as reported, with its sources and which one dates it."""
        best = agreement.best_claim(self.sources)
        return [{"date": c.reported.text, "earliest": c.reported.earliest.isoformat(),
                 "latest": c.reported.latest.isoformat() if not c.reported.is_unknown else None,
                 "reliability": c.reliability(self.sources), "used": c is best,
                 "sources": self.cite(c.sources), "note": c.note} for c in agreement.date_claims]

    def agreements_with_clause(self, clause: str) -> list[Agreement]:
        return [a for a in self.agreements.values() if clause in a.clauses]

    def partner_ids(self) -> frozenset[str]:
        """Ids of every party (members, agencies and organizations)."""
        return frozenset(self.parties)

    def cite(self, source_ids: Iterable[str]) -> list[str]:
        return [self.sources[s].cite for s in source_ids]


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The packaged registry, loaded once."""
    return Registry.load()


def partner_ids() -> frozenset[str]:
    """Ids of every party in the packaged registry (for validating owner references)."""
    return default_registry().partner_ids()
