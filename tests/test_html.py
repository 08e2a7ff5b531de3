"""The HTML report, read back with html.parser (no browser needed): what an instructor looks for is there,
and nothing a submission controls can inject markup."""

from html.parser import HTMLParser

from harness.batch import Graded, Submission
from harness.report.html import render_batch, render_run
from harness.results import FAILED, PASSED, SKIPPED, CheckResult, RunResult

STAGES = {'join': True, 'chat a→b': True, 'chat b→a': False, 'leave': True, 'shutdown': True}


def result(id, group, status, score, weight=2.0, **extra):
    return CheckResult(id=id, description='check ' + id, group=group, tags=[group], spec='3 ' + group,
                       weight=weight, visibility='visible', status=status, score=score, **extra)


def sample_run():
    run = RunResult(submission='students/alice/chatroom.py', execution_time=4.2)
    run.checks = [
        result('structure.classes', 'structure', PASSED, 2),
        result('tcp.welcome', 'ServerTCP', PASSED, 2, notes=['the greeting contained Welcome: "Welcome!"']),
        result('tcp.join_broadcast', 'ServerTCP', FAILED, 0,
               message="expected 'User bob joined'; it received <script>alert(1)</script>",
               hint="Broadcast 'User x joined' to the others."),
        result('tcp.shutdown', 'ServerTCP', PASSED, 1),       # partial: 1 of 2
        result('tcp.exit', 'ServerTCP', SKIPPED, 0, message='skipped: it needs "tcp.join_broadcast"'),
        result('interop.server_tcp', 'interop', PASSED, 1.6,
               details={'stages': STAGES, 'pairing': 'your ServerTCP × reference clients'}),
        result('robust.burst_50', 'robustness', FAILED, 0, weight=0, details={'outcome': 'stalled'},
               message='3 of 50 clients were never welcomed'),
        result('robust.churn', 'robustness', PASSED, 0, weight=0, details={'outcome': 'kept working'}),
    ]
    return run


class Page(HTMLParser):
    """Tags, attributes and visible text of a page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.text, self.rows, self.classes = [], [], [], []
        self._row = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.classes.extend((attrs.get('class') or '').split())
        if tag == 'tr':
            self._row = {'class': attrs.get('class', ''), 'id': attrs.get('id', ''), 'text': []}
            self.rows.append(self._row)

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None:
            self._row['text'].append(data)

    def handle_endtag(self, tag):
        if tag == 'tr':
            self._row = None

    def row(self, id):
        found = [r for r in self.rows if r['id'] == 'check-' + id]
        assert len(found) == 1, id
        return found[0]['class'], ' '.join(found[0]['text'])

    @property
    def all_text(self):
        return ' '.join(self.text)


def test_run_page_shows_groups_statuses_messages_hints_notes():
    page = Page(render_run(sample_run()))
    text = page.all_text
    assert 'students/alice/chatroom.py' in text
    assert '6.6 / 12' in text                                      # score / max
    for group in ('structure', 'ServerTCP', 'interop', 'robustness'):
        assert group in text
    assert page.row('structure.classes')[0] == 'check passed'
    assert page.row('tcp.shutdown')[0] == 'check partial'
    assert page.row('tcp.exit')[0] == 'check skipped'
    state, row = page.row('tcp.join_broadcast')
    assert state == 'check failed'
    assert "Broadcast 'User x joined' to the others." in row and 'Hint:' in row
    assert '<script>alert(1)</script>' in row                      # shown as text...
    assert 'script' not in page.tags                               # ...never as markup
    state, row = page.row('tcp.welcome')
    assert 'lenient' in row and 'the greeting contained Welcome: "Welcome!"' in row
    assert 'stalled' in page.row('robust.burst_50')[1] and 'kept working' in page.row('robust.churn')[1]
    assert 'outcome' in page.classes and 'bad' in page.classes


def test_run_page_has_the_interop_matrix():
    page = Page(render_run(sample_run()))
    matrix = [r for r in page.rows if 'your ServerTCP × reference clients' in ' '.join(r['text'])]
    assert len(matrix) == 1
    cells = [t for t in matrix[0]['text'] if t.strip()]
    assert cells[1:] == ['✔', '✔', '✘', '✔', '✔']
    for stage in STAGES:
        assert stage in page.all_text


def test_page_is_self_contained():
    text = render_run(sample_run())
    page = Page(text)
    assert 'link' not in page.tags and 'script' not in page.tags and 'img' not in page.tags
    assert 'http://' not in text and 'https://' not in text
    assert text.startswith('<!DOCTYPE html>') and '<meta charset="utf-8">' in text


def test_batch_page_lists_submissions_and_expands_each():
    alice = Graded(Submission('alice', None), sample_run(), 4.5)
    full = RunResult(submission='bob.py', checks=[result('structure.classes', 'structure', PASSED, 2)])
    bob = Graded(Submission('bob <marquee>', None, note='judged "Chatroom.py" as chatroom.py'), full, 1.0)
    carol = Graded(Submission('carol', None), RunResult(submission='carol', problem='no chatroom.py was submitted'))
    page = Page(render_batch([alice, bob, carol], wall_time=7.0))
    text = page.all_text
    assert 'batch of 3' in text
    assert page.tags.count('details') == 3
    rows = {r['text'][0]: r for r in page.rows if r['class'].startswith('row-')}
    assert set(rows) == {'alice', 'bob <marquee>', 'carol'}              # the name is text, not a tag
    assert 'marquee' not in page.tags
    assert rows['carol']['class'] == 'row-problem' and 'no chatroom.py was submitted' in ' '.join(rows['carol']['text'])
    bob = rows['bob <marquee>']
    assert bob['class'] == 'row-passed' and 'judged "Chatroom.py"' in ' '.join(bob['text'])
    assert rows['alice']['class'] == 'row-partial'
    assert '1 of 2 ok' in ' '.join(rows['alice']['text'])           # the zero-weight robustness group
