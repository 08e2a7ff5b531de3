"""Message tokens for load tests: what a chat message carries so that any receiver can measure it alone.

A token is ASCII text, self-delimiting, and carries the sender's id, the sender's sequence number and the
send time (wall clock, microseconds):

    [lt SENDER SEQ TIME_US]            e.g. [lt lt0003k9-0002-x7q2 57 1732612345123456]

SENDER is the sender's chat name, so that a receiver needs no shared state: it keeps, per sender, the
highest sequence number seen and the numbers it skipped (a gap), and decides delivered / late / duplicate /
lost from those alone. That works across processes and machines (latency across machines needs synced
clocks).

TCP in this protocol has no framing. A receiver's recv() may hold several relayed messages ('a: [lt ..]b:
[lt ..]'), or part of one; worse, a server that relays one recv() at a time may split one sent message in
two and prefix each part with the sender's name ('a: [lt a 1' + 'a: 2 3]'). `TokenStream` therefore keeps
an unfinished token across feeds and removes relay prefixes of load-test names ('NAME: ', where NAME
matches NAME_PATTERN) wherever they are, which reassembles a token split that way. Names have a fixed
length and tokens never contain ': ', so a prefix is exactly the 20 bytes that end in ': ' and cannot be
confused with the end of a token it was inserted into.
"""

import itertools
import os
import random
import re
import string
import time

NAME_PATTERN = rb'lt[0-9a-z]{6}-[0-9a-z]{4}-[0-9a-z]{4}'     # fixed length: see TokenStream
TOKEN_RE = re.compile(rb'\[lt (' + NAME_PATTERN + rb') ([0-9]{1,15}) ([0-9]{1,20})\]')
PREFIX_RE = re.compile(NAME_PATTERN + rb': ')
MAX_TOKEN = 80                      # bytes: longer than any token, so a longer unfinished tail is noise
SHUTDOWN = b'server-shutdown'
MAX_GAP = 10000                     # missing numbers remembered per sender; a larger gap is lost at once

_counter = itertools.count(1)
_ALPHABET = string.digits + string.ascii_lowercase


def _base36(number):
    digits = ''
    while True:
        number, rest = divmod(number, 36)
        digits = _ALPHABET[rest] + digits
        if not number:
            return digits


def make_name(rng=random):
    """A chat name unique across processes and machines: 'lt' + pid + counter + random letters, always
    18 characters ('lt00abcd-0001-x7q2')."""
    return 'lt{:0>6}-{:0>4}-{}'.format(_base36(os.getpid())[-6:], _base36(next(_counter) % 36 ** 4),
                                       ''.join(rng.choice(_ALPHABET) for _ in range(4)))


def now_us():
    return time.time_ns() // 1000


def encode(sender, seq, sent_us=None, size=0):
    """The text of one chat message: a token, padded with '.' to `size` characters if asked."""
    token = '[lt {} {} {}]'.format(sender, seq, now_us() if sent_us is None else sent_us)
    if size > len(token):
        token += '.' * (size - len(token))
    return token


class TokenStream:
    """Turns received bytes (TCP chunks or UDP datagrams) into (sender, seq, sent_us) tuples.

    feed() returns the tokens completed by `data`. A token cut at the end of `data` is kept and finished
    by the next feed. `shutdown_seen` becomes True when 'server-shutdown' appears outside any token.
    """

    def __init__(self):
        self.carry = b''
        self.shutdown_seen = False
        self._text_tail = b''       # end of the previous non-token text, to find a notice cut in two

    def feed(self, data):
        buffer = self.carry + data if self.carry else data
        if b': ' in buffer:
            buffer = PREFIX_RE.sub(b'', buffer)
        tokens = []
        end = 0
        other = []
        for match in TOKEN_RE.finditer(buffer):
            other.append(buffer[end:match.start()])
            tokens.append((match.group(1).decode('ascii'), int(match.group(2)), int(match.group(3))))
            end = match.end()
        rest = buffer[end:]
        start = rest.rfind(b'[')
        if start >= 0 and len(rest) - start < MAX_TOKEN and b']' not in rest[start:]:
            self.carry = rest[start:]
            rest = rest[:start]
        else:
            self.carry = b''
        other.append(rest)
        text = self._text_tail + b''.join(other)
        if SHUTDOWN in text:
            self.shutdown_seen = True
        self._text_tail = text[-(len(SHUTDOWN) - 1):]
        return tokens


