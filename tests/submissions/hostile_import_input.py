"""HOSTILE SUBMISSION (a test input of the harness): input() at import."""

name = input('Your name: ')
