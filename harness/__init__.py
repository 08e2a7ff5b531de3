"""Conformance harness for the TCP & UDP chatroom assignment."""
