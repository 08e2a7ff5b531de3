"""Proof of fault cudp_exit_sent_twice (ClientUDP): a second exit datagram from a non-member is ignored by servers.

python3 proofs/cudp_exit_sent_twice.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_udp_typed(sys.argv[1], ['exit'], ['alice:exit'], then_exit=True)


c.main(scenario)
