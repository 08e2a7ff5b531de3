"""Independent checks side by side. Most of a check's time is spent waiting on sockets, so the scheduler
runs the check functions in threads, each as soon as its prerequisites have an outcome, with fixtures of
its own (harness/fixtures.py); pytest then reports them one after another, in the order it collected
them, through its usual hooks (so skips, dependencies, the terminal, JUnit and the results are what a
serial run gives). `--serial` turns the scheduler off.

Why not pytest-xdist: each xdist worker is a whole pytest session (its own interpreter, plugin, agent pool
and dialect probes: about half a second of CPU each, the very cost this saves), and a check's dependency
on another one's outcome (a skip that names its cause) would have to cross processes. Here every check
shares one pool, one fork server and one probe per class, and the dependency rule stays in one place.

A check runs here only if every fixture it asks for is one the scheduler can build (FIXTURES); an
instructor's check that asks for others runs in pytest's own loop, after its prerequisites, as before.
(The differential checks run side by side too: each plays its scenarios with its own seeded generator.)
"""

import queue
import threading
import time
from dataclasses import asdict

import pytest

from . import clock as check_clock
from . import leniency
from .catalog import info_of
from .fixtures import SERVERS, constructed_client, fresh_agent
from .results import failure_text

FIXTURES = {'submission_path', 'pytestconfig', 'request', 'credit', 'agent_pool', 'dialects', 'agent',
            'tcp_server', 'udp_server', 'idle_tcp_server', 'idle_udp_server', 'tcp_client', 'udp_client'}
DEFAULT_CONCURRENCY = 6



class Outcome:
    """What running one check gave: pytest's outcome, its properties (as the plugin's makereport would
    attach them), the failure text, the duration."""

    def __init__(self, status, props, longrepr=None, duration=0.0, skipped_at='setup'):
        self.status, self.props, self.longrepr, self.duration = status, props, longrepr, duration
        self.skipped_at = skipped_at


class FakeNode:
    def __init__(self, item):
        self.item = item
        self.user_properties = []
        self.nodeid = item.nodeid

    def get_closest_marker(self, name):
        return self.item.get_closest_marker(name)


class FakeRequest:
    """The `request` a check gets: its node's user_properties, the config, and getfixturevalue()."""

    def __init__(self, item, fixtures):
        self.node = FakeNode(item)
        self.config = item.config
        self._fixtures = fixtures

    def getfixturevalue(self, name):
        return self._fixtures.get(name)


