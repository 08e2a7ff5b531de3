"""Bounded headless locust runs of loadtests/locustfile.py against the reference server (a few seconds each),
plus the refusals that happen before any traffic. Every wait has a deadline; nothing sleeps."""

import csv
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.peers import TcpPeer
from loadtests import target

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / 'loadtests' / 'locustfile.py'


def run_locust(tmp_path, *args, timeout=90):
    argv = [sys.executable, '-m', 'locust', '-f', str(LOCUSTFILE), '--headless', '--only-summary',
            '--csv', str(tmp_path / 'run'), '--html', str(tmp_path / 'run.html'), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=str(ROOT))


def traceback_in(output):
    """The traceback in locust's output, whole, for the failure message (not the tail of the summary)."""
    at = output.find('Traceback')
    return output[max(0, at - 500):at + 3000]


def stats(tmp_path):
    with open(tmp_path / 'run_stats.csv', newline='') as handle:
        return {(row['Type'], row['Name']): row for row in csv.DictReader(handle)}


def assert_clean_run(done, tmp_path, protocol):
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert 'Traceback' not in output, traceback_in(output)
    rows = stats(tmp_path)
    assert int(rows[('DELIVER', protocol)]['Request Count']) > 0, rows
    assert int(rows[('', 'Aggregated')]['Failure Count']) == 0, output[-4000:]
    assert (tmp_path / 'run.html').stat().st_size > 1000
    summary = json.loads((tmp_path / 'run_chat.json').read_text())['protocols'][protocol]
    assert summary['delivered'] > 0 and summary['lost'] == 0 and summary['server_gone'] == 0, summary
    return output


def assert_server_stopped(output, protocol):
    """The auto-started reference server is gone after the run."""
    started = re.findall(r'started the reference server\(s\): (\S+)', output)
    assert len(started) == 1, output[-4000:]                   # one server, even with several processes
    where = target.parse_targets(started[0])[protocol]
    if protocol == 'tcp':
        with pytest.raises(OSError):
            socket.create_connection((where.host, where.port), timeout=2).close()


@pytest.mark.parametrize('user,protocol', [('TcpChatUser', 'tcp'), ('UdpChatUser', 'udp')])
def test_smoke_run_against_the_auto_started_reference(tmp_path, user, protocol):
    done = run_locust(tmp_path, user, '-u', '6', '-r', '6', '-t', '3s', '--msg-rate', '5',
                      '--max-fail-ratio', '0', '--max-loss-pct', '0', '--max-p99-ms', '2000')
    output = assert_clean_run(done, tmp_path, protocol)
    assert_server_stopped(output, protocol)


def test_smoke_run_with_two_processes(tmp_path):
    done = run_locust(tmp_path, 'TcpChatUser', '--processes', '2', '-u', '6', '-r', '6', '-t', '3s',
                      '--msg-rate', '5', '--max-fail-ratio', '0', '--max-loss-pct', '0')
    output = assert_clean_run(done, tmp_path, 'tcp')
    assert_server_stopped(output, 'tcp')
    assert output.count('Got quit message from master') == 2, output[-4000:]


def test_the_server_going_away_is_reported_as_failures(tmp_path):
    with target.serve('tcp') as server:
        argv = [sys.executable, '-m', 'locust', '-f', str(LOCUSTFILE), '--headless', '--only-summary',
                '--csv', str(tmp_path / 'run'), 'TcpChatUser', '-u', '4', '-r', '4', '-t', '4s',
                '--msg-rate', '10', '--host', server.url]
        locust = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=str(ROOT))
        try:
            with TcpPeer(server.port, label='observer') as observer:
                observer.send('observer')
                observer.expect('Welcome', within=5, exact=False)
                observer.expect('[lt ', within=20, exact=False)   # the load is flowing...
        except BaseException:
            locust.kill()
            locust.communicate()
            raise
    # ...and now the server has shut down ('server-shutdown' to every client) in the middle of the run
    out, err = locust.communicate(timeout=60)
    assert locust.returncode == 1, (out + err)[-4000:]         # failures were reported (a crash gives 2)
    assert 'Traceback' not in out + err, traceback_in(out + err)
    rows = stats(tmp_path)
    assert int(rows[('SERVER', 'tcp')]['Failure Count']) >= 1, rows
    assert int(rows[('DELIVER', 'tcp')]['Request Count']) > 0, rows


def test_a_remote_host_is_refused_before_any_traffic(tmp_path):
    done = run_locust(tmp_path, 'TcpChatUser', '-t', '2s', '--host', 'tcp://192.0.2.7:5000', timeout=60)
    assert done.returncode == 2
    assert '--allow-remote' in done.stderr


def test_the_multihost_subnet_flag_does_not_open_the_cli_outside_its_namespaces(tmp_path):
    # $LOADTESTS_TEST_SUBNET names the subnet of `python -m loadtests multihost`; on this machine's own
    # network (not in one of that script's namespaces) it changes nothing
    argv = [sys.executable, '-m', 'loadtests', 'run', 'tcp', '-t', '2s', '--host', 'tcp://10.213.9.2:5000',
            '--csv', str(tmp_path / 'run'), '--html', str(tmp_path / 'run.html')]
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{target.TEST_SUBNET_ENV: '10.213.9.0/24'})
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=str(tmp_path), env=env)
    assert done.returncode == 2, done.stderr[-2000:]
    assert '--allow-remote' in done.stderr and 'not in a network namespace of the multi-host test' in done.stderr


def test_a_shipped_profile_through_the_wrapper(tmp_path):
    # the UDP profile, shortened; run from another directory, its thresholds on
    argv = [sys.executable, '-m', 'loadtests', 'run', 'udp', '-t', '2s', '-u', '5', '-r', '5',
            '--csv', str(tmp_path / 'run'), '--html', str(tmp_path / 'run.html')]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, cwd=str(tmp_path),
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert_clean_run(done, tmp_path, 'udp')
    assert not (tmp_path / 'results').exists()           # the overrides won over the profile's results/
