"""Schema of the consortium dataset (``data/partners.yaml``), validated with pydantic v2."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal, Mapping

from pydantic import Field, field_validator, model_validator

from ilrs.consortium.dates import ReportedDate
from ilrs.scenario import StrictModel

PartyKind = Literal["state", "government", "agency", "academy", "intergovernmental-organization", "institute",
                    "firm", "organization", "coordinating-body"]
"""``government``: a state's executive signing for it (e.g. the Government of Pakistan, seed 002)."""
MEMBER_KINDS = ("state", "intergovernmental-organization", "institute", "firm", "organization")
Instrument = Literal["intergovernmental-mou", "intergovernmental-agreement", "mou", "memorandum",
                     "joint-declaration", "joint-statement", "letter-of-intent", "agreement",
                     "cooperation-document", "roadmap", "unknown"]
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
RELIABILITY = ("primary", "secondary", "uncertain")
"""Source reliability, best first ([?] in shared/reference/ilrs-facts.md marks the uncertain ones)."""


class Source(StrictModel):
    title: str
    address: str | None = None
    seed: str | None = Field(None, pattern=r"^seeds/[0-9]{3}_[0-9a-f]{16}\.txt$")
    date: dt.date | None = None
    reliability: Literal["primary", "secondary", "uncertain"] = "primary"
    note: str | None = None

    @property
    def cite(self) -> str:
        return self.seed or self.address or self.title


class Cited(StrictModel):
    sources: list[str] = Field(min_length=1)


class ArtemisStatus(Cited):
    signed: bool


class Party(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    short: str | None = None
    kind: PartyKind
    country: str | None
    note: str | None = None
    sources: list[str] = Field(default_factory=list, description="Where the party and its note are reported.")
    artemis_accords: ArtemisStatus | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short})" if self.short and self.short not in self.name else self.name


class DateClaim(Cited):
    date: dt.date | str | int | None
    before: dt.date | None = None
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v):
        return v

    @model_validator(mode="after")
    def _parses(self) -> "DateClaim":
        self.reported  # raises ValueError on a bad date
        return self

    @property
    def reported(self) -> ReportedDate:
        return ReportedDate.parse(self.date, self.before)

    def reliability(self, sources: Mapping[str, Source]) -> str:
        """The best reliability among the claim's sources (one primary source makes a primary claim)."""
        return min((sources[s].reliability for s in self.sources), key=RELIABILITY.index)


class Signatory(StrictModel):
    person: str
    role: str
    party: str


class AgreementEvent(Cited):
    date: dt.date
    what: str


class Mention(Cited):
    what: str


class Agreement(StrictModel):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    date_claims: list[DateClaim] = Field(min_length=1)
    instrument: Instrument
    parties: list[str] = Field(min_length=1)
    admits: list[str] = Field(default_factory=list, description="Parties this instrument brings into the ILRS.")
    signatories: list[Signatory] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    clauses: list[Literal["intellectual-property"]] = Field(default_factory=list)
    events: list[AgreementEvent] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    note: str | None = None
    sources: list[str] = Field(default_factory=list)

    def best_claim(self, sources: Mapping[str, Source]) -> DateClaim:
        """The claim that dates the agreement: among the most reliable claims, the narrowest (first listed on a tie).

        A narrow date from an uncertain source never overrides a wider one from a reliable source.
        """
        return min(self.date_claims, key=lambda c: (RELIABILITY.index(c.reliability(sources)),
                                                     (c.reported.latest - c.reported.earliest).days))

    def dated(self, sources: Mapping[str, Source]) -> ReportedDate:
        """The agreement's date (:meth:`best_claim`); its text ends in " [?]" when only uncertain sources give it."""
        claim = self.best_claim(sources)
        reported = claim.reported
        if claim.reliability(sources) == "uncertain":
            reported = dataclasses.replace(reported, text=f"{reported.text} [?]")
        return reported

    @property
    def all_sources(self) -> list[str]:
        out = list(self.sources)
        for group in ([c.sources for c in self.date_claims] + [e.sources for e in self.events]
                      + [m.sources for m in self.mentions]):
            out.extend(group)
        return list(dict.fromkeys(out))


class CountClaim(Cited):
    date: dt.date
    count: int = Field(ge=0)
    counts: str


class PartyMention(Cited):
    party: str
    date: str | dt.date | None
    what: str


class ArtemisPoint(Cited):
    date: dt.date | str
    count: int = Field(ge=0)
    note: str | None = None
    mentions: list[Mention] = Field(default_factory=list,
                                    description="Looser reports consistent with this count (\"nearly 30\").")

    @property
    def reported(self) -> ReportedDate:
        return ReportedDate.parse(self.date)


class ConsortiumDataset(StrictModel):
    sources: dict[str, Source]
    parties: list[Party]
    agreements: list[Agreement]
    count_claims: list[CountClaim] = Field(default_factory=list)
    mentions: list[PartyMention] = Field(default_factory=list)
    artemis_accords: list[ArtemisPoint] = Field(default_factory=list)
