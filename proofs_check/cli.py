"""The ``proofs-check`` command line: check the seed claims, or the claims of claims files.

``proofs-check`` with no argument checks every seed claim; ``proofs-check FILE...`` checks
the claims of the given claims files (schema: ``docs/claims.md``).

Exit codes: 0 no unexpected verdict (inconclusive and not-applicable claims are listed
but do not fail the run; a known-false claim, ``expect = "fails"``, passes when it fails);
1 some claim has an unexpected verdict (a claim fails); 2 bad input (one line on stderr,
never a traceback); 70 an internal error (one line; set ``SYMSTAB_DEBUG=1`` for the
traceback); 130 interrupted.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

from symstab.cli import quiet_broken_pipe
from symstab.errors import InputError

EXIT_OK = 0
EXIT_FAILS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

#: Default ``--budget``; see docs/claims.md for the measured run times.
DEFAULT_BUDGET = "full"


def _seed_claims() -> list:
    """Every seed claim (a function so that tests can replace it)."""
    from proofs_check.seeds import seed_claims

    return list(seed_claims())


def _budget(name: str):
    from proofs_check.core import Budget

    return Budget.full() if name == "full" else Budget.reduced()


def _output_path(path: str | None, option: str) -> Path | None:
    """Check before any work that an output file can be written."""
    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path!r} is a directory", option)
    parent = target.parent.resolve()
    if not parent.is_dir():
        raise InputError(f"directory {str(target.parent)!r} does not exist", option)
    if not os.access(parent, os.W_OK):
        raise InputError(f"directory {str(target.parent)!r} is not writable", option)
    return target


def _collect(files: Sequence[str], only: Sequence[str]) -> list:
    from proofs_check.files import load_claims

    if files:
        claims = [claim for f in files for claim in load_claims(f)]
        seen: dict[str, str] = {}
        from proofs_check.files import claim_origin

        for claim in claims:
            if claim.id in seen:
                raise InputError(f"claim id {claim.id!r} appears in {seen[claim.id]} and "
                                 f"{claim_origin(claim)}")
            seen[claim.id] = claim_origin(claim)
    else:
        claims = _seed_claims()
    if only:
        claims = [c for c in claims if any(fnmatch.fnmatchcase(c.id, p) for p in only)]
        if not claims:
            raise InputError("no claim id matches " + " or ".join(repr(p) for p in only),
                             "--only")
    return claims


def _check_one(claim, budget_name: str):
    """(Result, error text or None): a crash becomes an inconclusive internal error."""
    from proofs_check.core import Evidence, Result, Verdict
    from symstab.evidence import Strength

    started = time.perf_counter()
    try:
        return claim.check(_budget(budget_name)), None
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        if os.environ.get("SYMSTAB_DEBUG"):
            raise
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        return Result(
            claim_id=claim.id, title=claim.title, source=claim.source,
            verdict=Verdict.INCONCLUSIVE,
            evidence=Evidence(Strength.NUMERICAL, f"internal error: {error}"),
            seconds=time.perf_counter() - started), error


#: The claims of a run, read by the forked worker processes (set before the pool starts).
_RUN: dict = {}


def _check_index(index: int):
    return _check_one(_RUN["claims"][index], _RUN["budget"])


def default_jobs() -> int:
    """The CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _fork_safe() -> bool:
    """Whether forking worker processes is safe here: fork exists and no thread pool
    (numba's parallel threads, JAX) has been started in this process yet."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or "jax" in sys.modules:
        return False
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return not getattr(parallel, "_is_initialized", False)


def _results(claims: Sequence, budget_name: str, jobs: int):
    """Yield (index, (Result, error)) as claims finish: in ``jobs`` forked worker
    processes when that is safe (kernels compiled by one reach the others through the
    disk cache), else one after another in this process."""
    import multiprocessing

    if jobs <= 1 or len(claims) <= 1 or not _fork_safe():
        for i, claim in enumerate(claims):
            yield i, _check_one(claim, budget_name)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _RUN.update(claims=list(claims), budget=budget_name)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(claims)), mp_context=context) as pool:
        futures = {pool.submit(_check_index, i): i for i in range(len(claims))}
        for future in as_completed(futures):
            yield futures[future], future.result()


def _check_all(claims: Sequence, budget_name: str, console, jobs: int = 1,
               quiet: bool = False) -> list:
    """Check every claim (``jobs`` at a time), with a progress bar on a terminal and one
    line per finished claim on stderr otherwise (neither when ``quiet``); results in the
    order of ``claims``."""
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from proofs_check.files import claim_origin
    from proofs_check.report import Checked

    checked: list = [None] * len(claims)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        disable=quiet or not console.is_terminal)
    width = len(str(len(claims)))
    with progress:
        task = progress.add_task("checking", total=len(claims))
        for done, (i, (result, error)) in enumerate(_results(claims, budget_name, jobs), 1):
            checked[i] = Checked(result, claim_origin(claims[i]), error)
            progress.update(task, description=f"checked {escape(result.claim_id)}")
            progress.advance(task)
            if not (quiet or console.is_terminal):
                print(f"[{done:{width}d}/{len(claims)}] {result.claim_id}: "
                      f"{checked[i].verdict_text()} ({result.seconds:.1f} s)",
                      file=sys.stderr, flush=True)
    return checked


_STYLE = {"holds": "green", "fails": "bold red", "inconclusive": "yellow",
          "not applicable": "cyan"}


def _source_text(c) -> str:
    """The paper and theorem; for a user's own claim, its file and line."""
    source = c.result.source
    if source.paper == "user claim" and c.origin != "seed":
        return c.origin
    return str(source)


