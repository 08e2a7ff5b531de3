"""Unit tests of the load-test token format, its stream parser and the per-receiver ledger."""

import pytest

from loadtests import target, tokens


def tok(sender, seq, ts=1000):
    return tokens.encode(sender, seq, ts).encode()


A, B = 'lt0000a1-0001-aaaa', 'lt0000b2-0002-bbbb'


def test_names_are_unique_and_match_the_token_pattern():
    names = {tokens.make_name() for _ in range(1000)}
    assert len(names) == 1000
    for name in list(names)[:20]:
        assert tokens.TokenStream().feed(tokens.encode(name, 1, 5).encode()) == [(name, 1, 5)]


def test_one_token_and_padding():
    text = tokens.encode(A, 7, 123, size=100)
    assert len(text) == 100
    assert tokens.TokenStream().feed(text.encode()) == [(A, 7, 123)]


def test_coalesced_frames_with_relay_prefixes_and_notices():
    stream = tokens.TokenStream()
    data = (b'User x joined' + A.encode() + b': ' + tok(A, 1) + B.encode() + b': ' + tok(B, 1, 7)
            + A.encode() + b': ' + tok(A, 2) + tok(A, 3))      # a relay that fused two sends into one line
    assert stream.feed(data) == [(A, 1, 1000), (B, 1, 7), (A, 2, 1000), (A, 3, 1000)]
    assert not stream.shutdown_seen


@pytest.mark.parametrize('cut', range(1, 40))
def test_partial_frames_are_finished_by_the_next_feed(cut):
    stream = tokens.TokenStream()
    data = A.encode() + b': ' + tok(A, 41, 99) + B.encode() + b': ' + tok(B, 5, 98)
    got = stream.feed(data[:cut]) + stream.feed(data[cut:])
    assert got == [(A, 41, 99), (B, 5, 98)]


@pytest.mark.parametrize('cut', range(1, 36))
def test_a_message_split_by_the_server_and_prefixed_twice_is_reassembled(cut):
    # a server that relays each recv() may cut one sent message in two and prefix both halves
    sent = tok(A, 12, 345)
    relayed = A.encode() + b': ' + sent[:cut] + A.encode() + b': ' + sent[cut:] + B.encode() + b': ' + tok(B, 1)
    for split in range(len(relayed) + 1):          # and the receiver's recv() may end anywhere
        stream = tokens.TokenStream()
        got = stream.feed(relayed[:split]) + stream.feed(relayed[split:])
        assert got == [(A, 12, 345), (B, 1, 1000)], (cut, split)


def test_byte_by_byte_feeding():
    stream = tokens.TokenStream()
    data = b''.join(A.encode() + b': ' + tok(A, n) for n in range(1, 6)) + b'server-shutdown'
    got = []
    for index in range(len(data)):
        got += stream.feed(data[index:index + 1])
    assert [seq for _, seq, _ in got] == [1, 2, 3, 4, 5]
    assert stream.shutdown_seen


def test_garbage_does_not_grow_the_carry():
    stream = tokens.TokenStream()
    assert stream.feed(b'[' + b'x' * 500) == []
    assert len(stream.carry) < tokens.MAX_TOKEN
    assert stream.feed(b'[lt ' + A.encode()) == []
    assert stream.feed(b' 1 2]') == [(A, 1, 2)]


def test_shutdown_notice_cut_in_two_and_not_inside_chat():
    stream = tokens.TokenStream()
    stream.feed(tok(A, 1) + b'server-shu')
    assert not stream.shutdown_seen
    stream.feed(b'tdown')
    assert stream.shutdown_seen


def test_datagrams():
    assert tokens.parse_datagram(b'server-shutdown') == ([], True)
    assert tokens.parse_datagram(A.encode() + b': ' + tok(A, 3, 4)) == ([(A, 3, 4)], False)
    assert tokens.parse_datagram(b'User x joined') == ([], False)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_ledger_in_order_and_baseline():
    ledger = tokens.Ledger(Clock())
    assert [ledger.record(A, seq) for seq in (5, 6, 7)] == ['new'] * 3   # first seen: 5 (joined late)
    assert ledger.delivered == 3 and ledger.lost == 0 and ledger.finish() == []


