"""python -m loadtests run tcp|udp [locust options...]: a shipped, bounded, headless load-test profile.
python -m loadtests multihost [tcp|udp] [-u N] [-t S] [--submission PATH] [-- locust options...]:
    the profiles with locust's master and workers on network hosts of their own (root; see multihost.py).

Runs locust with loadtests/profiles/{tcp,udp}.conf and the matching user class; options that follow
override the profile (e.g. --processes 2, -u 100, -t 60s, --host tcp://127.0.0.1:12345,
--submission path/to/chatroom.py). Results go under results/ in the current directory. The exit code is
locust's: 1 when a threshold of the profile was exceeded.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROFILES = {'tcp': 'TcpChatUser', 'udp': 'UdpChatUser'}


def command(profile, extra=()):
    return [sys.executable, '-m', 'locust', '--config', str(HERE / 'profiles' / (profile + '.conf')),
            '-f', str(HERE / 'locustfile.py'), *extra, PROFILES[profile]]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['multihost']:
        from loadtests import multihost
        return multihost.main(argv[1:])
    if len(argv) < 2 or argv[0] != 'run' or argv[1] not in PROFILES:
        sys.stderr.write(__doc__)
        return 2
    return subprocess.call(command(argv[1], argv[2:]))


if __name__ == '__main__':
    sys.exit(main())