#: Below this many columns the source column is left out of the table.
SOURCE_MIN_WIDTH = 100

#: Width of the table when the output is not a terminal and ``COLUMNS`` is not set.
PIPED_WIDTH = 100


def table_width(console) -> int:
    """Columns for the claims table: the terminal's, else ``COLUMNS``, else 100."""
    if console.is_terminal:
        return console.width
    try:
        return max(40, int(os.environ["COLUMNS"]))
    except (KeyError, ValueError):
        return PIPED_WIDTH


def _fit(widths: list[int], least: list[int], budget: int) -> list[int]:
    """Shrink the wrappable widths (``least`` < width) until they fit ``budget`` or reach
    ``least``; the widest give way first."""
    widths = list(widths)
    while sum(widths) > budget:
        slack = [j for j in range(len(widths)) if widths[j] > least[j]]
        if not slack:
            break
        i = max(slack, key=lambda j: widths[j] - least[j])
        widths[i] -= 1
    return widths


def table_columns(rows: Sequence[tuple[str, ...]], width: int) -> tuple[list[int], list[int]]:
    """Which columns of (claim, source, verdict, evidence, time) to show, and their widths.

    The claim id never folds (so it can be copied into ``--only``); below
    :data:`SOURCE_MIN_WIDTH` columns the source is left out; verdict and evidence wrap
    at spaces; when even that is too wide the time goes too.

    Returns
    -------
    (list of int, list of int)
        Indices of the columns shown, and their widths.
    """
    def widest(i: int) -> int:
        return max([len(r[i]) for r in rows] + [len(_HEADER[i])])

    def longest_word(i: int) -> int:
        return max([len(w) for r in rows for w in r[i].split()] + [len(_HEADER[i])])

    for shown in ([0, 1, 2, 3, 4], [0, 2, 3, 4], [0, 2, 3]):
        if 1 in shown and width < SOURCE_MIN_WIDTH:
            continue
        budget = width - 3 * (len(shown) - 1)
        natural = [widest(i) for i in shown]
        least = [natural[k] if i in (0, 4) else longest_word(i) for k, i in enumerate(shown)]
        if sum(least) <= budget or shown == [0, 2, 3]:
            return shown, _fit(natural, least, budget)
    raise AssertionError("unreachable")  # pragma: no cover


_HEADER = ("claim", "source", "verdict", "evidence", "time")


