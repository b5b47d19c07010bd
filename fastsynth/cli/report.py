"""``fastsynth report``: how synthetic data compares with real data, or where data drifts, as an HTML
page with its JSON beside it (or the JSON alone), and a summary on the terminal."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from fastsynth.cli.errors import handle_errors
from fastsynth.errors import UsageError

__all__ = ["report"]


class ReportFormat(StrEnum):
    html = "html"
    json = "json"


@handle_errors
def report(
    data: Annotated[
        Path, typer.Argument(help="The data (real data, when SYNTHETIC is given): any file fastsynth reads.")
    ],
    synthetic: Annotated[
        Path | None, typer.Argument(help="Synthetic data to compare with DATA (a quality report).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The page to write (its JSON goes beside it), or a .json file."),
    ] = None,
    format: Annotated[
        ReportFormat | None,
        typer.Option(help="html (the page and its JSON) or json (alone; to stdout without --output)."),
    ] = None,
    blocks: Annotated[str | None, typer.Option(help="Drift between the blocks of this column.")] = None,
    windows: Annotated[
        int | None, typer.Option(help="Drift between N equal windows of rows (or of --time-column).")
    ] = None,
    time_column: Annotated[str | None, typer.Option(help="Cut --windows by this column's time.")] = None,
    reference: Annotated[Path | None, typer.Option(help="Drift of DATA's windows against this data.")] = None,
    drift_log: Annotated[
        Path | None, typer.Option(help="The drift log written with DATA (NAME.drift.json): the ground truth.")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="A column's kind, COLUMN=KIND (numerical, datetime, categorical, boolean, text)."),
    ] = None,
    max_rows: Annotated[
        int, typer.Option(help="Rows of each table a quality report reads; larger tables are sampled.")
    ] = 2_000_000,
    seed: Annotated[int, typer.Option(help="Seed of the samples and the discriminator.")] = 0,
) -> None:
    """Report on DATA: against SYNTHETIC (quality, discriminator, privacy), or drift over --blocks,
    --windows or against --reference."""
    from fastsynth.reporting import report as make_report
    from fastsynth.reporting.document import check_output

    chosen = format.value if format is not None else None
    if output is not None:
        inputs = {"DATA": data, "SYNTHETIC": synthetic, "--reference": reference, "--drift-log": drift_log}
        # the drift log a drift report finds beside DATA is an input too
        inputs["the drift log beside DATA"] = data.with_name(data.name + ".drift.json")
        check_output(output, chosen, inputs)
    try:
        made = make_report(
            data,
            synthetic,
            reference=reference,
            blocks=blocks,
            windows=windows,
            time_column=time_column,
            drift_log=drift_log,
            kinds=_kinds(kind or []),
            max_rows=max_rows,
            seed=seed,
        )
    except UsageError as exc:
        raise UsageError(_option_names(str(exc))) from None
    if output is None:
        if chosen == "json":
            typer.echo(made.to_json())
            return
        if chosen == "html":
            raise UsageError("--format html needs --output FILE (the page and its JSON are written there)")
    else:
        for path in made.save(output, chosen):  # type: ignore[arg-type]
            typer.echo(f"wrote {path}", err=True)
    typer.echo(summary(made.document))


# the library names its arguments (max_rows=0, kinds: column ...); on the command line they are options
_OPTIONS = re.compile(r"\b(max_rows|windows|blocks|time_column|drift_log|reference|seed)=|\bkinds(?:: |=)")


def _option_names(message: str) -> str:
    """A report's error message with its arguments named as this command's options."""

    def option(found: re.Match[str]) -> str:
        name = found[1] or "kind"
        return f"--{name.replace('_', '-')} "

    return _OPTIONS.sub(option, message)


def _kinds(pairs: list[str]) -> dict[str, str]:
    kinds = {}
    for pair in pairs:
        column, sep, kind = pair.partition("=")
        if not sep or not column or not kind:
            raise UsageError(f"--kind {pair!r} is not COLUMN=KIND (e.g. --kind zip=categorical)")
        kinds[column] = kind
    return kinds


def summary(document: dict[str, Any]) -> str:
    """A few lines a person reads on the terminal; the document holds the rest."""
    if document["kind"] == "quality":
        shapes, trends = document["column_shapes"]["score"], document["column_pair_trends"]["score"]
        lines = [
            f"quality score {_pct(document['score'])}: "
            f"column shapes {_pct(shapes)}, pair trends {_pct(trends)}"
        ]
        found = document["discriminator"]
        lines.append(f"discriminator: AUC {_num(found['auc'])}, score {_pct(found['score'])}")
        copies = document["privacy"]["exact_copies"]
        lines.append(
            f"privacy: {copies['count']:,} synthetic rows copy a real row ({_pct(copies['share'])}); "
            f"median distance to closest record {_num(document['privacy']['dcr']['median'])}"
        )
        return "\n".join(lines)
    drifted = document["drifted_columns"]
    blocks = len(document["blocks"])
    measured = len(document["columns"])
    over = f"{_count(measured, 'column')} over {_count(blocks, 'block')}"
    if not drifted:
        return f"no drift: {over}"
    return f"drift in {len(drifted)} of {over}: {', '.join(drifted)}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"
