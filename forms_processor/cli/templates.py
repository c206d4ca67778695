"""``forms templates``: the blank forms, and learning the cluster's own form's wordings."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import Context, cli, echo_err, echo_json, json_option


@cli.group(invoke_without_command=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the blank forms (and response.docx) into.")
@click.pass_context
def templates(click_ctx: click.Context, out_dir: Path | None) -> None:
    """Write the blank forms SENCOs fill in (application and impact, Word and PDF), and
    response.docx, the Word template of the response form that the cluster may restyle.

    'forms templates learn FILE' reads the cluster's own form and proposes the wordings
    to add under [labels] in cluster.toml."""
    if click_ctx.invoked_subcommand is not None:
        return
    if out_dir is None:
        raise click.UsageError("Say where to write the forms: forms templates --out DIR (or: forms templates learn FILE).")
    from ..home import open_home
    from ..service.setup import write_response_template, write_templates

    ctx = click_ctx.find_object(Context)
    assert ctx is not None
    home = open_home(ctx.home_option, ctx.home_source)
    for path in write_templates(home, out_dir):
        click.echo(str(path))
    restyled = out_dir / "response.docx"
    if restyled.exists():
        echo_err(f"Kept {restyled} as it is (it may have been restyled); delete it to get the plain one.")
    else:
        click.echo(str(write_response_template(out_dir)))


@templates.command("learn")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
def learn(file: Path, as_json: bool) -> None:
    """Read the cluster's own form (blank or filled, Word or PDF) and propose how its
    labels map to the forms' fields, and how the options of its choice fields (drop-down
    lists, a box beside each option) map to the forms' choices, each with a score from 0
    to 1. Prints the [labels.application] or [labels.impact] block and the
    [choices.application.FIELD] or [choices.impact.FIELD] tables to paste into
    cluster.toml, then lists the labels and options it could not place and the required
    fields it found no label for."""
    from ..service.setup import labels_block, learn_labels

    report = learn_labels(file.read_bytes())
    if as_json:
        echo_json(report)
        return
    echo_err(f"{file.name}: the {report.form_id} form; {len(report.known)} label(s) already known, "
             f"{len(report.proposals)} new wording(s) proposed, {len(report.choices)} wording(s) of choices proposed.")
    block = labels_block(report)
    if block:
        echo_err("Check each line below (a low score is a guess; \"the only choice left\" was paired as the one"
                 " left over), then paste the block into cluster.toml:")
        click.echo(block, nl=False)
    if report.unplaced:
        echo_err("Labels it could not place (add them by hand if they are a field):")
        for label in report.unplaced:
            echo_err(f"  {label}")
    for key, options in report.choices_unplaced.items():
        echo_err(f"Options of {key} it could not place (add them by hand under [choices] if they are one of its"
                 " choices): " + "; ".join(options))
    if report.missing_required:
        echo_err("Required fields with no label found on the form: " + ", ".join(report.missing_required))
