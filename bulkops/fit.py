"""Does a file fit the verb it is given to? A file whose columns set nothing for this verb, but do for another,
is refused before anything is read from the API (a bids undo file fed to `line-items` would otherwise read
every line item, then call every row a no-op)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkops import registry
from bulkops.errors import InputError, MisnamedColumn
from bulkops.io.columns import mapped, match_header
from bulkops.io.readers import open_table
from bulkops.runner.protocol import WriteJob


def check(job: WriteJob, path: Path, sheet: str | None = None, header_row: int | None = None) -> None:
    """Refuse a file none of whose columns changes anything for the job, naming the verbs it does fit."""
    verb = job.name
    schema = job.schema
    headers = open_table(path, sheet=sheet, header_row=header_row, schema=schema, required=job.required()).columns
    try:
        match_header(str(path), headers, schema, required=job.required())  # the precise complaint, if there is one
    except MisnamedColumn:
        raise  # meant for this verb: another verb's name would mislead (a misspelt bid column is no pause sheet)
    except InputError as exc:
        hinted = _with_hint(job, headers, exc)
        raise InputError(hinted.path, f"{hinted.message}{_fits(verb, headers)}") from None
    foreign = _foreign(job, headers)
    if foreign:  # rows of another kind, which the job would read as its own (SKU bids as line items' targetBid)
        raise InputError(str(path), f"{foreign}{_fits(verb, headers)}")
    if not _named(job, headers):  # every row would fail keyless (a bids sheet fed to seller-bids)
        ways = " or ".join(" with ".join(names) for names in getattr(job, "named_by", ()))
        raise InputError(str(path), f"no column of it ({', '.join(headers)}) names what `{verb}` changes: it needs"
                                    f" {ways}{_fits(verb, headers)}")
    if not schema.values or any(v in mapped(headers, schema) for v in schema.values):
        return
    raise InputError(str(path), f"none of its columns ({', '.join(headers)}) changes anything for `{verb}`, which"
                                f" sets {', '.join(schema.values)}{_fits(verb, headers)}")


def _fits(verb: str, headers: tuple[str, ...]) -> str:
    """The other verbs the file's columns fit, said in the refusal (every platform loads: only for a refusal)."""
    fits = [j.verb for p in registry.platforms() for j in p.jobs if j.verb != verb and _sets_something(j, headers)]
    return f"; its columns fit {' or '.join(f'`bulkops {v}`' for v in fits)}" if fits else ""


def _foreign(job: Any, headers: tuple[str, ...]) -> str | None:
    """The job's word (`foreign_rows`, when it has one) on a file whose rows are another verb's."""
    said = getattr(job, "foreign_rows", None)
    return said(headers) if said is not None else None


def _named(job: Any, headers: tuple[str, ...]) -> bool:
    """The file has one of the column sets that name the job's rows (`named_by`, when the job has several ways)."""
    ways = getattr(job, "named_by", ())
    found = mapped(headers, job.schema)
    return not ways or any(all(n in found for n in names) for names in ways)


def _with_hint(job: WriteJob, headers: tuple[str, ...], exc: InputError) -> InputError:
    """The job's own advice for the columns the file lacks (`missing_hint`, when the job has one)."""
    hint = getattr(job, "missing_hint", None)
    found = mapped(headers, job.schema)
    needed = {c.name for c in job.schema.columns if c.required} | set(job.required())
    advice = hint(tuple(sorted(n for n in needed if n not in found))) if hint is not None else None
    return InputError(exc.path, f"{exc.message}; {advice}") if advice else exc


def _sets_something(spec: registry.JobSpec, headers: tuple[str, ...]) -> bool:
    job = spec.make({})
    found = mapped(headers, job.schema)
    needed = [c.name for c in job.schema.columns if c.required] + list(job.required())  # as run with no options:
    # SKUs alone fit no verb so (each would need --account, as the refused one does): no hint to go in circles
    return all(n in found for n in needed) and _named(job, headers) and not _foreign(job, headers) and \
        (not job.schema.values or any(v in found for v in job.schema.values))
