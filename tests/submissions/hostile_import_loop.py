"""HOSTILE SUBMISSION (a test input of the harness): an infinite loop at import."""

count = 0
while True:
    count += 1