def _print_table(checked: Sequence, console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from proofs_check.core import Verdict

    rows, styles = [], []
    for c in checked:
        r = c.result
        style = _STYLE[str(r.verdict)]
        if r.verdict is Verdict.FAILS and not r.unexpected:
            style = "magenta"
        elif r.unexpected:
            style = "bold red"
        rows.append((r.claim_id, " ".join(_source_text(c).split()), c.verdict_text(),
                     r.evidence.label(), f"{r.seconds:.2f} s"))
        styles.append(style)
    width = table_width(console)
    shown, widths = table_columns(rows, width)
    table = Table(show_edge=False, pad_edge=False, box=box.SIMPLE_HEAD)
    for i, w in zip(shown, widths, strict=True):
        table.add_column(_HEADER[i], width=w, no_wrap=i in (0, 4),
                         justify="right" if i == 4 else "left", overflow="fold")
    for row, style in zip(rows, styles, strict=True):
        cells = [escape(row[i]) for i in shown]
        cells[shown.index(2)] = f"[{style}]{cells[shown.index(2)]}[/]"
        table.add_row(*cells)
    # the console is at least as wide as the table, so rich never folds an id
    needed = sum(widths) + 3 * (len(widths) - 1)
    if needed > console.width:
        from rich.console import Console

        console = Console(file=console.file, width=needed, highlight=False,
                          force_terminal=console.is_terminal, no_color=console.no_color)
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def _print_details(checked: Sequence, markdown: bool) -> None:
    """Failures with their counterexamples; undecided claims with their reasons (wrapped
    to the table's width)."""
    from rich.console import Console

    from proofs_check.core import Verdict

    failed = [c for c in checked if c.result.unexpected]
    undecided = [c for c in checked if c.result.verdict in
                 (Verdict.INCONCLUSIVE, Verdict.NOT_APPLICABLE)]
    fence = "```" if markdown else None
    for c in failed:
        click.echo("")
        if fence:
            click.echo(fence)
        click.echo(c.result.explain())
        if fence:
            click.echo(fence)
    if undecided:
        click.echo("")
        bullet = "- " if markdown else "  "
        click.echo("Not decided (these do not fail the run):")
        import textwrap

        width = None if markdown else table_width(Console())
        for c in undecided:
            line = f"{bullet}{c.result.claim_id}: {c.result.verdict}: {c.reason()}"
            click.echo(line if width is None else textwrap.fill(
                line, width, subsequent_indent="      ", break_long_words=False,
                break_on_hyphens=False))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--budget", "budget_name", type=click.Choice(["reduced", "full"]),
              default=DEFAULT_BUDGET, show_default=True,
              help="How much work each check may do.")
@click.option("--only", multiple=True, metavar="PATTERN",
              help="Only claims whose id matches this glob (repeatable), e.g. 'chen.*'.")
@click.option("--report", "report_path", default=None, metavar="OUT.json",
              help="Write every result, the totals and the tool version as JSON.")
@click.option("--junit", "junit_path", default=None, metavar="OUT.xml",
              help="Write a JUnit XML file (one testcase per claim).")
@click.option("--certificate", "certificate_path", default=None, metavar="OUT.json",
              help="Write the certificates behind the exported exact and certified verdicts "
                   "(check them with symstab-verify OUT.json; docs/certificates.md).")
@click.option("--markdown", is_flag=True, help="Print a Markdown table instead of the table.")
@click.option("--list", "list_only", is_flag=True, help="List claim ids and titles; check none.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print only the totals line and the claims with an unexpected verdict "
                   "(no table, no progress).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Check N claims at a time in worker processes (default: the CPU cores "
                   "available).")
@click.version_option(package_name="symstab", prog_name="proofs-check")
def cli(files: tuple[str, ...], budget_name: str, only: tuple[str, ...],
        report_path: str | None, junit_path: str | None, markdown: bool,
        list_only: bool, jobs: int | None, quiet: bool,
        certificate_path: str | None = None) -> None:
    """Check claims about gradient descent: every seed claim, or those of claims FILES (TOML).

    Exit codes: 0 all claims hold (inconclusive / not applicable are reported but do not
    fail the run), 1 some claim fails, 2 bad input, 70 internal error.
    """
    from rich.console import Console

    from symstab.storage import use_cache_for_hypothesis

    use_cache_for_hypothesis()
    report_file = _output_path(report_path, "--report")
    junit_file = _output_path(junit_path, "--junit")
    certificate_file = _output_path(certificate_path, "--certificate")
    claims = _collect(files, only)
    if list_only:
        from proofs_check.files import claim_origin

        for claim in claims:
            origin = claim_origin(claim)
            where = str(claim.source) if origin == "seed" else origin
            click.echo(f"{claim.id}\t{claim.title}\t[{where}]")
        return
    err_console = Console(stderr=True)
    checked = _check_all(claims, budget_name, err_console, jobs or default_jobs(), quiet)
    from proofs_check.report import junit_xml, markdown_table, report_json, totals, totals_line

    if report_file is not None:
        _write_output(report_file, report_json(checked, budget=budget_name), "--report")
    if junit_file is not None:
        _write_output(junit_file, junit_xml(checked), "--junit")
    if certificate_file is not None:
        _write_certificate(claims, checked, certificate_file, budget_name)

    if quiet:
        click.echo(totals_line(checked))
        for c in checked:
            if c.result.unexpected or c.error:
                click.echo(f"  {c.result.claim_id}: {c.verdict_text()}")
    elif markdown:
        click.echo(markdown_table(checked), nl=False)
    else:
        out = Console(highlight=False)
        if not out.is_terminal:
            out = Console(highlight=False, width=table_width(out))
        _print_table(checked, out)
        click.echo(totals_line(checked))
    if not quiet:
        _print_details(checked, markdown)
    t = totals(checked)
    if t["errors"]:
        first = next(c for c in checked if c.error)
        raise _InternalError(f"{t['errors']} check(s) crashed; first: {first.result.claim_id}: "
                             f"{first.error}")
    if t["unexpected"]:
        raise click.exceptions.Exit(EXIT_FAILS)


