"""chatroom-check: judge a chatroom.py and print a report.

    chatroom-check                      self-check of the bundled reference
    chatroom-check path/to/chatroom.py  judge a submission (exit 0 only on full marks)
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .plugin import CHECKS_DIR, REFERENCE
from .results import RunResult, write_json
from .report import gradescope as gradescope_report
from .runner import SubmissionProblem, validate_submission

EXIT_FULL_MARKS, EXIT_NOT_FULL, EXIT_BAD_INPUT = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog='chatroom-check', description='Judge an implementation of the TCP & UDP chatroom assignment.')
    parser.add_argument('path', nargs='?', default=None,
                        help='the chatroom.py to judge (default: the bundled reference)')
    parser.add_argument('--json', action='store_true', help='print the results as JSON instead of the report')
    parser.add_argument('--results-json', metavar='FILE', help='also write the JSON results to FILE')
    parser.add_argument('--gradescope', metavar='FILE', help='also write Gradescope results.json to FILE')
    parser.add_argument('--junit', metavar='FILE', help='also write JUnit XML to FILE')
    parser.add_argument('--config', metavar='TOML', help='override weights/visibility of checks or groups')
    parser.add_argument('-k', metavar='EXPR', dest='keyword', help='only run checks matching EXPR (as pytest -k)')
    parser.add_argument('-v', '--verbose', action='store_true', help='show the spec section of passed checks too')
    return parser


def judge(path, keyword=None, config=None, junit=None, quiet=True):
    """Run the conformance suite on one submission in this process; return its RunResult."""
    import pytest

    validate_submission(path)
    with tempfile.TemporaryDirectory(prefix='chatroom-check-') as scratch:
        results = Path(scratch) / 'results.json'
        args = [str(CHECKS_DIR), '--submission', str(path), '--results-json', str(results),
                '-p', 'no:cacheprovider', '--rootdir', str(CHECKS_DIR), '-c', os.devnull]
        if quiet:
            args += ['-p', 'no:terminal']
        if keyword:
            args += ['-k', keyword]
        if config:
            args += ['--check-config', str(config)]
        if junit:
            args += ['--junitxml', str(junit)]
        code = pytest.main(args)
        if not results.exists():
            raise SubmissionProblem('harness', 'the checks did not run (pytest exit code {})'.format(int(code)))
        with open(results, encoding='utf-8') as source:
            return RunResult.from_dict(json.load(source))


def main(argv=None):
    args = build_parser().parse_args(argv)
    path = Path(args.path) if args.path else REFERENCE
    if args.config and not Path(args.config).is_file():
        print('chatroom-check: no such config file: {}'.format(args.config), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        run = judge(path, keyword=args.keyword, config=args.config, junit=args.junit)
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
    if args.json:
        json.dump(run.to_dict(), sys.stdout, indent=2)
        print()
    else:
        from .report import terminal
        terminal.render(run, verbose=args.verbose)
    return EXIT_FULL_MARKS if run.full_marks else EXIT_NOT_FULL


if __name__ == '__main__':
    sys.exit(main())
