"""Proof of fault tcp_clients_class_attribute (ServerTCP): one server per process hides the shared dictionary.

python3 proofs/tcp_clients_class_attribute.py PATH/TO/chatroom.py  -> 0 as the text demands, 1 fault shown, 3 inconclusive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as c  # noqa: E402


def scenario(m):
    c.tcp_two_servers(m)


c.main(scenario)
