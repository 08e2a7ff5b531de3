"""Locust load tests and the fan-out benchmark for chatroom servers."""
