"""Project-wide pytest set-up: keeps the repository root importable so tests import `chatroom` and the
packages without an install."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