def _write_certificate(claims: Sequence, checked: Sequence, path: Path, budget_name: str) -> None:
    """One certificate bundle for the run (symstab.certificates.claim_certificates), its
    regions certified with the run's subdivisions."""
    from symstab.certificates import claim_certificates, write_certificate

    records = []
    for claim, c in zip(claims, checked, strict=True):
        r, ev = c.result, c.result.evidence
        records.append({"id": r.claim_id, "title": r.title, "statement": claim.statement,
                        "verdict": str(r.verdict), "strength": str(ev.strength),
                        "summary": ev.summary, "n": ev.n, "confidence": ev.confidence,
                        "digits": ev.digits, "data": _with_extra(r.claim_id, ev.data)})
    started = time.perf_counter()
    doc = claim_certificates(records, subdivisions=_budget(budget_name).subdivisions)
    write_certificate(path, doc)
    kinds = [c["kind"] for c in doc["claims"]]
    partly = f", {kinds.count('partly exported')} in part" if "partly exported" in kinds else ""
    print(f"certificate: {len(doc['items'])} items for {kinds.count('exported')} claims{partly} "
          f"({kinds.count('not a proof')} not a proof, {kinds.count('not exported')} not "
          f"exported) written to {path} in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)


def _with_extra(claim_id: str, data: dict) -> dict:
    """A claim's evidence data with the identity hints of proofs_check.certificate_data."""
    from proofs_check.certificate_data import extra_certificates

    extra = extra_certificates(claim_id)
    if not extra:
        return data
    return {**data, "certificate": [*data.get("certificate", ()), *extra]}


def _write_output(path: Path, text: str, option: str) -> None:
    """Write an output file atomically; a failure (a full disk, a vanished directory) is
    bad input for that option (exit 2), never a traceback."""
    from symstab.storage import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}", option) from None


class _InternalError(RuntimeError):
    """A claim's check crashed (reported after the other claims were checked)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``proofs-check``; every error becomes one line on stderr and an exit code.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 all hold, 1 some claim fails, 2 bad input, 70 internal error, 130 interrupted,
        141 the output pipe was closed (quietly).
    """
    prog = "proofs-check"
    try:
        # In non-standalone mode click returns the code of a raised ``Exit``.
        code = cli.main(args=list(argv) if argv is not None else None, prog_name=prog,
                        standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"{prog}: error: {exc.format_message()}", err=True)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head`: quietly, 128 + SIGPIPE
        return quiet_broken_pipe()
    except SystemExit:
        # click meets a closed stdout (EPIPE) by wrapping it and exiting with 1
        if type(sys.stdout).__name__ == "_PacifyFlushWrapper":
            return quiet_broken_pipe()
        raise
    except (click.Abort, KeyboardInterrupt):
        click.echo(f"{prog}: interrupted", err=True)
        return EXIT_INTERRUPTED
    except InputError as exc:
        click.echo(f"{prog}: error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except RecursionError:
        click.echo(f"{prog}: error: the input is nested too deeply to process", err=True)
        return EXIT_BAD_INPUT
    except _InternalError as exc:
        click.echo(f"{prog}: internal error: {exc}", err=True)
        return EXIT_INTERNAL
    except Exception as exc:
        if os.environ.get("SYMSTAB_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        click.echo(f"{prog}: internal error: {type(exc).__name__}: {message} "
                   f"(set SYMSTAB_DEBUG=1 for the traceback)", err=True)
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_OK


def entry_point() -> None:
    """Console-script entry point."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = quiet_broken_pipe()
    sys.exit(code)


__all__ = ["DEFAULT_BUDGET", "cli", "entry_point", "main"]
