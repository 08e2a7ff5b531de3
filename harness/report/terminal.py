"""The report a person reads in a terminal: checks grouped by class, what failed and why, the score."""

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..results import PASSED, SKIPPED

MARKS = {PASSED: ('✔', 'green'), SKIPPED: ('–', 'yellow'), 'failed': ('✘', 'red'), 'partial': ('◐', 'yellow')}


def mark_of(result):
    if result.status == PASSED and result.score < result.weight:
        return MARKS['partial']
    return MARKS.get(result.status, MARKS['failed'])


def render(run, console=None, verbose=False):
    console = console or Console(highlight=False)
    console.print(Text('chatroom-check: ', style='bold') + Text(run.submission))
    if run.runs_on():
        console.print(Text('  on the ' + run.runs_on(), style='dim'))
    if run.problem:
        console.print(Text('  ' + run.problem, style='bold red'))
    for group, checks in run.groups():
        earned = sum(c.score for c in checks)
        possible = sum(c.weight for c in checks)
        console.print()
        console.print(Text.assemble((group, 'bold'), ('  {:g}/{:g}'.format(earned, possible), 'dim')))
        for result in checks:
            symbol, colour = mark_of(result)
            line = Text.assemble(('  {} '.format(symbol), colour), result.description,
                                 (' [{}]'.format(result.id), 'dim'))
            console.print(line)
            if result.status != PASSED or result.score < result.weight:
                if result.message:
                    console.print(Text('      ' + result.message.replace('\n', '\n      '), style=colour))
                if result.hint and result.status != SKIPPED:
                    console.print(Text.assemble(('      hint: ', 'bold'), result.hint,
                                                ('  (assignment § {})'.format(result.spec), 'dim')))
            for note in result.notes:
                console.print(Text.assemble(('      lenient: ', 'cyan'), note))
            if verbose and result.status == PASSED and not result.notes:
                console.print(Text('      § ' + result.spec, style='dim'))
    matrix = interop_matrix(run)
    if matrix is not None:
        console.print()
        console.print(matrix)
    console.print()
    summary = Table.grid(padding=(0, 2))
    summary.add_row(Text('Score', style='bold'), Text('{:g} / {:g}'.format(run.score, run.max_score),
                                                      style='bold green' if run.full_marks else 'bold red'))
    counts = {}
    for result in run.checks:
        counts[result.status] = counts.get(result.status, 0) + 1
    summary.add_row('Checks', escape(', '.join('{} {}'.format(n, s) for s, n in counts.items())))
    unmeasured = [c for c in run.checks if c.unmeasurable]
    if unmeasured:
        summary.add_row('Not measured', '{} check(s), {:g} points: this platform cannot observe them (not lost; '
                        'full behaviour on Linux)'.format(len(unmeasured), run.unmeasured_weight))
    lenient = sum(1 for c in run.checks if c.notes)
    if lenient:
        summary.add_row('Leniency', '{} check(s) passed thanks to a reading the assignment allows'.format(lenient))
    summary.add_row('Time', '{:.1f}s'.format(run.execution_time))
    console.print(summary)


def interop_matrix(run):
    """Stages of each interop pairing, as rows of ✔/✘ (like Autobahn's matrix)."""
    rows = [c for c in run.checks if c.details.get('stages')]
    if not rows:
        return None
    stages = list(rows[0].details['stages'])
    table = Table(title='Interop', title_justify='left', show_edge=False, pad_edge=False)
    table.add_column('pairing')
    for stage in stages:
        table.add_column(stage, justify='center')
    for result in rows:
        cells = [Text('✔', style='green') if result.details['stages'].get(stage) else Text('✘', style='red')
                 for stage in stages]
        table.add_row(result.details.get('pairing', result.id), *cells)
    return table
