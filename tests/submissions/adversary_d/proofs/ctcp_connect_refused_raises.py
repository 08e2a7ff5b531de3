"""Proof of fault ctcp_connect_refused_raises (ClientTCP): the obvious test always starts the server first.

python3 proofs/ctcp_connect_refused_raises.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_tcp_no_server(m)


c.main(scenario)