class Scheduler:
    def __init__(self, items, run, submission_path, config, collector, concurrency=DEFAULT_CONCURRENCY):
        self.items = items
        self.run = run
        self.submission_path = submission_path
        self.config = config
        self.collector = collector
        self.ids = {info_of(item).id: item for item in items}
        self.done = {}                       # nodeid -> Outcome
        self.status = {}                     # check id -> passed / failed / skipped
        self.not_blocking = set()
        self.changed = threading.Condition()
        self.clocks = {}                     # nodeid -> the CheckClock of each check running
        self.pending = []                    # checks not handed to the threads yet
        self.pool = CheckThreads(concurrency)
        self.stopping = False

    def start(self):
        # The longest checks first, so that they do not start last and leave the run waiting for them; a
        # check starts only once its prerequisites have an outcome (it never holds a thread waiting).
        self.pending = sorted(self.items, key=lambda item: -_expected_cost(info_of(item)))
        with self.changed:
            self._dispatch()

    def _dispatch(self):
        """(With `changed` held.) Hand every check whose prerequisites have an outcome to the threads."""
        for item in list(self.pending):
            needed = [n for n in info_of(item).depends if n in self.ids]
            if all(n in self.status for n in needed):
                self.pending.remove(item)
                self.pool.submit(self._run, item)

    def outcome(self, item):
        """Block until `item` has an outcome; return it."""
        with self.changed:
            while item.nodeid not in self.done:
                self.changed.wait()
            return self.done[item.nodeid]

    def stop(self):
        """The run is over: kill what checks still running hold (their threads end by themselves; they
        are daemon threads, so they keep no process alive once the results are written)."""
        self.stopping = True
        for running in list(self.clocks.values()):
            for agent in list(running.agents):
                agent.release()
        self.pool.shutdown()

    # -- one check ---------------------------------------------------------------------------------

    def _finish(self, item, outcome):
        info = info_of(item)
        with self.changed:
            if item.nodeid in self.done:
                return               # it ran out of time: that outcome stands
            self.done[item.nodeid] = outcome
            self.status[info.id] = outcome.status
            if outcome.props.get('blocks_dependents') is False:
                self.not_blocking.add(info.id)
            if not self.stopping:
                self._dispatch()
            self.changed.notify_all()

    def _prerequisite_problem(self, info):
        """The skip reason if a prerequisite (with an outcome by now) did not pass, or None."""
        with self.changed:
            for needed in info.depends:
                status = self.status.get(needed)
                if status is not None and status != 'passed' and needed not in self.not_blocking:
                    return 'skipped: it needs "{}", which {}'.format(needed, status)
        return None

    def _run(self, item):
        info = self.collector.info(item)
        props = {'check_info': asdict(info)}
        try:
            problem = self._prerequisite_problem(info)
            if problem is not None:
                self._finish(item, Outcome('skipped', dict(props, notes=[]), longrepr=_skip_repr(item, problem)))
                return
            self._execute(item, info, props)
        except BaseException as error:     # a fault of ours: the check fails, saying so, and the run goes on
            message = 'the harness failed while running this check: {}'.format(failure_text(error))
            self._finish(item, Outcome('failed', dict(props, notes=[], message=message), message))

    def _execute(self, item, info, props):
        leniency.begin_check()
        started = time.monotonic()
        status, longrepr, request, crashed = self._attempt(item, info)
        if status == 'failed' and crashed and info.weight > 0:
            # The server's run() ended by itself: a race in the submission (it may not happen again) or a
            # crash (it will). One more run on a fresh server tells them apart, so that the verdict does
            # not depend on whether the race fired this time (judgement-calls.md, "A server that ends by
            # itself"). Every weighted check alike: a budget shared by the checks would make the verdict
            # depend on which of them failed first.
            first = failure_text(longrepr)
            leniency.begin_check()
            status, longrepr, request, crashed = self._attempt(item, info)
            leniency.note(leniency.ran_again_after_run_ended(first, passed=status == 'passed'))
        user_props = dict(request.node.user_properties) if request is not None else {}
        props.update(user_props)
        props['notes'] = leniency.notes()
        if status == 'failed':
            props['message'] = failure_text(longrepr)
            longrepr = props['message']
        self._finish(item, Outcome(status, props, longrepr, time.monotonic() - started,
                                   skipped_at='call'))

    def _attempt(self, item, info):
        """Run the check once, on fixtures of its own: (status, longrepr, request, crashed), `crashed`
        true when it failed while a server's run() had ended though the check never asked it to stop."""
        running = check_clock.CheckClock(info.timeout, on_expiry=lambda: self._time_out(item, running))
        self.clocks[item.nodeid] = running
        request = None
        stack = []
        fixtures = {}
        crashed = False
        with check_clock.bound(running):
            try:
                request = FakeRequest(item, fixtures)
                self._build(item, info, request, fixtures, stack)
                kwargs = {name: fixtures[name] for name in item._fixtureinfo.argnames}
                item.obj(**kwargs)
                status, longrepr = 'passed', None
            except pytest.skip.Exception as skipped:
                status, longrepr = 'skipped', _skip_repr(item, str(skipped.msg))
            except BaseException as error:          # a check's failure, whatever it raised
                status, longrepr = 'failed', error
                crashed = not running.expired and any(
                    _ended_by_itself(fixtures.get(name)) for name in SERVERS)
            finally:
                for closing in reversed(stack):
                    try:
                        closing.__exit__(None, None, None)
                    except BaseException:
                        pass
        self.clocks.pop(item.nodeid, None)
        return status, longrepr, request, crashed

    def _build(self, item, info, request, fixtures, stack):
        """The fixtures `item` asks for, in dependency order; context managers go on `stack`."""
        names = item._fixtureinfo.argnames
        fixtures.update(submission_path=self.submission_path, pytestconfig=self.config, request=request,
                        agent_pool=self.run.pool, dialects=self.run.dialects,
                        credit=lambda fraction: request.node.user_properties.append(('credit', float(fraction))))
        wanted = set(names)
        if wanted & (set(SERVERS) | {'tcp_client', 'udp_client'}):
            wanted.add('agent')
        if 'agent' in wanted:
            fixtures['agent'] = self._enter(stack, fresh_agent(self.run.pool))
        for name, (make, protocol) in SERVERS.items():
            if name in wanted:
                fixtures[name] = self._enter(stack, make(fixtures['agent'], self.run.dialects, protocol, info.id))
        for name in ('tcp_client', 'udp_client'):
            if name in wanted:
                fixtures[name] = self._enter(stack, constructed_client(fixtures['agent'], self.run.dialects,
                                                                       name[:3]))

    @staticmethod
    def _enter(stack, manager):
        value = manager.__enter__()
        stack.append(manager)
        return value

    # -- time limits ---------------------------------------------------------------------------------

    def _time_out(self, item, running):
        """(From the check's clock, once its agents were killed.) The check's outcome is a timeout; its
        thread ends by itself once its waits on the dead agents end, and what it then reports is ignored."""
        message = running.message()
        props = {'check_info': asdict(self.collector.info(item)), 'notes': [], 'message': message}
        self._finish(item, Outcome('failed', props, message, running.allowed, skipped_at='call'))


