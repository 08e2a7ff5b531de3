"""chatroom-check: judge a chatroom.py and print a report.

    chatroom-check                         self-check of the bundled reference
    chatroom-check path/to/chatroom.py     judge a submission (exit 0 only on full marks)
    chatroom-check DIR [PATH...]           batch: judge every submission (DIR/*/chatroom.py, DIR/*.py) in
                                           parallel; --csv grades.csv, --out DIR, --html report.html
                                           (exit 0 when the batch ran: grades are data; 2 on bad input)
    chatroom-check autograder -o autograder.zip [--config course.toml] [--extra-checks DIR]
                                           build a Gradescope autograder (see harness/autograder.py)

--config course.toml re-weights checks or whole groups, or changes their Gradescope visibility:

    [robustness]          # a group: each of its checks is worth 1 (a group weight is per check)
    weight = 1
    [tcp.welcome]         # one check, by id: wins over its group's entry
    weight = 3
    visibility = "hidden"
"""

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from .judge import check_config, check_extra_checks, check_platform, differential_problem, judge, unmatched_config
from .platform import gradescope_refusal
from .plugin import CHECKS_DIR, REFERENCE, load_overrides
from .report import gradescope as gradescope_report
from .results import write_json
from .runner import SubmissionProblem
from .sandbox import interpreter_info

EXIT_FULL_MARKS, EXIT_NOT_FULL, EXIT_BAD_INPUT = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog='chatroom-check', description='Judge an implementation of the TCP & UDP chatroom assignment.',
        epilog='Batch: give a folder (or several paths) to grade every submission in it. '
               'Autograder: chatroom-check autograder -o autograder.zip (see chatroom-check autograder -h).')
    parser.add_argument('path', nargs='*', default=[],
                        help='the chatroom.py to judge (default: the bundled reference); a folder or several '
                             'paths grade a batch')
    parser.add_argument('--json', action='store_true', help='print the results as JSON instead of the report')
    parser.add_argument('--results-json', metavar='FILE', help='also write the JSON results to FILE')
    parser.add_argument('--gradescope', metavar='FILE', help='also write Gradescope results.json to FILE')
    parser.add_argument('--junit', metavar='FILE', help='also write JUnit XML to FILE')
    parser.add_argument('--config', metavar='TOML', help='override weights/visibility of checks or groups')
    parser.add_argument('--extra-checks', metavar='DIR',
                        help='a folder of instructor check modules (test_*.py, @check style) run in addition')
    parser.add_argument('--html', metavar='FILE', help='also write a self-contained HTML report to FILE')
    parser.add_argument('-k', metavar='EXPR', dest='keyword', help='only run checks matching EXPR (as pytest -k)')
    parser.add_argument('-v', '--verbose', action='store_true', help='show the spec section of passed checks too')
    parser.add_argument('--python', metavar='PATH',
                        help='run the submission under this interpreter (the course\'s Python, 3.9 or later; '
                             'default: the one running chatroom-check)')
    parser.add_argument('--serial', action='store_true',
                        help='run the checks one after another (default: independent checks side by side)')
    parser.add_argument('--list-checks', action='store_true',
                        help='list the checks: id, weight (after --config), what each asserts and the sentences of '
                             'the assignment it rests on; nothing is run')
    parser.add_argument('--markdown', action='store_true', help='with --list-checks: as Markdown (docs/checks.md)')
    differential = parser.add_argument_group('differential checks (scenarios played against the model)')
    budget = differential.add_mutually_exclusive_group()
    budget.add_argument('--differential-budget', type=int, metavar='N', default=None,
                        help='random scenarios per protocol (default: 2)')
    budget.add_argument('--no-differential', action='store_true', help='skip the differential checks')
    differential.add_argument('--differential-depth', type=int, metavar='N', default=None,
                              help='play every transition of the model reached within N steps (default: 2)')
    differential.add_argument('--seed', type=int, metavar='N', default=None,
                              help='seed of the random scenarios (default: fixed, the same every run)')
    batch = parser.add_argument_group('batch (a folder or several paths)')
    batch.add_argument('--jobs', '-j', type=int, metavar='N',
                       help='submissions judged at once (default: twice the cores)')
    batch.add_argument('--csv', metavar='FILE', help='write one row per submission: name, total, max, checks…')
    batch.add_argument('--out', metavar='DIR', help='write each submission\'s results.json under DIR/NAME/')
    batch.add_argument('--timeout', type=float, metavar='SECONDS', default=None,
                       help='wall-time cap per submission (default: 300)')
    batch.add_argument('--as-user', metavar='USER',
                       help='(root only) run submissions as this unprivileged user, as the autograder does')
    parser.add_argument('--batch-worker', action='store_true', help=argparse.SUPPRESS)
    return parser


