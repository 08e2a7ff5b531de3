#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (the zip is unpacked in
# $ROOT/source). It installs what the checks need, makes the unprivileged user that submissions run as,
# and locks $ROOT so that only root can enter it.
#   CHATROOM_AUTOGRADER_ROOT    instead of /autograder (tests)
#   CHATROOM_AUTOGRADER_PYTHON  a Python >= 3.9 that already has the requirements: no venv, no install
#   CHATROOM_AUTOGRADER_USER    an existing user to run submissions as (default: create chatroom-student)
set -euo pipefail
ROOT="${CHATROOM_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"

if [ -n "${CHATROOM_AUTOGRADER_PYTHON:-}" ]; then
    PY="$CHATROOM_AUTOGRADER_PYTHON"
    "$PY" -c 'import sys; assert sys.version_info >= (3, 9), sys.version'
    "$PY" -c 'import pytest, rich, psutil'
else
    if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-venv python3-pip
    fi
    python3 -c 'import sys; assert sys.version_info >= (3, 9), "chatroom-check needs Python >= 3.9, not " + sys.version'
    # The harness's own interpreter lives under $ROOT, which only root can enter; the submissions run
    # on the system's python3 (the agent is standard library only).
    python3 -m venv "$ROOT/venv"
    "$ROOT/venv/bin/python" -m pip install --upgrade --quiet pip
    "$ROOT/venv/bin/python" -m pip install --quiet -r "$SOURCE/requirements.txt"
    PY="$ROOT/venv/bin/python"
fi
echo "$PY" > "$SOURCE/python-path"

if [ -z "${CHATROOM_AUTOGRADER_USER:-}" ] && ! id -u chatroom-student >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin chatroom-student \
        || adduser --system --no-create-home --disabled-login chatroom-student
fi

# Check, before the first submission arrives, that everything imports from the bundled copy and that the
# interpreter submissions run under (the course's, --python) runs as their user: fail here, loudly, rather
# than score every submission 0 later.
PYTHONPATH="$SOURCE/chatroom_check" "$PY" -m harness.autograder ready --root "$ROOT"
chmod 700 "$ROOT"
echo "harness python: $PY"