class CheckThreads:
    """`concurrency` daemon threads that run what is submitted, in order. Not a ThreadPoolExecutor: its
    threads are joined when the interpreter exits, so a check still waiting on a dead submission would
    keep the process alive after the results were written."""

    def __init__(self, concurrency):
        self.work = queue.Queue()
        self.threads = [threading.Thread(target=self._serve, name='check-{}'.format(n), daemon=True)
                        for n in range(concurrency)]
        for thread in self.threads:
            thread.start()

    def submit(self, function, *args):
        self.work.put((function, args))

    def shutdown(self):
        for _ in self.threads:
            self.work.put(None)

    def _serve(self):
        while True:
            task = self.work.get()
            if task is None:
                return
            function, args = task
            function(*args)


def _ended_by_itself(server):
    try:
        return server is not None and server.ended_by_itself()
    except Exception:  # a fault of the subject's agent: no second run
        return False


def _expected_cost(info):
    """A rough rank of how long a check takes, for starting the long ones first."""
    if 'differential' in info.tags:
        return 3
    if info.group == 'interop':
        return 2
    return 1 if info.group == 'robustness' else 0


def _skip_repr(item, reason):
    path, lineno, _ = item.location
    return (str(path), (lineno or 0) + 1, 'Skipped: ' + reason)


def eligible(items):
    """The check items the scheduler can run: every fixture known, every prerequisite eligible too."""
    by_id = {}
    for item in items:
        info = info_of(item)
        if info is None or not hasattr(item, '_fixtureinfo') or not hasattr(item, 'obj'):
            continue
        if set(item._fixtureinfo.names_closure) - FIXTURES - {'chatroom_run'}:
            continue
        by_id[info.id] = item
    changed = True
    while changed:
        changed = False
        for check_id, item in list(by_id.items()):
            known = {c.id for c in map(info_of, items) if c is not None}
            if any(needed in known and needed not in by_id for needed in info_of(item).depends):
                del by_id[check_id]
                changed = True
    return [item for item in items if info_of(item) is not None and info_of(item).id in by_id]


def report(item, outcome):
    """Tell pytest (terminal, JUnit, the plugin's collector) the outcome of a check the scheduler ran."""
    from _pytest.reports import TestReport
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    properties = list(outcome.props.items())
    keywords = {name: 1 for name in item.keywords}

    def make(when, status, longrepr=None, duration=0.0):
        return TestReport(item.nodeid, item.location, keywords, status, longrepr, when, sections=(),
                          duration=duration, user_properties=properties)

    if outcome.status == 'skipped' and outcome.skipped_at == 'setup':
        reports = [make('setup', 'skipped', outcome.longrepr)]
    else:
        reports = [make('setup', 'passed'), make('call', outcome.status, outcome.longrepr, outcome.duration)]
    reports.append(make('teardown', 'passed'))
    for each in reports:
        ihook.pytest_runtest_logreport(report=each)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
