"""Proof of fault tcp_exit_substring (ServerTCP): a chat line that merely contains 'exit' is not sent by the obvious test.

python3 proofs/tcp_exit_substring.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_relay(m, 'I will exit later')


c.main(scenario)