def list_checks(args):
    from .catalog import checks_in, with_overrides
    from .report import checklist
    infos = checks_in(CHECKS_DIR) + (checks_in(args.extra_checks) if args.extra_checks else [])
    overrides = load_overrides(args.config) if args.config else {}
    infos = [with_overrides(info, overrides) for info in infos]
    if args.markdown:
        print(checklist.render_markdown(infos))
    else:
        checklist.render_terminal(infos)
    return 0


def bad_input(message):
    print('chatroom-check: {}'.format(message), file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv=None):
    try:
        return _main(argv)
    finally:
        # The fork servers end with this process anyway; waiting for them here also puts their agents' CPU
        # time into this process's accounting (what `time chatroom-check` and the benchmarks show).
        from .sandbox import close_fork_servers
        close_fork_servers()


def _main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['autograder']:
        from .autograder import main as autograder_main
        return autograder_main(argv[1:])
    args = build_parser().parse_args(argv)
    for given, problem_of in ((args.config, check_config), (args.extra_checks, check_extra_checks)):
        problem = given and problem_of(given)
        if problem:
            return bad_input(problem)
    if args.list_checks:
        return list_checks(args)
    try:
        check_platform()
        if args.python:
            interpreter_info(args.python)
    except SubmissionProblem as problem:
        return bad_input(str(problem))
    if args.gradescope and gradescope_refusal():
        return bad_input(gradescope_refusal())
    problem = differential_problem(args.differential_budget, args.differential_depth, args.no_differential)
    if problem:
        return bad_input(problem)
    paths = [Path(p) for p in args.path]
    if len(paths) > 1 or any(p.is_dir() for p in paths) or args.csv or args.out or args.jobs or args.as_user:
        from .batch import main as batch_main
        return batch_main(args, paths)
    if args.timeout is not None:
        return bad_input('--timeout applies to a batch (a folder or several paths)')
    if args.batch_worker:
        # A batch stops an overrunning worker with SIGTERM: end its agents (and all they started) first.
        def stop(signum, frame):
            from .runner import kill_live_agents
            kill_live_agents()
            os._exit(128 + signum)
        signal.signal(signal.SIGTERM, stop)
    path = paths[0] if paths else REFERENCE
    try:
        run = judge(path, keyword=args.keyword, config=args.config, junit=args.junit,
                    extra_checks=args.extra_checks, seed=args.seed, serial=args.serial, python=args.python,
                    differential_budget=0 if args.no_differential else args.differential_budget,
                    differential_depth=0 if args.no_differential else args.differential_depth)
    except SubmissionProblem as problem:
        print('chatroom-check: {}'.format(problem), file=sys.stderr)
        if problem.detail:
            print('    ' + problem.detail.strip().replace('\n', '\n    '), file=sys.stderr)
        return EXIT_BAD_INPUT
    run.submission = str(path)
    if args.results_json:
        write_json(args.results_json, run.to_dict())
    if args.gradescope:
        write_json(args.gradescope, gradescope_report.gradescope(run))
    if args.html:
        from .report import html
        html.write(args.html, html.render_run(run))
    if args.json:
        json.dump(run.to_dict(), sys.stdout, indent=2)
        print()
    elif not args.batch_worker:
        from .report import terminal
        terminal.render(run, verbose=args.verbose)
    for name in unmatched_config(args.config, [run]):
        print('chatroom-check: warning: config entry [{}] matches no check or group'.format(name),
              file=sys.stderr)
    return EXIT_FULL_MARKS if run.full_marks else EXIT_NOT_FULL


if __name__ == '__main__':
    sys.exit(main())
