"""Proof of fault udp_messages_class_attribute (ServerUDP): one server per process hides the shared list.

python3 proofs/udp_messages_class_attribute.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.udp_two_servers(m)


c.main(scenario)
