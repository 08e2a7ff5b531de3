"""A self-contained HTML report: one page per run, or one per batch (a table of submissions, each expanding
to its full report). No scripts, no external resources: inline CSS and <details> elements, so the file can
be mailed, archived or opened from a Gradescope download as it is. Everything a submission could influence
(messages, names, stderr excerpts) is escaped."""

from html import escape

from ..results import PASSED, SKIPPED

CSS = """
:root { --ok:#1a7f37; --ok-bg:#dafbe1; --bad:#cf222e; --bad-bg:#ffebe9; --part:#9a6700; --part-bg:#fff8c5;
        --skip:#57606a; --skip-bg:#eaeef2; --line:#d0d7de; --muted:#57606a; --accent:#0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#1f2328; margin:0;
       background:#f6f8fa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; display:flex; align-items:baseline; gap:12px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: var(--muted); }
h2 .groupscore { font-size: 13px; font-weight: normal; color: var(--muted); }
.sub { color: var(--muted); font-size: 13px; word-break: break-all; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; }
.summary { display:flex; flex-wrap:wrap; gap:28px; align-items:center; margin-top:14px; }
.big { font-size: 30px; font-weight: 600; }
.big.full { color: var(--ok); } .big.notfull { color: var(--bad); }
.stat b { display:block; font-size:18px; }
.stat { color: var(--muted); font-size: 12px; }
.bar { height: 8px; background: var(--bad-bg); border-radius: 4px; overflow: hidden; width: 220px; }
.bar > span { display:block; height:100%; background: var(--ok); }
.problem-banner { background: var(--bad-bg); border:1px solid #ffcecb; color: var(--bad); border-radius:6px;
           padding:10px 14px; margin-top:12px; font-weight:600; white-space: pre-wrap; }
.note { background:#ddf4ff; border:1px solid #b6e3ff; border-radius:6px; padding:8px 14px; margin-top:12px; }
table { border-collapse: collapse; width: 100%; background:#fff; }
table.checks { border:1px solid var(--line); border-radius:8px; overflow:hidden; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align: top; }
th { background:#f6f8fa; font-weight:600; font-size:12px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .03em; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align:right; white-space:nowrap; font-variant-numeric: tabular-nums; }
td.id { color: var(--muted); font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.pill { display:inline-block; white-space: nowrap; min-width: 62px; text-align:center; border-radius: 10px;
        padding: 1px 8px;
        font-size: 12px; font-weight: 600; }
.pill.passed { background: var(--ok-bg); color: var(--ok); }
.pill.failed { background: var(--bad-bg); color: var(--bad); }
.pill.partial { background: var(--part-bg); color: var(--part); }
.pill.skipped { background: var(--skip-bg); color: var(--skip); }
.pill.problem { background: var(--bad); color: #fff; }
.pill.lenient { background:#ddf4ff; color: var(--accent); min-width: 0; margin-left: 6px; }
.msg { margin-top: 4px; white-space: pre-wrap; font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace;
       color: var(--bad); }
.msg.skipped { color: var(--skip); }
.hint { margin-top: 4px; }
.hint b, .len b { color: var(--muted); font-weight: 600; }
.len { margin-top: 4px; color: var(--accent); }
.spec { color: var(--muted); font-size: 12px; }
.outcome { font-size: 12px; white-space: nowrap; }
.outcome.good { color: var(--ok); } .outcome.bad { color: var(--bad); font-weight:600; }
table.matrix td, table.matrix th { text-align:center; }
table.matrix td:first-child, table.matrix th:first-child { text-align:left; }
.cell { font-weight: 700; } .cell.yes { color: var(--ok); } .cell.no { color: var(--bad); }
.cell.info { font-weight: normal; color: var(--muted); }
tr.row-problem td { background: #fff5f5; }
summary .pill { margin-left: 8px; font-weight: 600; }
details.submission { background:#fff; border:1px solid var(--line); border-radius: 8px; margin: 10px 0; }
details.submission > summary { cursor: pointer; padding: 10px 16px; font-weight: 600; list-style-position: inside; }
details.submission > div { padding: 0 16px 16px; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
table.run { table-layout: fixed; }
.wide main { max-width: 1500px; }
.scroll { overflow-x: auto; border-radius: 8px; }
#submissions th { font-size: 11px; letter-spacing: 0; white-space: nowrap; }
#submissions td.remark { min-width: 240px; font-size: 13px; }
#submissions td.cell { font-size: 13px; white-space: nowrap; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""

GOOD_OUTCOMES = ('kept working', 'bound to 127.0.0.1')


def fmt(number):
    return '{:g}'.format(round(number, 2))


def state_of(result):
    if result.status == PASSED:
        return 'partial' if result.score < result.weight else 'passed'
    return SKIPPED if result.status == SKIPPED else 'failed'


def page(title, body, wide=False):
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>{}</title><style>{}</style></head>\n<body{}><main>\n{}\n'
            '<footer>chatroom-check report</footer></main></body></html>\n').format(
                escape(title), CSS, ' class="wide"' if wide else '', body)


def check_row(result, outcome_column=True):
    state = state_of(result)
    parts = ['<div>{}</div>'.format(escape(result.description))]
    if state != 'passed':
        if result.message:
            parts.append('<div class="msg {}">{}</div>'.format(state, escape(result.message)))
        if result.hint and result.status != SKIPPED:
            parts.append('<div class="hint"><b>Hint:</b> {} <span class="spec">(assignment § {})</span></div>'.format(
                escape(result.hint), escape(result.spec)))
    for note in result.notes:
        parts.append('<div class="len"><b>Lenient:</b> {}</div>'.format(escape(note)))
    outcome = result.details.get('outcome') if isinstance(result.details, dict) else None
    outcome_html = ''
    if outcome:
        good = any(str(outcome).startswith(g) for g in GOOD_OUTCOMES) or (
            result.status == PASSED and result.score >= result.weight)
        outcome_html = '<span class="outcome {}">{}</span>'.format('good' if good else 'bad', escape(str(outcome)))
    lenient = '<span class="pill lenient" title="passed on a reading the assignment allows">lenient</span>' \
        if result.notes else ''
    outcome_cell = '<td>{}</td>'.format(outcome_html) if outcome_column else ''
    return ('<tr class="check {state}" id="check-{id}"><td><span class="pill {state}">{state}</span>{len}</td>'
            '<td>{body}</td>{outcome}<td class="id">{id}</td><td class="num">{score} / {weight}</td>'
            '</tr>').format(state=state, len=lenient, body=''.join(parts), outcome=outcome_cell,
                            id=escape(result.id), score=fmt(result.score), weight=fmt(result.weight))


def interop_matrix(run):
    rows = [c for c in run.checks if isinstance(c.details, dict) and c.details.get('stages')]
    if not rows:
        return ''
    stages = []
    for result in rows:
        for stage in result.details['stages']:
            if stage not in stages:
                stages.append(stage)
    out = ['<h3>Interop matrix</h3><table class="checks matrix"><tr><th>pairing</th>']
    out += ['<th>{}</th>'.format(escape(stage)) for stage in stages]
    out.append('</tr>')
    for result in rows:
        out.append('<tr><td>{}</td>'.format(escape(str(result.details.get('pairing', result.id)))))
        for stage in stages:
            value = result.details['stages'].get(stage)
            if value is None:
                out.append('<td class="cell">–</td>')
            else:
                out.append('<td class="cell {}" title="{}">{}</td>'.format(
                    'yes' if value else 'no', 'passed' if value else 'failed', '✔' if value else '✘'))
        out.append('</tr>')
    out.append('</table>')
    return ''.join(out)


def run_body(run, heading=True, note=''):
    counts = {}
    for result in run.checks:
        counts[state_of(result)] = counts.get(state_of(result), 0) + 1
    percent = 100.0 * run.score / run.max_score if run.max_score else 0.0
    out = []
    if heading:
        out.append('<h1>chatroom-check report</h1><div class="sub">{}</div>'.format(escape(run.submission)))
    stats = ''.join('<div class="stat"><b>{}</b>{}</div>'.format(n, escape(s))
                    for s, n in sorted(counts.items(), key=lambda kv: ('passed', 'partial', 'failed',
                                                                        'skipped').index(kv[0])))
    lenient = sum(1 for c in run.checks if c.notes)
    out.append('<div class="card"><div class="summary"><div class="big {cls}">{score} / {max}</div>'
               '<div class="bar" title="{pct:.0f}%"><span style="width:{pct:.1f}%"></span></div>{stats}'
               '<div class="stat"><b>{lenient}</b>lenient</div><div class="stat"><b>{time:.1f}s</b>time</div>'
               '</div>'.format(cls='full' if run.full_marks else 'notfull', score=fmt(run.score),
                               max=fmt(run.max_score), pct=percent, stats=stats, lenient=lenient,
                               time=run.execution_time))
    if run.problem:
        out.append('<div class="problem-banner">{}</div>'.format(escape(run.problem)))
    if note:
        out.append('<div class="note">{}</div>'.format(escape(note)))
    if run.runs_on():
        out.append('<div class="sub">on the {}</div>'.format(escape(run.runs_on())))
    if run.unmeasured_weight:
        out.append('<div class="note">{} points not measurable on this platform (not lost): see the skipped '
                   'checks</div>'.format(fmt(run.unmeasured_weight)))
    out.append('</div>')
    for group, checks in run.groups():
        earned = sum(c.score for c in checks)
        possible = sum(c.weight for c in checks)
        failing = sum(1 for c in checks if state_of(c) != 'passed')
        out.append('<h2 id="group-{g}">{g} <span class="groupscore">{e} / {p}{f}</span></h2>'.format(
            g=escape(group), e=fmt(earned), p=fmt(possible),
            f=' · {} not passed'.format(failing) if failing else ''))
        outcomes = any(isinstance(c.details, dict) and c.details.get('outcome') for c in checks)
        out.append('<table class="checks run"><tr><th style="width:120px">result</th><th>check</th>{}'
                   '<th style="width:250px">id</th><th class="num" style="width:80px">score</th></tr>'.format(
                       '<th style="width:170px">outcome</th>' if outcomes else ''))
        out.extend(check_row(c, outcomes) for c in checks)
        out.append('</table>')
        if group == 'interop':
            out.append(interop_matrix(run))
    if 'interop' not in dict(run.groups()):
        out.append(interop_matrix(run))
    return '\n'.join(out)


def render_run(run, note=''):
    return page('chatroom-check: {}'.format(run.submission), run_body(run, note=note))


def anchor(name):
    return 'sub-' + ''.join(ch if ch.isalnum() or ch in '-_' else '_' for ch in name)


def render_batch(graded, wall_time=0.0):
    """`graded`: batch.Graded items (name, run, submission.note, wall_time)."""
    from ..catalog import GROUPS
    groups = []
    for item in graded:
        for group, _ in item.run.groups():
            if group not in groups:
                groups.append(group)
    groups.sort(key=lambda g: GROUPS.index(g) if g in GROUPS else len(GROUPS))
    maxima = {}
    for item in graded:
        if item.run.checks:
            maxima[item.run.max_score] = maxima.get(item.run.max_score, 0) + 1
    usual = max(maxima, key=maxima.get) if maxima else None
    full = sum(1 for item in graded if item.run.full_marks)
    problems = sum(1 for item in graded if item.run.problem)
    out = ['<h1>chatroom-check: batch of {}</h1>'.format(len(graded)),
           '<div class="sub">{} full marks · {} with a problem · {:.1f}s</div>'.format(full, problems, wall_time),
           '<h2>Submissions</h2><div class="scroll"><table class="checks" id="submissions"><tr><th>submission</th>'
           '<th class="num">score</th><th>result</th>']
    out += ['<th class="num">{}</th>'.format(escape(g)) for g in groups]
    out.append('<th>problem / note</th></tr>')
    verdicts = []
    for item in graded:
        run = item.run
        if run.problem and not run.checks:
            kind = 'problem'
        elif run.full_marks:
            kind = 'passed'
        else:
            kind = 'partial' if run.score > 0 else 'failed'
        label = {'problem': 'problem', 'passed': 'full marks', 'partial': 'partial', 'failed': 'no marks'}[kind]
        maximum = run.max_score if run.checks else usual
        verdicts.append((kind, label, maximum))
        per_group = {g: (sum(c.score for c in cs), sum(c.weight for c in cs)) for g, cs in run.groups()}
        cells = []
        for group in groups:
            if group in per_group and per_group[group][1] == 0:   # a group that informs only (no marks)
                checks = dict(run.groups())[group]
                ok = sum(1 for c in checks if c.status == PASSED)
                cells.append('<td class="num cell info" title="checks passed (no marks)">{} of {} ok</td>'.format(
                    ok, len(checks)))
            elif group in per_group:
                earned, possible = per_group[group]
                cls = 'yes' if earned >= possible else 'no'
                cells.append('<td class="num cell {}">{} / {}</td>'.format(cls, fmt(earned), fmt(possible)))
            else:
                cells.append('<td class="num">–</td>')
        remark = '; '.join(filter(None, [run.problem, ('note: ' + item.submission.note)
                                          if item.submission.note else '']))
        out.append('<tr class="row-{kind}"><td><a href="#{a}">{name}</a></td><td class="num">{s} / {m}</td>'
                   '<td><span class="pill {kind}">{label}</span></td>{cells}'
                   '<td class="remark">{remark}</td></tr>'.format(
                       kind=kind, a=anchor(item.name), name=escape(item.name), s=fmt(run.score),
                       m='?' if maximum is None else fmt(maximum), label=label, cells=''.join(cells),
                       remark=escape(remark[:300])))
    out.append('</table></div><h2>Reports</h2>')
    for item, (kind, label, maximum) in zip(graded, verdicts):
        out.append('<details class="submission" id="{a}"><summary>{name} — {s} / {m} <span class="pill {kind}">'
                   '{label}</span></summary><div>{body}</div></details>'.format(
                       a=anchor(item.name), name=escape(item.name), s=fmt(item.run.score),
                       m='?' if maximum is None else fmt(maximum), kind=kind, label=label,
                       body=run_body(item.run, heading=False, note=item.submission.note)))
    return page('chatroom-check: batch of {}'.format(len(graded)), '\n'.join(out), wide=True)


def write(path, text):
    with open(path, 'w', encoding='utf-8') as out:
        out.write(text)