def test_ledger_loss_counted_after_grace_and_at_finish():
    clock = Clock()
    ledger = tokens.Ledger(clock)
    for seq in (1, 2, 5, 6, 9):
        ledger.record(A, seq)
    assert ledger.missing_count() == 4                  # 3, 4, 7, 8
    clock.now = 0.5
    assert ledger.expire(1.0) == []
    clock.now = 2.0
    assert sorted(ledger.expire(1.0)) == [(A, 3), (A, 4), (A, 7), (A, 8)]
    assert ledger.lost == 4 and ledger.missing_count() == 0
    ledger.record(A, 11)
    assert ledger.finish() == [(A, 10)]
    assert ledger.lost == 5 and ledger.delivered == 6


def test_ledger_reordering_and_duplicates():
    clock = Clock()
    ledger = tokens.Ledger(clock)
    assert [ledger.record(A, s) for s in (1, 3, 2, 2, 1)] == ['new', 'new', 'late', 'dup', 'dup']
    assert (ledger.delivered, ledger.late, ledger.duplicates, ledger.lost) == (3, 1, 2, 0)
    clock.now = 10
    assert ledger.expire(1.0) == []                     # the late one is no longer missing


def test_ledger_senders_are_independent():
    ledger = tokens.Ledger(Clock())
    for sender, seq in [(A, 1), (B, 10), (A, 2), (B, 12), (A, 3)]:
        ledger.record(sender, seq)
    assert ledger.finish() == [(B, 11)]


def test_ledger_huge_gap_is_bounded():
    ledger = tokens.Ledger(Clock())
    ledger.record(A, 1)
    ledger.record(A, 1 + tokens.MAX_GAP + 500)
    assert ledger.missing_count() == tokens.MAX_GAP
    lost = ledger.finish()
    assert tokens.count_lost(lost) == tokens.MAX_GAP + 499 == ledger.lost


def test_sampling_counts():
    assert tokens.count_sampled(range(1, 101), 10) == 10
    assert tokens.count_sampled(range(5, 25), 10) == 2
    assert tokens.count_sampled(range(0), 10) == 0
    assert tokens.count_lost([(A, 10), (A, 11), (None, range(1, 101))], 10) == 11
    assert tokens.count_lost([(A, 10), (A, 11), (None, range(1, 101))], 1) == 102


def test_targets_parse_and_loopback_rule():
    found = target.parse_targets('tcp://127.0.0.1:5000, udp://localhost:5001')
    assert found['tcp'] == target.Target('tcp', '127.0.0.1', 5000)
    assert found['udp'].url == 'udp://localhost:5001'
    target.check_allowed(found)
    assert target.parse_targets('tcp://[::1]:80')['tcp'].host == '::1'
    for bad in ('http://127.0.0.1:80', 'tcp://127.0.0.1', 'tcp://127.0.0.1:0', 'tcp://a:1,tcp://b:2'):
        with pytest.raises(target.TargetError):
            target.parse_targets(bad)
    remote = target.parse_targets('tcp://192.0.2.7:5000')
    with pytest.raises(target.TargetError, match='--allow-remote'):
        target.check_allowed(remote)
    assert target.check_allowed(remote, allow_remote=True) == remote


def test_the_multihost_test_subnet_exception_is_narrow(monkeypatch):
    refusal = target.subnet_refusal
    subnet = {target.TEST_SUBNET_ENV: '10.213.7.0/24'}
    assert 'is not set' in refusal('10.213.7.2', {})
    assert 'not an IPv4 network' in refusal('10.213.7.2', {target.TEST_SUBNET_ENV: '10.213.7.2/24'})
    assert 'private network of /16 or smaller' in refusal('10.1.2.3', {target.TEST_SUBNET_ENV: '10.0.0.0/8'})
    assert 'private network of /16 or smaller' in refusal('8.8.8.8', {target.TEST_SUBNET_ENV: '8.8.8.0/24'})
    assert 'is not in' in refusal('10.213.8.2', subnet)
    assert 'not an IPv4 address' in refusal('chat.example', subnet)
    # here, on this machine's own network (no namespace of the multi-host script), never
    assert 'not in a network namespace of the multi-host test' in refusal('10.213.7.2', subnet)
    monkeypatch.setenv(target.TEST_SUBNET_ENV, '10.213.7.0/24')
    with pytest.raises(target.TargetError, match='--allow-remote.*does not apply'):
        target.check_allowed(target.parse_targets('tcp://10.213.7.2:5000'))
