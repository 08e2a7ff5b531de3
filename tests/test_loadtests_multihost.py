"""Locust's master and workers on network hosts of their own (loadtests/multihost.py): Linux network
namespaces on a private test subnet of this machine, built by a module fixture and removed after it.

The runs are short and bounded (users, run time); every wait is for a state (a log line, a process exit,
a CSV file) with a deadline, never a sleep. They need root and `ip netns` and skip without them. The
multi-host and single-host runs of the TCP and UDP profiles go all four at once here (to keep the file
under a minute; each pair shares the 2 cores alike, and the comparison is of counts, not latency);
`python -m loadtests multihost` runs them one after the other for its figures.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loadtests import forward, multihost
from loadtests import target as targets

ROOT = Path(__file__).resolve().parent.parent
UNSUPPORTED = multihost.unsupported_reason()
needs_netns = pytest.mark.skipif(UNSUPPORTED is not None, reason='multi-host load tests: {}'.format(UNSUPPORTED))
NO_LATENCY_LIMIT = ['--max-p99-ms', '-1']       # latency is reported, not judged, in these short runs
DELIVERING = r'worker (\S+) \(pid (\d+), netns {}\) is delivering'


@pytest.fixture(scope='module')
def net():
    if UNSUPPORTED:
        pytest.skip(UNSUPPORTED)
    try:
        network = multihost.Network(workers=2)
        network.__enter__()
    except multihost.Unsupported as error:
        pytest.skip(str(error))
    try:
        yield network
    finally:
        network.close()
    assert network.leftovers() == []
    assert not [line for line in multihost.ip('link').stdout.splitlines() if 'veth' in line or 'br0' in line]


@pytest.fixture
def results(tmp_path):
    return tmp_path


def assert_nothing_runs(net):
    assert net.pids() == {}, net.pids()


def delivering(run, node, timeout=20):
    """Wait for the master's line that this worker's users receive messages; its locust client id."""
    return run.master.wait_for(DELIVERING.format(re.escape(node.netns)), timeout).group(1)


# -- the profiles across hosts, against one host --------------------------------------------------------

@needs_netns
def test_the_profiles_across_hosts_match_the_same_runs_on_one_host(net, results):
    users, seconds = 20, 5
    started = []
    try:
        for index, profile in enumerate(['tcp', 'udp']):        # all four runs at once, a port each
            port = multihost.MASTER_PORT + 10 * index
            started.append(multihost.MultihostRun(net, profile, users, seconds, results, extra=NO_LATENCY_LIMIT,
                                                  master_port=port).start())
            started.append(multihost.SingleHostRun(net, profile, users, seconds, results, extra=NO_LATENCY_LIMIT,
                                                   master_port=port).start())
        done = [run.finish() for run in started]
    finally:
        for run in started:
            run.close()
    for multi, single in zip(done[::2], done[1::2]):
        profile = multi.profile
        assert multihost.check_multihost(multi) == [], multi.figures()
        assert multi.requests > 0 and multi.failures == 0
        assert multi.count('DELIVER') > 0 and multi.totals['lost'] == 0
        rows = multihost.read_workers(multi.prefix)                          # the master's per-worker CSV
        assert sorted(row['Netns'] for row in rows) == sorted(node.netns for node in net.workers), rows
        assert all(int(row['delivered']) > 0 and row['Missing'] == '0' and row['Protocol'] == profile
                   for row in rows)
        assert single.exit_code == 0 and single.failures == 0, single.figures()
        assert multihost.compare(multi, single) == [], (multi.figures(), single.figures())
    assert_nothing_runs(net)


# -- faults ---------------------------------------------------------------------------------------------

@needs_netns
def test_a_worker_killed_mid_run_goes_missing_and_the_run_ends_with_the_other(net, results):
    w1, w2 = net.workers
    with multihost.MultihostRun(net, 'tcp', 12, 9, results, extra=NO_LATENCY_LIMIT) as run:
        run.start()
        delivering(run, w1)
        killed = delivering(run, w2)
        run.workers[1].send(signal.SIGKILL)
        run.workers[1].wait(5)
        missing = run.master.wait_for(
            r'Worker {} failed to send heartbeat, setting state to missing'.format(re.escape(killed)), 15)
        seen_missing = time.time()
        assert missing
        done = run.finish()
    assert done.exit_code == 0 and done.failures == 0, done.figures()
    workers = {w['netns']: w for w in done.workers()}
    assert workers[w2.netns]['missing'] and not workers[w1.netns]['missing']
    assert workers[w1.netns]['protocols']['tcp']['delivered'] > workers[w2.netns]['protocols']['tcp']['delivered']
    # after the master noticed, the run went on with the other worker's users only, and its requests grew
    # (the history's last row, written as the run quits, has no users left)
    after = [row for row in multihost.read_history(done.prefix)
             if float(row['Timestamp']) > seen_missing and int(row['User Count'])]
    assert len(after) >= 2, multihost.read_history(done.prefix)
    assert all(int(row['User Count']) == 6 for row in after), after
    assert int(after[-1]['Total Request Count']) > int(after[0]['Total Request Count'])
    assert_nothing_runs(net)


@needs_netns
def test_a_worker_started_after_the_master_joins_the_run(net, results):
    w1, w2 = net.workers
    with multihost.MultihostRun(net, 'tcp', 12, 7, results, expect_workers=1, extra=NO_LATENCY_LIMIT) as run:
        run.start(start_workers=[0])
        run.master.wait_for(r'All users spawned: .* \(12 total users\)', 20)
        run.start_worker(1)                                 # the run is under way with one worker
        joined = run.master.wait_for(r'(\S+) \(index \d+\) reported as ready\. 2 workers connected', 15)
        assert delivering(run, w2) == joined.group(1)       # it got its share of the users
        done = run.finish()
    assert done.exit_code == 0 and done.failures == 0, done.figures()
    delivered = {w['netns']: w['protocols']['tcp']['delivered'] for w in done.workers()}
    assert delivered[w1.netns] > 0 and delivered[w2.netns] > 0, delivered
    assert_nothing_runs(net)


@needs_netns
def test_the_server_stopped_mid_run_is_counted_and_everything_stops_by_itself(net, results):
    run = multihost.MultihostRun(net, 'tcp', 12, 4, results, extra=NO_LATENCY_LIMIT)
    with run:
        run.start()
        delivering(run, net.workers[0])
        assert run.server.stop() == 0                       # SIGINT: 'server-shutdown' to every client
        code = run.master.wait(4 + multihost.EXIT_MARGIN)   # nobody stops the rest: they end by themselves
        for worker in run.workers.values():
            assert worker.wait(10) == 0
        assert_nothing_runs(net)
    assert code == 1                                        # the profile's --max-fail-ratio 0
    rows = multihost.read_stats(run.prefix)
    assert int(rows[('SERVER', 'tcp')]['Failure Count']) >= 1, rows
    assert int(rows[('DELIVER', 'tcp')]['Request Count']) > 0, rows
    assert 'Traceback' not in run.master.output
    assert_nothing_runs(net)


# -- the loopback rule and the script -------------------------------------------------------------------

def check_target(net, role, host, subnet_env=True):
    """check_allowed for tcp://host:5000, run inside the namespace of `role`: None or the refusal."""
    code = ('import sys; from loadtests import target as t\n'
            'try:\n    t.check_allowed(t.parse_targets(sys.argv[1]))\n'
            'except t.TargetError as e:\n    print(e)\nelse:\n    print("allowed")\n')
    env = dict(net.env)
    if not subnet_env:
        env.pop(targets.TEST_SUBNET_ENV)
    done = subprocess.run(['ip', 'netns', 'exec', net.nodes[role].netns, sys.executable, '-c', code,
                           'tcp://{}:5000'.format(host)], capture_output=True, text=True, timeout=30, env=env)
    assert done.returncode == 0, done.stderr
    return None if done.stdout.strip() == 'allowed' else done.stdout.strip()


