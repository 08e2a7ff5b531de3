"""The Gradescope autograder: build the zip, and judge one submission inside Gradescope's container.

    chatroom-check autograder -o autograder.zip [--config course.toml] [--extra-checks DIR]

The zip holds setup.sh and run_autograder (from harness/autograder_files/), requirements.txt, a source
copy of this package with the reference (chatroom_check/), and the course's config.toml and extra checks
if given (they are instructor-only: never part of the public self-check). On Gradescope:

- setup.sh (once, as root) installs the requirements into a virtualenv under /autograder, creates the
  user `chatroom-student`, and makes /autograder enterable by root only;
- run_autograder (per submission, as root) runs `python -m harness.autograder run`, which finds
  /autograder/submission/chatroom.py (an obvious misnaming such as 'Chatroom.py' or 'chatroom (1).py' is
  judged, with a note in the output; none, or several candidates, give score 0 and a message saying what
  was found), runs the checks, and writes /autograder/results/results.json.

Isolation: the checks run as root, but every agent that runs the submission's code drops to the
unprivileged user (runner: CHATROOM_CHECK_AGENT_USER) on the system's python3, in a workdir of its own
under /tmp. That user cannot enter /autograder (mode 700): not the bundled reference, the checks, the
config, the extra checks, the harness's virtualenv, nor the results. The reference's own agents (interop)
run as root in root-only workdirs. Limits: anything world-readable elsewhere on the machine stays readable
(Gradescope's image holds nothing of ours outside /autograder); the submission can still see process
command lines in /proc (paths, not contents) and use the network like any user.

CHATROOM_AUTOGRADER_ROOT replaces /autograder (tests); CHATROOM_AUTOGRADER_USER names the user to run
submissions as (default chatroom-student, else nobody).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

from .judge import locate_chatroom

PACKAGE_DIR = Path(__file__).resolve().parent
FILES_DIR = PACKAGE_DIR / 'autograder_files'
REFERENCE = PACKAGE_DIR.parent / 'chatroom.py'
ROOT_ENV, USER_ENV = 'CHATROOM_AUTOGRADER_ROOT', 'CHATROOM_AUTOGRADER_USER'
DEFAULT_USERS = ('chatroom-student', 'nobody')
SKIP = ('__pycache__', '*.pyc', '.pytest_cache')


# -- building the zip ----------------------------------------------------------------------------------

def _add_file(archive, source, name, mode=0o644):
    info = zipfile.ZipInfo(name, date_time=time.localtime(os.stat(source).st_mtime)[:6])
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(source, 'rb') as data:
        archive.writestr(info, data.read())


def _add_tree(archive, folder, prefix):
    for path in sorted(Path(folder).rglob('*')):
        relative = path.relative_to(folder)
        if path.is_dir() or any(part == '__pycache__' or part.startswith('.') for part in relative.parts) \
                or path.suffix == '.pyc':
            continue
        _add_file(archive, path, '{}/{}'.format(prefix, relative.as_posix()))


# In the zip: {"python": path} (the course's interpreter, --python), and how deep the differential checks
# explore ("differential_depth", "differential_budget": None keeps the defaults).
SETTINGS_NAME = 'settings.json'


def build(output, config=None, extra_checks=None, python=None, differential_depth=None, differential_budget=None):
    """Write the autograder zip to `output`; return the list of names in it. `python`: the interpreter, on
    the Gradescope image, that submissions run under (checked there, before the first submission);
    `differential_depth`/`differential_budget`: as chatroom-check's options of those names."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + '.partial')
    with zipfile.ZipFile(partial, 'w') as archive:
        _add_file(archive, FILES_DIR / 'setup.sh', 'setup.sh', 0o755)
        _add_file(archive, FILES_DIR / 'run_autograder', 'run_autograder', 0o755)
        _add_file(archive, FILES_DIR / 'requirements.txt', 'requirements.txt')
        _add_tree(archive, PACKAGE_DIR, 'chatroom_check/harness')
        _add_file(archive, REFERENCE, 'chatroom_check/chatroom.py')
        if config:
            _add_file(archive, config, 'config.toml')
        if extra_checks:
            _add_tree(archive, extra_checks, 'extra_checks')
        settings = {key: value for key, value in (('python', str(python) if python else None),
                                                  ('differential_depth', differential_depth),
                                                  ('differential_budget', differential_budget))
                    if value is not None}
        if settings:
            archive.writestr(SETTINGS_NAME, json.dumps(settings) + '\n')
        names = archive.namelist()
    os.replace(partial, output)
    return names


# -- running inside Gradescope ------------------------------------------------------------------------------

