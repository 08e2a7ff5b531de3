"""Proof of fault tcp_handler_recv_512 (ServerTCP): one short message each never reaches 512 bytes.

python3 proofs/tcp_handler_recv_512.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_relay(m, 'long ' + 'x' * 900)


c.main(scenario)
