"""Who may access each partner's data: the access policy from the agreements' IP clauses.

The only published ILRS instrument with an intellectual-property clause is the 2022 Russia–China
intergovernmental agreement (seed 004: "clauses on intellectual property protection, ensuring
that the rights of both parties are safeguarded … facilitate the sharing of knowledge"). The rule
applied here, stated so it can be checked:

* data owned by a party to an agreement with an ``intellectual-property`` clause may be accessed
  by the parties to that agreement (states, and the agencies that signed for them, resolved to
  their states);
* data of any other owner stays with its owner (no published sharing terms).
"""

from __future__ import annotations

from dataclasses import dataclass

from ilrs.consortium import Registry, default_registry


@dataclass(frozen=True)
class AccessPolicy:
    owner: str
    access: tuple[str, ...]
    basis: str
    agreements: tuple[str, ...] = ()


def _state_of(reg: Registry, party_id: str) -> str:
    p = reg.parties.get(party_id)
    if p is None or p.kind == "state":
        return party_id
    for q in reg.parties.values():
        if q.kind == "state" and q.country is not None and q.country == p.country:
            return q.id
    return party_id


def access_policy(owner: str, registry: Registry | None = None) -> AccessPolicy:
    """The access policy of data owned by ``owner`` (a partner id)."""
    reg = registry or default_registry()
    me = _state_of(reg, owner)
    hits = [a for a in reg.agreements_with_clause("intellectual-property")
            if me in {_state_of(reg, p) for p in a.parties}]
    if not hits:
        return AccessPolicy(owner, (owner,), "owner only: no published IP-sharing clause covers this partner")
    access = sorted({_state_of(reg, p) for a in hits for p in a.parties} | {owner})
    return AccessPolicy(owner, tuple(access),
                        "IP clause: " + "; ".join(f"{a.title} ({reg.date_of(a).text})" for a in hits),
                        tuple(a.id for a in hits))


def data_by_partner(kpi_groups: list[dict], registry: Registry | None = None) -> list[dict]:
    """Rows (owner, area, returned/lost Gbit, who may access it, basis) from result totals."""
    reg = registry or default_registry()
    rows = []
    for g in kpi_groups:
        pol = access_policy(g["owner"], reg)
        rows.append({"owner": g["owner"], "area": g["area"],
                     "returned_gbit": g["returned_bit"] / 1e9, "lost_gbit": g["lost_bit"] / 1e9,
                     "access": ", ".join(pol.access), "basis": pol.basis})
    return rows
