"""pytest plugin of the conformance suite.

- `--submission PATH` chooses the chatroom.py to judge (default: the bundled reference). Given with no
  test paths, it runs the conformance checks (harness/checks) instead of the project's own tests.
- Dependencies: a check whose prerequisite did not pass is skipped, saying which one and why.
- Each check's outcome, score, failure message, hint and leniency notes are collected into a RunResult;
  `--gradescope FILE` and `--results-json FILE` write it out. JUnit comes from pytest's --junitxml.
"""

import time
from dataclasses import asdict
from pathlib import Path

import pytest

from . import clock as check_clock
from . import leniency, platform
from .catalog import GROUPS, CheckInfo, info_of, with_overrides
from .report.gradescope import gradescope
from .results import FAILED, PASSED, SKIPPED, CheckResult, RunResult, failure_text, write_json
from .runner import SubmissionProblem, agent_user_from_env, python_for, reap_released, use_python
from .sandbox import interpreter_info
from .schedule import DEFAULT_CONCURRENCY, Scheduler, eligible, report

REFERENCE = Path(__file__).resolve().parent.parent / 'chatroom.py'
CHECKS_DIR = Path(__file__).resolve().parent / 'checks'
# The differential checks' scenarios (harness/explore.py): every transition of the model reached within
# DIFFERENTIAL_DEPTH steps over a small alphabet, a shutdown each way, and DIFFERENTIAL_BUDGET random walks
# per protocol. About 1.5 s per protocol on the reference, side by side with the other checks; instructors
# grading for real can ask for more (README: --differential-depth 3 --differential-budget 10).
DIFFERENTIAL_BUDGET = 2
DIFFERENTIAL_DEPTH = 2


def pytest_addoption(parser):
    group = parser.getgroup('chatroom-check')
    group.addoption('--submission', metavar='PATH', default=None,
                    help='the chatroom.py to judge (default: the bundled reference)')
    group.addoption('--gradescope', metavar='FILE', default=None, help='write Gradescope results.json here')
    group.addoption('--results-json', metavar='FILE', default=None, help='write a JSON summary here')
    group.addoption('--check-config', metavar='TOML', default=None,
                    help='override weights and visibility of checks or groups')
    group.addoption('--differential-depth', metavar='N', type=int, default=DIFFERENTIAL_DEPTH,
                    help='the differential checks play every transition of the model within N steps '
                         '(default %(default)s; 0: none)')
    group.addoption('--differential-budget', metavar='N', type=int, default=DIFFERENTIAL_BUDGET,
                    help='random scenarios per protocol in the differential checks (default %(default)s; '
                         '0 skips them)')
    group.addoption('--differential-seed', metavar='N', type=int, default=0,
                    help='seed of the differential checks\' scenarios (default 0: the same every run)')
    group.addoption('--serial', action='store_true', default=False,
                    help='run the checks one after another (default: independent checks side by side)')
    group.addoption('--agent-python', metavar='PATH', default=None,
                    help='run the submission under this Python interpreter (3.9 or later; default: this one)')
    group.addoption('--concurrency', metavar='N', type=int, default=DEFAULT_CONCURRENCY,
                    help='checks run side by side at most (default %(default)s)')


def pytest_configure(config):
    config.addinivalue_line('markers', 'chatroom_check(info): a conformance check and its metadata')
    if config.getoption('submission') and not config.args_source == pytest.Config.ArgsSource.ARGS:
        config.args = [str(CHECKS_DIR)]
    if not config.pluginmanager.has_plugin('chatroom-collector'):
        config.pluginmanager.register(Collector(config), 'chatroom-collector')


@pytest.fixture(scope='session')
def submission_path(pytestconfig):
    chosen = pytestconfig.getoption('submission')
    return Path(chosen).resolve() if chosen else REFERENCE


@pytest.fixture(scope='session')
def chatroom_run(pytestconfig, submission_path):
    """What the checks of this run share: the agent pool and the dialects (harness/fixtures.Run)."""
    return pytestconfig.pluginmanager.get_plugin('chatroom-collector').shared(submission_path)


@pytest.fixture
def credit(request):
    """credit(fraction): this check earns only `fraction` of its weight even though it passes."""
    def give(fraction):
        request.node.user_properties.append(('credit', float(fraction)))
    return give


