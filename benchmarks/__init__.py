"""Benchmarks of the grader: they print figures (ratios against a baseline measured in the same run); none
is a timed test. Each runs `chatroom-check` as a user would, in fresh processes."""
