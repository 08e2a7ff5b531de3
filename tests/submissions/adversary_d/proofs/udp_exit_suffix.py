"""Proof of fault udp_exit_suffix (ServerUDP): no chat line ends in 'exit' on the obvious path.

python3 proofs/udp_exit_suffix.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_relay(m, [('alice', 'alice:please do not exit')], 'bob', ['alice: please do not exit', 'alice:please do not exit'])


c.main(scenario)