def load_overrides(path):
    """{check id or group: {'weight': w, 'visibility': v}} from a course's TOML file. Tables may sit at the
    top level or under [checks]; `[tcp.welcome]` (TOML nests dotted names) means the check 'tcp.welcome'.
    A group's weight is the weight of *each* check in the group (not the group's total); a check's own
    entry wins over its group's."""
    if not path:
        return {}
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    with open(path, 'rb') as source:
        data = tomllib.load(source)
    return flatten_overrides(data.get('checks', data))


SETTINGS = ('weight', 'visibility')
VISIBILITIES = ('visible', 'hidden', 'after_due_date', 'after_published')


def flatten_overrides(table, prefix=''):
    out = {}
    for key, value in table.items():
        if not isinstance(value, dict):
            out.setdefault(prefix.rstrip('.') or key, {})[key] = value   # reported by config_errors
            continue
        settings = {k: v for k, v in value.items() if not isinstance(v, dict)}
        if settings:
            out[prefix + key] = settings
        out.update(flatten_overrides({k: v for k, v in value.items() if isinstance(v, dict)},
                                     prefix + key + '.'))
    return out


def config_errors(overrides):
    """What is wrong in loaded overrides, one line each (empty when they are fine)."""
    errors = []
    for name, settings in overrides.items():
        for key, value in settings.items():
            if key not in SETTINGS:
                errors.append('[{}] {}: unknown setting (use weight or visibility)'.format(name, key))
            elif key == 'weight' and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or value < 0):
                errors.append('[{}] weight = {!r}: must be a number >= 0'.format(name, value))
            elif key == 'visibility' and value not in VISIBILITIES:
                errors.append('[{}] visibility = {!r}: must be one of {}'.format(
                    name, value, ', '.join(VISIBILITIES)))
    return errors


