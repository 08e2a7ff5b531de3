"""The outcome of judging one submission, independent of how it is shown. Renderers (terminal, HTML,
Gradescope, JSON, CSV) all read these objects."""

import json
from dataclasses import asdict, dataclass, field
from typing import List, Optional

PASSED, FAILED, SKIPPED = 'passed', 'failed', 'skipped'
NOT_MEASURABLE = 'not measurable on '     # how a check that this platform path cannot observe skips


@dataclass
class CheckResult:
    id: str
    description: str
    group: str
    tags: List[str]
    spec: str
    weight: float
    visibility: str
    status: str
    score: float
    message: str = ''
    hint: str = ''
    notes: List[str] = field(default_factory=list)
    duration: float = 0.0
    nodeid: str = ''
    details: dict = field(default_factory=dict)   # e.g. interop stages, for renderers that show them

    @property
    def lenient(self):
        return bool(self.notes)

    @property
    def unmeasurable(self):
        """Skipped because this platform path cannot observe what the check needs (harness/platform.py):
        reported, and kept out of full marks, since the submission lost nothing."""
        return self.status == SKIPPED and NOT_MEASURABLE in self.message


@dataclass
class RunResult:
    submission: str
    checks: List[CheckResult] = field(default_factory=list)
    problem: Optional[str] = None        # the submission could not be judged at all (one line)
    execution_time: float = 0.0
    platform: str = ''                   # the platform path that ran: linux, posix or windows
    platform_emulated: bool = False      # a fallback path forced on a machine that has more
    python: dict = field(default_factory=dict)   # the agents' interpreter: {'path', 'version'}

    @property
    def score(self):
        return round(sum(c.score for c in self.checks), 2)

    @property
    def max_score(self):
        return round(sum(c.weight for c in self.checks), 2)

    @property
    def full_marks(self):
        """Every check that carries marks earned all of them (zero-weight checks only inform; a check this
        platform cannot measure lost nothing)."""
        return self.problem is None and bool(self.checks) and all(
            c.status == PASSED and c.score >= c.weight for c in self.checks if c.weight > 0 and not c.unmeasurable)

    @property
    def unmeasured_weight(self):
        """The points of the checks this platform path could not measure."""
        return round(sum(c.weight for c in self.checks if c.unmeasurable), 2)

    def runs_on(self):
        """'linux path, Python 3.11.7 (/usr/bin/python3)': the platform path and interpreter that ran."""
        where = '{} path{}'.format(self.platform, ' (forced)' if self.platform_emulated else '') \
            if self.platform else ''
        python = 'Python {} ({})'.format(self.python.get('version', '?'), self.python.get('path', '?')) \
            if self.python else ''
        return ', '.join(part for part in (where, python) if part)

    def groups(self):
        """(group, [checks]) in first-seen order."""
        order = {}
        for result in self.checks:
            order.setdefault(result.group, []).append(result)
        return list(order.items())

    def to_dict(self):
        return {'submission': self.submission, 'score': self.score, 'max_score': self.max_score,
                'full_marks': self.full_marks, 'problem': self.problem,
                'execution_time': round(self.execution_time, 3),
                'platform': self.platform, 'platform_emulated': self.platform_emulated, 'python': self.python,
                'unmeasured': self.unmeasured_weight,
                'groups': {group: {'score': round(sum(c.score for c in checks), 2),
                                   'max_score': round(sum(c.weight for c in checks), 2)}
                           for group, checks in self.groups()},
                'checks': [asdict(c) for c in self.checks]}

    @classmethod
    def from_dict(cls, data):
        run = cls(submission=data['submission'], problem=data.get('problem'),
                  execution_time=data.get('execution_time', 0.0), platform=data.get('platform', ''),
                  platform_emulated=bool(data.get('platform_emulated', False)), python=data.get('python') or {})
        run.checks = [CheckResult(**c) for c in data.get('checks', [])]
        return run


def write_json(path, data):
    with open(path, 'w', encoding='utf-8') as out:
        json.dump(data, out, indent=2)
        out.write('\n')


def failure_text(error, typename=None):
    """The one message a report shows for the exception that ended a check."""
    from .errors import AgentError
    typename = typename or type(error).__name__
    if isinstance(error, (AssertionError, AgentError)):
        text = str(error).strip()
        return text.split('\nassert ')[0] if text else 'the expectation was not met'
    if typename == 'Failed':
        text = str(error)
        if text.startswith('Timeout'):
            return 'the check ran out of time ({}): the submission did not respond'.format(text.split()[1])
        return text
    return 'the check stopped on {}: {}'.format(typename, error)
