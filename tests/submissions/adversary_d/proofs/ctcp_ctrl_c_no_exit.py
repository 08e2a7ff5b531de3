"""Proof of fault ctcp_ctrl_c_no_exit (ClientTCP): clients leave by typing exit on the obvious path.

python3 proofs/ctcp_ctrl_c_no_exit.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_tcp_typed(sys.argv[1], ['ping'], 'exit', sigint=True)


c.main(scenario)
