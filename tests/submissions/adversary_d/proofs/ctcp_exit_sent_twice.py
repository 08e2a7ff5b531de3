"""Proof of fault ctcp_exit_sent_twice (ClientTCP): a server reading 'exit' first sees the leave; the second 'exit' goes unnoticed.

python3 proofs/ctcp_exit_sent_twice.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_tcp_typed(sys.argv[1], ['exit'], 'exit', then_eof=True)


c.main(scenario)