class Collector:
    """Turns pytest's reports into a RunResult."""

    def __init__(self, config):
        self.config = config
        self.run = RunResult(submission=str(config.getoption('submission') or REFERENCE),
                             platform=platform.PATH, platform_emulated=platform.EMULATED)
        try:
            platform.chosen_path()
            chosen = config.getoption('agent_python')
            self.run.python = interpreter_info(chosen or python_for(agent_user_from_env()))
        except (platform.PlatformChoiceError, SubmissionProblem) as problem:
            raise pytest.UsageError(str(problem))
        if config.getoption('gradescope') and platform.gradescope_refusal():
            raise pytest.UsageError(platform.gradescope_refusal())
        use_python(self.run.python['path'] if chosen else None)
        self.outcomes = {}            # check id -> status, for dependencies
        self.started = time.monotonic()
        self.overrides = load_overrides(config.getoption('check_config'))
        self.infos = {}               # nodeid -> CheckInfo (after overrides)
        self.not_blocking = set()     # failed checks whose dependents may run all the same (see below)
        self.scheduler = None
        self.scheduled = set()        # nodeids the scheduler runs
        self.clocks = {}              # nodeid -> CheckClock of the checks run in pytest's loop
        self._shared = None

    def info(self, item):
        info = info_of(item)
        return with_overrides(info, self.overrides) if info else None

    def pytest_collection_modifyitems(self, items):
        # --differential-budget 0 / --no-differential deselects those checks, as -k would: they are not
        # in the results at all, rather than skipped and counted against full marks.
        if self.config.getoption('differential_budget') <= 0 and self.config.getoption('differential_depth') <= 0:
            dropped = [item for item in items if (info_of(item) or CheckInfo('', 0, '', ())).group == 'differential']
            if dropped:
                items[:] = [item for item in items if item not in dropped]
                self.config.hook.pytest_deselected(items=dropped)

        # A check's time is kept by its CheckClock (harness/clock.py), never by pytest-timeout: its signal
        # fires in the main thread wherever that is, and inside pytest's hooks it ends the run without results.
        if self.config.pluginmanager.has_plugin('timeout'):
            for item in items:
                if info_of(item) is not None:
                    item.add_marker(pytest.mark.timeout(0), append=False)

        # Prerequisites run first: the structure checks, then each class in the catalog's order.
        def rank(item):
            info = info_of(item)
            return GROUPS.index(info.group) if info and info.group in GROUPS else len(GROUPS)
        items.sort(key=rank)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        leniency.begin_check()
        info = self.info(item)
        if info is None:
            return
        self.infos[item.nodeid] = info
        for needed in info.depends:
            status = self.outcomes.get(needed)
            if status is not None and status != PASSED and needed not in self.not_blocking:
                pytest.skip('skipped: it needs "{}", which {}'.format(needed, status))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        running = self.clocks.get(item.nodeid)
        if running is not None and running.expired and call.when in ('setup', 'call'):
            # Whatever the check raised once its agents were killed: the verdict is that it ran out of time.
            report.outcome, report.longrepr = 'failed', running.message()
            report.user_properties.append(('notes', leniency.notes()))
            report.user_properties.append(('message', running.message()))
        elif call.when == 'call' or (call.when == 'setup' and report.outcome != 'passed'):
            report.user_properties.append(('notes', leniency.notes()))
            if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
                report.user_properties.append(('message', failure_message(call.excinfo)))
        info = self.infos.get(item.nodeid)
        if info is not None:      # a plain dict, so that pytest-xdist can ship it between processes
            report.user_properties.append(('check_info', asdict(info)))

    def pytest_runtest_logreport(self, report):
        props = dict(report.user_properties)
        if props.get('check_info') is None:
            return
        info = CheckInfo(**props['check_info'])
        if report.when == 'call' or (report.when == 'setup' and report.outcome != 'passed') or (
                report.when == 'teardown' and report.outcome == 'failed'):
            status = {'passed': PASSED, 'failed': FAILED, 'skipped': SKIPPED}[report.outcome]
            if report.when == 'teardown':
                if self.outcomes.get(info.id) != PASSED:
                    return            # the failure of the call is the one to show
                self.run.checks = [c for c in self.run.checks if c.id != info.id]
            message = props.get('message', '') or props.get('partial', '')
            if status == SKIPPED:
                message = skip_reason(report)
            fraction = props.get('credit', 1.0) if status == PASSED else 0.0
            self.outcomes[info.id] = status
            if props.get('blocks_dependents') is False:
                # The failure is about the check's own subject (a parameter's name, say); what the
                # dependents need of it works: they run (judgement-calls.md, "One fault, its own checks").
                self.not_blocking.add(info.id)
            self.run.checks.append(CheckResult(
                id=info.id, description=info.description, group=info.group, tags=list(info.tags),
                spec=info.spec, weight=info.weight, visibility=info.visibility, status=status,
                score=round(info.weight * fraction, 2), message=message,
                hint=info.hint if status != PASSED or fraction < 1 else '',
                notes=props.get('notes', []), duration=round(report.duration, 3), nodeid=report.nodeid,
                details=props.get('details', {})))

    def shared(self, submission_path):
        if self._shared is None:
            from .fixtures import Run
            self._shared = Run(submission_path)
        return self._shared

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session):
        if not session.config.option.collectonly:
            items = eligible(session.items)
            if items:
                submission = Path(self.config.getoption('submission')).resolve() \
                    if self.config.getoption('submission') else REFERENCE
                # --serial: the same scheduler, one check at a time, so that every mode judges alike
                # (a second run after the server ended by itself, say).
                at_once = 1 if self.config.getoption('serial') else max(1, self.config.getoption('concurrency'))
                self.scheduler = Scheduler(items, self.shared(submission), submission, self.config, self, at_once)
                self.scheduled = {item.nodeid for item in items}
                self.scheduler.start()
        yield

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if item.nodeid not in self.scheduled:
            return None
        report(item, self.scheduler.outcome(item))
        return True

    @pytest.hookimpl(hookwrapper=True, specname='pytest_runtest_protocol')
    def pytest_runtest_protocol_under_clock(self, item, nextitem):
        """A check run in pytest's own loop (a fixture the scheduler cannot build: an instructor's) runs under
        its clock, in the main thread; the scheduler keeps the clocks of the checks it runs."""
        info = self.info(item) if item.nodeid not in self.scheduled else None
        if info is None:
            yield
            return
        running = check_clock.CheckClock(info.timeout)
        self.clocks[item.nodeid] = running
        with check_clock.bound(running):
            yield

    def pytest_unconfigure(self, config):
        use_python(None)

    def pytest_sessionfinish(self, session):
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._shared is not None:
            self._shared.close()
        reap_released()                  # nothing a check started outlives the run
        self.run.execution_time = time.monotonic() - self.started
        path = self.config.getoption('gradescope')
        if path:
            write_json(path, gradescope(self.run))
        path = self.config.getoption('results_json')
        if path:
            write_json(path, self.run.to_dict())


def failure_message(excinfo):
    return failure_text(excinfo.value, excinfo.typename)


def skip_reason(report):
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        reason = report.longrepr[2]
        return reason[len('Skipped: '):] if reason.startswith('Skipped: ') else reason
    return str(report.longrepr or '')