@needs_netns
def test_test_subnet_targets_are_allowed_only_inside_the_namespaces_with_the_flag(net, monkeypatch):
    server = net.server.address
    assert check_target(net, 'w1', server) is None
    assert '--allow-remote' in check_target(net, 'w1', server, subnet_env=False)
    assert 'is not in' in check_target(net, 'w1', '10.214.0.9')             # outside the test subnet
    assert 'is not an IPv4 address' in check_target(net, 'w1', 'example.com')
    # the same flag on this machine's own network does nothing
    monkeypatch.setenv(targets.TEST_SUBNET_ENV, str(net.subnet))
    with pytest.raises(targets.TargetError, match='not in a network namespace of the multi-host test'):
        targets.check_allowed(targets.parse_targets('tcp://{}:5000'.format(server)))


def test_the_script_says_why_it_cannot_run(monkeypatch, capsys):
    monkeypatch.setattr(os, 'geteuid', lambda: 1000)
    assert multihost.main(['tcp']) == 2
    err = capsys.readouterr().err.strip()
    assert err.count('\n') == 0 and 'needs root' in err, err


@needs_netns
def test_interrupting_the_script_removes_its_network(tmp_path):
    script = subprocess.Popen([sys.executable, '-m', 'loadtests', 'multihost', 'tcp', '-t', '30',
                               '--results', str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        for line in script.stdout:                          # the run is under way
            if 'master and 2 workers started' in line:
                break
        names = [name for name in multihost.netns_names() if name.startswith('ltmh{}-'.format(script.pid))]
        assert len(names) == 6, names
        script.send_signal(signal.SIGINT)
        out, _ = script.communicate(timeout=30)
    finally:
        if script.poll() is None:
            script.kill()
            script.communicate()
    assert script.returncode == 130, out
    assert [name for name in multihost.netns_names() if name.startswith('ltmh{}-'.format(script.pid))] == []
    assert not (multihost.ETC_NETNS / 'ltmh{}-srv'.format(script.pid)).exists()


@needs_netns
def test_the_leftovers_of_a_dead_run_are_removed():
    dead = subprocess.Popen(['true'])
    dead.wait()
    name = 'ltmh{}-srv'.format(dead.pid)
    multihost.ip('netns', 'add', name)
    (multihost.ETC_NETNS / name).mkdir(parents=True, exist_ok=True)
    try:
        assert name in multihost.clean_leftovers()
        assert name not in multihost.netns_names()
        assert not (multihost.ETC_NETNS / name).exists()
    finally:
        multihost.remove_netns([n for n in multihost.netns_names() if n == name])
        multihost._remove_etc(name)


# -- the forwarder (for submissions, which the harness pins to loopback) ---------------------------------

def _tcp_join(address, name):
    sock = socket.create_connection(address, timeout=5)
    sock.sendall(name.encode())
    assert b'Welcome' in sock.recv(4096)
    return sock


def _udp_join(address, name):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    sock.connect(address)
    sock.send('{}:join'.format(name).encode())
    assert b'Welcome' in sock.recv(4096)
    return sock


def _recv_until(sock, wanted):
    got = b''
    deadline = time.monotonic() + 5
    while wanted not in got:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        got += sock.recv(4096)
    return got


@pytest.mark.parametrize('protocol', ['tcp', 'udp'])
def test_the_forwarder_relays_a_chat_to_a_loopback_server(protocol):
    join = _tcp_join if protocol == 'tcp' else _udp_join
    with targets.serve(protocol) as server:
        with forward.Forwarder(protocol, ('127.0.0.2', server.port), (server.host, server.port)) as relay:
            alice, bob = join(relay.address, 'alice'), join(relay.address, 'bob')
            try:
                _recv_until(alice, b'User bob joined')
                alice.send(b'hello' if protocol == 'tcp' else b'alice:hello')
                assert b'alice: hello' in _recv_until(bob, b'alice: hello')
            finally:
                alice.close()
                bob.close()