def bundled_settings(root):
    """The settings built into the zip (--python), {} when there are none."""
    path = Path(root) / 'source' / SETTINGS_NAME
    if not path.is_file():
        return {}
    with open(path, encoding='utf-8') as source:
        return json.load(source)


def problem_results(message, started):
    """results.json for a submission that cannot be judged: score 0 and the one message that says why."""
    return {'score': 0, 'execution_time': round(time.monotonic() - started, 3), 'output': message,
            'visibility': 'visible', 'stdout_visibility': 'hidden',
            'tests': [{'name': 'chatroom.py was submitted and can be judged', 'score': 0, 'max_score': 0,
                       'status': 'failed', 'output': message, 'visibility': 'visible'}]}


def pick_user():
    """(name, uid, gid) of the user submissions run as; None when we are not root (nothing to drop)."""
    from .runner import resolve_user
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get(USER_ENV)
    for name in ([wanted] if wanted else DEFAULT_USERS):
        try:
            uid, gid = resolve_user(name)
        except KeyError:
            continue
        if uid != 0:
            return name, uid, gid
    raise RuntimeError('no unprivileged user to run submissions as (tried {})'.format(
        ', '.join([wanted] if wanted else DEFAULT_USERS)))


def probe_interpreter(python, uid, gid):
    """Can that user run that interpreter (>= 3.9)? Checked once, so that a broken image says so once
    instead of failing every check."""
    try:
        done = subprocess.run([python, '-I', '-c', 'import sys; assert sys.version_info >= (3, 9)'],
                              user=uid, group=gid, extra_groups=[], cwd='/', env={'PATH': '/usr/bin:/bin'},
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return str(error)
    return None if done.returncode == 0 else (done.stderr.decode('utf-8', 'replace').strip() or
                                              'exit code {}'.format(done.returncode))


REQUIRED_MODULES = ('pytest', 'rich', 'psutil')    # what the harness imports at run time (requirements.txt)


def ready(root):
    """setup.sh's last step: can every submission be judged here? The harness's own modules import, and
    the interpreter submissions run under (the course's, bundled by --python, else the system's python3)
    runs, as the user they run as. Problems are printed one per line, and setup fails (exit 1): an image
    that cannot judge must not be taken for ready, to score every submission 0 afterwards."""
    from .runner import agent_python
    problems = []
    for module in REQUIRED_MODULES:
        try:
            __import__(module)
        except ImportError as error:
            problems.append('the harness cannot import {} ({}): is requirements.txt installed?'.format(module, error))
    python = bundled_settings(root).get('python')
    if python and not os.path.isfile(python):
        problems.append('the course\'s Python {} (chatroom-check autograder --python) is not on this image'.format(
            python))
    else:
        try:
            identity = pick_user()
        except RuntimeError as error:
            problems.append(str(error))
            identity = None
        python = python or agent_python()
        if identity is not None:
            name, uid, gid = identity
            trouble = probe_interpreter(python, uid, gid)
            if trouble:
                problems.append('user {} cannot run {}: {}'.format(name, python, trouble))
    for problem in problems:
        print('chatroom-check: setup failed: ' + problem, file=sys.stderr)
    if not problems:
        print('chatroom-check autograder ready (submissions run on {})'.format(python))
    return 1 if problems else 0


def lock_down(root, results_dir):
    """Only root may enter the autograder's root (source, venv, results) from now on."""
    results_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(str(root), 0o700)
        os.chmod(str(results_dir), 0o700)


def run(root):
    """Judge root/submission and write root/results/results.json. Always writes a result."""
    from .report.gradescope import gradescope
    from .results import write_json
    from .runner import AGENT_USER_ENV, SubmissionProblem, agent_python

    started = time.monotonic()
    root = Path(root)
    source, results_dir = root / 'source', root / 'results'
    lock_down(root, results_dir)
    results = results_dir / 'results.json'
    located, note, problem = locate_chatroom(root / 'submission')
    if located is None:
        write_json(results, problem_results(
            '{}. Submit one file named chatroom.py that holds all four classes.'.format(problem), started))
        print('chatroom-check: ' + problem)
        return 0
    settings = bundled_settings(root)
    course_python = settings.get('python')
    try:
        identity = pick_user()
        if identity is None:
            print('chatroom-check: not root: the submission runs as this user (no isolation)')
        else:
            name, uid, gid = identity
            os.environ[AGENT_USER_ENV] = name
            python = course_python or agent_python()
            trouble = probe_interpreter(python, uid, gid)
            if trouble:
                raise RuntimeError('user {} cannot run {}: {}'.format(name, python, trouble))
            print('chatroom-check: submissions run as {} ({}) on {}'.format(name, uid, python))
        from .judge import judge
        config = source / 'config.toml'
        extra = source / 'extra_checks'
        run_result = judge(located, config=config if config.is_file() else None,
                           extra_checks=extra if extra.is_dir() else None, python=course_python,
                           differential_depth=settings.get('differential_depth'),
                           differential_budget=settings.get('differential_budget'))
    except SubmissionProblem as error:
        if error.kind == 'harness':      # ours, not the student's
            print('chatroom-check: ' + str(error))
            write_json(results, problem_results(
                'The autograder failed ({}). This is not your fault: tell your instructor.'.format(error),
                started))
            return 1
        message = str(error) + ('\n' + error.detail.strip() if error.detail else '')
        if note:
            message = 'Note: ' + note + '\n' + message
        write_json(results, problem_results(message, started))
        print('chatroom-check: ' + str(error))
        return 0
    except Exception as error:  # ours, not the student's: say so, and still give Gradescope a result
        traceback.print_exc()
        write_json(results, problem_results(
            'The autograder failed ({}: {}). This is not your fault: tell your instructor.'.format(
                type(error).__name__, error), started))
        return 1
    run_result.submission = located.name
    data = gradescope(run_result)
    if note:
        data['output'] = 'Note: ' + note + ('\n' + data['output'] if data.get('output') else '')
    data['execution_time'] = round(time.monotonic() - started, 3)
    write_json(results, data)
    print('chatroom-check: {:g} / {:g} in {:.1f}s'.format(run_result.score, run_result.max_score,
                                                         time.monotonic() - started))
    return 0


# -- command line ------------------------------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(
        prog='chatroom-check autograder',
        description='Build a Gradescope autograder zip (setup.sh, run_autograder, this harness, the reference).')
    parser.add_argument('-o', '--output', metavar='ZIP', default='autograder.zip',
                        help='where to write the zip (default: autograder.zip)')
    parser.add_argument('--config', metavar='TOML', help='course weights/visibility, bundled as config.toml')
    parser.add_argument('--extra-checks', metavar='DIR',
                        help='instructor-only check modules, bundled and run in addition to the public ones')
    parser.add_argument('--python', metavar='PATH',
                        help='the interpreter on the Gradescope image that submissions run under (an absolute '
                             'path, e.g. /usr/bin/python3.12; default: the system\'s python3)')
    parser.add_argument('--differential-depth', type=int, metavar='N',
                        help='as chatroom-check --differential-depth, for every submission (default: 2)')
    parser.add_argument('--differential-budget', type=int, metavar='N',
                        help='as chatroom-check --differential-budget, for every submission (default: 2)')
    sub = parser.add_subparsers(dest='command')
    inside = sub.add_parser('run', help='(inside Gradescope) judge ROOT/submission, write ROOT/results')
    inside.add_argument('--root', default=os.environ.get(ROOT_ENV, '/autograder'))
    setup = sub.add_parser('ready', help='(inside Gradescope, end of setup.sh) can submissions be judged here?')
    setup.add_argument('--root', default=os.environ.get(ROOT_ENV, '/autograder'))
    return parser


