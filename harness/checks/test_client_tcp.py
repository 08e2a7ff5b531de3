"""ClientTCP, driven against a scripted fake TCP server (assignment section 3). The checks are written once
for both client classes, in harness/checks/client_checks.py."""

from harness.checks.client_checks import client_checks

globals().update(client_checks('tcp'))
