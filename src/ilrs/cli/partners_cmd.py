"""``ilrs partners``: the ILRS consortium as sourced, queryable data."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ilrs.cli.common import OutputFormat, echo_json, format_option, out_option, output_folder, parse_date, quiet_option
from ilrs.consortium.models import MEMBER_KINDS
from ilrs.errors import InputError

partners_app = typer.Typer(
    help="The ILRS consortium: members, their instruments and sources.\n\n"
         "Examples:\n\n  ilrs partners --as-of 2023-10-23\n\n  ilrs partners --as-known-on 2023-10-23   # only what had been published by then\n\n  ilrs partners --kind state --format json\n\n"
         "  ilrs partners show Belarus\n\n  ilrs partners timeline --out out/partners --plot-format svg",
    invoke_without_command=True,
)


def _registry(dataset: Optional[Path]):
    from ilrs.consortium import Registry, default_registry

    return Registry.load(dataset) if dataset else default_registry()


@partners_app.callback()
def partners(
    ctx: typer.Context,
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Members that had certainly joined by this date (YYYY-MM-DD)."),
    kind: Optional[str] = typer.Option(None, "--kind", help=f"Members of one kind: {', '.join(MEMBER_KINDS)}."),
    format: OutputFormat = format_option(),
    quiet: bool = quiet_option(),
    dataset: Optional[Path] = typer.Option(None, "--dataset", help="Use this registry file instead of the packaged one."),
    as_known_on: Optional[str] = typer.Option(None, "--as-known-on",
                                              help="Only what had been published by this day (YYYY-MM-DD): members, "
                                                   "published counts and Artemis counts reported by then; also "
                                                   "the --as-of day unless given."),
) -> None:
    """List ILRS members with the date they joined, the instrument and its sources, and the
    published member counts (they disagree: each is kept as a claim with its source)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"dataset": dataset, "as_known_on": as_known_on}
        return
    day = parse_date(as_of, "--as-of")
    reg, known = _registry_known_on(dataset, as_known_on)
    day = day or known
    rows = [m.as_dict(reg) for m in reg.members(as_of=day, kind=kind)]
    artemis = reg.artemis_status(day)
    if format is OutputFormat.json:
        echo_json(rows)  # a list of members, as documented; the Artemis series: `partners timeline --format json`
        return
    title = f"ILRS members as of {day}" if day else "ILRS members"
    title += f", as known on {known}" if known else f" (data as of {reg.last_dated_fact()})"
    typer.echo(f"{title}: {len(rows)}" + (f" ({kind})" if kind else ""))
    for r in rows:
        name = r['name'] if len(r['name']) <= 44 else (r['short'] or r['name'][:43] + '…')
        typer.echo(f"  {r['joined']:<28} {name:<44} {r['kind']:<31} {r['instrument']}")
    by = f" by {day}" if day else ""
    typer.echo(f"Artemis Accords signatories{by}: {artemis['text'] if artemis else 'none reported yet'}")
    counts = [c for c in reg.dataset.count_claims if day is None or c.date <= day]
    if counts:
        typer.echo("Published counts (they disagree; each kept as a claim):")
    for c in sorted(counts, key=lambda c: c.date):
        typer.echo(f"  {c.date}  {c.count:>3} {c.counts} ({'; '.join(reg.cite(c.sources))})")


@partners_app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(..., help="Id, name or short name, e.g. Belarus, CNSA, narit."),
         format: OutputFormat = format_option(), quiet: bool = quiet_option()) -> None:
    """Every agreement of one party, with dates as reported and their sources.

    NAME is an id, a name, a short name or a prefix that only one party has.

    Examples:

      ilrs partners show Belarus

      ilrs partners show CNSA --format json
    """
    reg = _registry((ctx.obj or {}).get("dataset"))
    party = reg.find(name)
    agreements = reg.agreements_of(party.id)
    membership = next((m for m in reg.memberships() if m.party.id == party.id), None)
    data = {
        "id": party.id, "name": party.name, "short": party.short, "kind": party.kind, "country": party.country,
        "note": party.note, "party_sources": reg.cite(party.sources),
        "joined": membership.joined.text if membership else None,
        "role": _role(party, membership is not None),
        "artemis_accords_signatory": bool(party.artemis_accords and party.artemis_accords.signed),
        "agreements": [{
            "id": a.id, "title": a.title, "instrument": a.instrument, "date": reg.date_of(a).text,
            "date_claims": reg.date_claims(a),
            "parties": [reg.parties[p].name for p in a.parties],
            "admits": [reg.parties[p].name for p in a.admits],
            "signatories": [{"person": s.person, "role": s.role, "party": reg.parties[s.party].name}
                            for s in a.signatories],
            "areas": a.areas, "clauses": a.clauses,
            "events": [{"date": e.date.isoformat(), "what": e.what, "sources": reg.cite(e.sources)} for e in a.events],
            "mentions": [{"what": m.what, "sources": reg.cite(m.sources)} for m in a.mentions],
            "note": a.note, "sources": reg.cite(a.all_sources),
        } for a in agreements],
        "mentions": [{"date": str(m.date), "what": m.what, "sources": reg.cite(m.sources)}
                     for m in reg.dataset.mentions if m.party == party.id],
    }
    if format is OutputFormat.json:
        echo_json(data)
        return
    typer.echo(f"{party.label} — {party.kind}" + (f", {party.country}" if party.country else ""))
    if party.note:
        typer.echo(f"  {party.note}" + (f" ({'; '.join(data['party_sources'])})" if data["party_sources"] else ""))
    typer.echo(f"  joined the ILRS: {data['joined']}" if data["joined"] else f"  ILRS role: {data['role']}")
    if data["artemis_accords_signatory"]:
        typer.echo("  also signed the Artemis Accords")
    for a in data["agreements"]:
        typer.echo(f"\n  {a['date']}  {a['title']}  [{a['instrument']}]")
        if len(a["date_claims"]) > 1:
            for c in a["date_claims"]:
                mark = ("" if c["reliability"] == "primary" else f" [{c['reliability']} source]") \
                    + (" (used)" if c["used"] else "")
                typer.echo(f"    date claim {c['date']}{mark}: {', '.join(c['sources'])}"
                           + (f" — {c['note']}" if c["note"] else ""))
        typer.echo(f"    parties: {', '.join(a['parties'])}")
        for s in a["signatories"]:
            typer.echo(f"    signed by {s['person']}, {s['role']}")
        for area in a["areas"]:
            typer.echo(f"    area: {area}")
        for c in a["clauses"]:
            typer.echo(f"    clause: {c}")
        for e in a["events"]:
            typer.echo(f"    {e['date']}: {e['what']} ({', '.join(e['sources'])})")
        for m in a["mentions"]:
            typer.echo(f"    also: {m['what']} ({', '.join(m['sources'])})")
        typer.echo(f"    sources: {'; '.join(a['sources'])}")
    for m in data["mentions"]:
        typer.echo(f"\n  mention ({m['date']}): {m['what']} ({', '.join(m['sources'])})")