def main(argv=None):
    from .judge import check_config, check_extra_checks, differential_problem
    args = build_parser().parse_args(argv)
    if args.command == 'run':
        return run(args.root)
    if args.command == 'ready':
        return ready(args.root)
    for given, problem_of in ((args.config, check_config), (args.extra_checks, check_extra_checks)):
        problem = given and problem_of(given)
        if problem:
            print('chatroom-check: {}'.format(problem), file=sys.stderr)
            return 2
    problem = differential_problem(args.differential_budget, args.differential_depth)
    if problem:
        print('chatroom-check: {}'.format(problem), file=sys.stderr)
        return 2
    if args.python and not os.path.isabs(args.python):
        print('chatroom-check: --python {}: give the absolute path of the interpreter on the Gradescope image'
              .format(args.python), file=sys.stderr)
        return 2
    names = build(args.output, config=args.config, extra_checks=args.extra_checks, python=args.python,
                  differential_depth=args.differential_depth, differential_budget=args.differential_budget)
    size = os.path.getsize(args.output)
    print('wrote {} ({} files, {:.0f} KiB){}{}{}{}'.format(
        args.output, len(names), size / 1024, ', with config.toml' if args.config else '',
        ', with extra checks' if args.extra_checks else '',
        ', submissions run under ' + args.python if args.python else '',
        ''.join(', {} {}'.format(flag, value) for flag, value in (
            ('--differential-depth', args.differential_depth), ('--differential-budget', args.differential_budget))
            if value is not None)))
    print('upload it in Gradescope: Configure Autograder > Zip file upload (base image: Ubuntu, any Python >= 3.9)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