def parse_datagram(data):
    """Tokens in one UDP datagram (whole by nature: nothing is carried to the next one), and whether it
    is the 'server-shutdown' notice."""
    if data == SHUTDOWN:
        return [], True
    return [(m.group(1).decode('ascii'), int(m.group(2)), int(m.group(3)))
            for m in TOKEN_RE.finditer(data)], False


class _Sender:
    __slots__ = ('high', 'missing')

    def __init__(self, seq):
        self.high = seq
        self.missing = {}           # seq -> monotonic time its gap was seen


class Ledger:
    """Per-receiver accounting of the tokens of every sender: no state shared with anyone.

    The first token seen from a sender sets its baseline (earlier messages were sent before we joined).
    After that, a number above high+1 opens a gap: the skipped numbers are 'missing', and become lost
    when they are still missing `grace` seconds later (expire) or at the end (finish). A missing number that
    arrives later is 'late' (reordered), anything else at or below high is a 'dup'.
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.senders = {}
        self.delivered = 0
        self.late = 0
        self.duplicates = 0
        self.lost = 0

    def record(self, sender, seq):
        """Account one received token. Returns 'new', 'late' or 'dup'."""
        state = self.senders.get(sender)
        if state is None:
            self.senders[sender] = _Sender(seq)
            self.delivered += 1
            return 'new'
        if seq == state.high + 1:
            state.high = seq
            self.delivered += 1
            return 'new'
        if seq > state.high:
            now = self.clock()
            first = max(state.high + 1, seq - MAX_GAP)
            self._lose_now(range(state.high + 1, first))
            for skipped in range(first, seq):
                state.missing[skipped] = now
            state.high = seq
            self.delivered += 1
            return 'new'
        if state.missing.pop(seq, None) is not None:
            self.delivered += 1
            self.late += 1
            return 'late'
        self.duplicates += 1
        return 'dup'

    def expire(self, grace):
        """Numbers missing for more than `grace` seconds are lost. Returns them as (sender, seq) entries
        (see count_lost)."""
        limit = self.clock() - grace
        lost = []
        for sender, state in self.senders.items():
            if state.missing:
                old = [seq for seq, seen in state.missing.items() if seen <= limit]
                for seq in old:
                    del state.missing[seq]
                    lost.append((sender, seq))
        self.lost += len(lost)
        return lost + self._drain_bulk()

    def finish(self):
        """The end: everything still missing is lost. Returns the list of (sender, seq)."""
        lost = []
        for sender, state in self.senders.items():
            lost.extend((sender, seq) for seq in sorted(state.missing))
            state.missing.clear()
        self.lost += len(lost)
        return lost + self._drain_bulk()

    def missing_count(self):
        return sum(len(state.missing) for state in self.senders.values())

    # A gap larger than MAX_GAP is lost at once, without remembering each number.
    _bulk = None

    def _lose_now(self, numbers):
        if len(numbers):
            self.lost += len(numbers)
            if self._bulk is None:
                self._bulk = []
            self._bulk.append(numbers)

    def _drain_bulk(self):
        if not self._bulk:
            return []
        bulk, self._bulk = self._bulk, None
        return [(None, numbers) for numbers in bulk]


def sampled(seq, every):
    """Whether message `seq` is one of the sampled ones (1 in `every`, chosen by number, so that delivered
    and lost messages are sampled alike and locust's ratios stay unbiased)."""
    return every <= 1 or seq % every == 0


def count_lost(entries, every=1):
    """How many of the lost entries returned by expire()/finish() are sampled (all of them when every=1).
    An entry is (sender, seq), or (None, range) for a gap too large to remember number by number."""
    total = 0
    for sender, seq in entries:
        if sender is None:
            total += count_sampled(seq, every)
        elif sampled(seq, every):
            total += 1
    return total


def count_sampled(numbers, every):
    """How many numbers of a range are sampled."""
    if every <= 1:
        return len(numbers)
    if not len(numbers):
        return 0
    first, last = numbers[0], numbers[-1]
    return last // every - (first - 1) // every