def _role(party, is_member: bool) -> str:
    """What a party is to the ILRS, by its kind, for one not admitted as a member."""
    if is_member:
        return "member"
    if party.kind == "coordinating-body":
        return "the coordinating body of the ILRS (not a member itself)"
    if party.kind in ("government", "agency", "academy"):
        return f"acts for {party.country or 'a state'}; not a member itself"
    return "not an ILRS member in our sources"


def _registry_known_on(dataset: Optional[Path], as_known_on: Optional[str]):
    """The registry, replayed with only what had been published by ``as_known_on`` when given
    (one line, exit 2, for a day before the first fact or after today); and that day."""
    reg = _registry(dataset)
    known = parse_date(as_known_on, "--as-known-on")
    if known is not None:
        from ilrs.scenario.campaign_asof import check_known_on

        reg = reg.as_known_on(check_known_on(known, "--as-known-on", first=reg.first_dated_fact()))
    return reg, known


@partners_app.command("timeline")
def timeline(ctx: typer.Context,
             out: Optional[Path] = out_option("the chart (partners-timeline.FORMAT)"),
             plot_format: str = typer.Option("png", "--plot-format", help="png or svg."),
             quiet: bool = quiet_option(),
             until: Optional[str] = typer.Option(None, "--until", help="Last day of the series (YYYY-MM-DD; "
                                                 "default: the dataset's last dated fact)."),
             format: OutputFormat = format_option("text or json (the series at each change)")) -> None:
    """Plot ILRS membership growth beside the Artemis Accords count.

    Examples:

      ilrs partners timeline --out out/partners

      ilrs partners timeline --out out/partners --plot-format svg --until 2023-12-31 --format json

      ilrs partners --as-known-on 2023-10-23 timeline --out out/then   # as it could be drawn that day
    """
    from ilrs.consortium.timeline import SERIES_START, growth_series, plot_growth
    from ilrs.report.figures import save_figure

    if plot_format not in ("png", "svg"):
        raise InputError(f"{plot_format!r} is not a plot format", field="--plot-format", allowed=["png", "svg"])
    end = parse_date(until, "--until")
    if end is not None and end < SERIES_START:
        raise InputError(f"{end} is before the series starts", field="--until", allowed=f">= {SERIES_START}")
    obj = ctx.obj or {}
    reg, known = _registry_known_on(obj.get("dataset"), obj.get("as_known_on"))
    end = end or known
    files = []
    if out is not None:
        output_folder(out, "--out")
        files.append(save_figure(plot_growth(reg, end=end), out / f"partners-timeline.{plot_format}"))
    s = growth_series(reg, end=end)
    changes = [i for i in range(len(s["date"]))
               if i == 0 or any(s[k][i] != s[k][i - 1] for k in ("ilrs_members", "ilrs_states", "artemis_accords"))]
    rows = [{k: s[k][i] for k in s} for i in changes]
    if format is OutputFormat.json:
        echo_json({"series": rows, "files": [str(p) for p in files]})
        return
    typer.echo(f"{'date':<11} {'members':>7} {'states':>6} {'artemis':>7}")
    for r in rows:
        art = "" if r["artemis_accords"] is None else (
            f"{r['artemis_accords']}" if r["artemis_reported"] == r["date"].isoformat() else f"≥ {r['artemis_accords']}")
        typer.echo(f"{r['date'].isoformat():<11} {r['ilrs_members']:>7} {r['ilrs_states']:>6} {art:>7}")
    typer.echo("artemis: the count on the day it was reported; ≥ the last reported count in between")
    for p in files:
        typer.echo(f"wrote {p}")


def register(app: typer.Typer) -> None:
    app.add_typer(partners_app, name="partners")
