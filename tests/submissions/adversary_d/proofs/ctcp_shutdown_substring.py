"""Proof of fault ctcp_shutdown_substring (ClientTCP): no chat line mentions 'server-shutdown' on the obvious path.

python3 proofs/ctcp_shutdown_substring.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.client_chat_not_shutdown(m, 'ClientTCP')


c.main(scenario)
