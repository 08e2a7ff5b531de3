"""Prove every planted fault.

For each fault in faults.py:
  (1) its proof must exit 0 against the correct chatroom.py;
  (2) the faulty copy (edits applied, written to a temp folder) must make it exit 1.

python3 prove.py                      # 3 rounds, then 1 round with 2 CPU burners (the full check)
python3 prove.py --runs 1 --loaded 0  # one quick round
python3 prove.py --only NAME [--only NAME2]
Exit status 0 only if every fault is proven in every round.
"""
import argparse
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORRECT = os.path.join(HERE, 'chatroom.py')
SPEC = os.path.join(HERE, '..', '..', '..', 'docs', 'spec')      # the checkout's copy of the two documents
DOCS = [os.path.join(SPEC, 'chatroom-assignment.md'), os.path.join(SPEC, 'judgement-calls.md')]
PROOF_TIMEOUT = 30

sys.path.insert(0, HERE)
from faults import FAULTS  # noqa: E402


def norm(text):
    return re.sub(r'\s+', ' ', text)


def static_problems(name, fault, source, docs_text):
    problems = []
    for old, _new in fault['edits']:
        n = source.count(old)
        if n != 1:
            problems.append('edit snippet occurs %d times: %r' % (n, old[:50]))
    if docs_text is not None and norm(fault['sentence']) not in docs_text:
        problems.append('sentence not found verbatim in the documents')
    if not os.path.exists(os.path.join(HERE, fault['proof'])):
        problems.append('proof file missing')
    for key in ('class', 'sentence', 'proof', 'why_missed'):
        if not fault.get(key):
            problems.append('missing %r' % key)
    return problems


def make_faulty(name, fault, source, root):
    text = source
    for old, new in fault['edits']:
        text = text.replace(old, new, 1)
    folder = os.path.join(root, name)
    os.makedirs(folder)
    path = os.path.join(folder, 'chatroom.py')
    with open(path, 'w') as f:
        f.write(text)
    py_compile.compile(path, doraise=True)
    return path


def run_proof(proof, chatroom_path):
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, os.path.join(HERE, proof), chatroom_path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=PROOF_TIMEOUT, cwd=HERE)
        code, out = done.returncode, done.stdout.decode('utf-8', 'replace')
    except subprocess.TimeoutExpired as e:
        code, out = 'timeout', (e.stdout or b'').decode('utf-8', 'replace')
    lines = [line for line in out.strip().splitlines() if line.strip()]
    return code, (lines[-1] if lines else ''), time.monotonic() - start


def one_round(names, faulty_paths, label):
    proven = 0
    failures = []
    print('--- round: %s' % label)
    for name in names:
        fault = FAULTS[name]
        good_code, good_line, good_t = run_proof(fault['proof'], CORRECT)
        bad_code, bad_line, bad_t = run_proof(fault['proof'], faulty_paths[name])
        ok = good_code == 0 and bad_code == 1
        proven += ok
        status = 'PROVEN' if ok else 'NOT PROVEN'
        print('%-11s %-36s %-9s correct=%s (%.1fs) faulty=%s (%.1fs)  %s'
              % (status, name, fault['class'], good_code, good_t, bad_code, bad_t,
                 bad_line if ok else 'correct: %s | faulty: %s' % (good_line, bad_line)))
        sys.stdout.flush()
        if not ok:
            failures.append(name)
    print('--- %s: %d/%d proven' % (label, proven, len(names)))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--runs', type=int, default=3, help='rounds without load (default 3)')
    ap.add_argument('--loaded', type=int, default=1, help='rounds with CPU burners (default 1)')
    ap.add_argument('--burners', type=int, default=2, help='CPU burners in a loaded round (default 2)')
    ap.add_argument('--only', action='append', help='prove only this fault (repeatable)')
    args = ap.parse_args()

    names = args.only or list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        sys.exit('unknown fault(s): %s' % ', '.join(unknown))
    with open(CORRECT) as f:
        source = f.read()
    try:
        docs_text = norm(' '.join(open(p).read() for p in DOCS))
    except OSError:
        docs_text = None

    bad_static = {}
    for name in names:
        problems = static_problems(name, FAULTS[name], source, docs_text)
        if problems:
            bad_static[name] = problems
            print('BAD DEFINITION %s: %s' % (name, '; '.join(problems)))

    counts = {}
    for name in names:
        counts[FAULTS[name]['class']] = counts.get(FAULTS[name]['class'], 0) + 1
    print('faults: %d (%s)' % (len(names), ', '.join('%s %d' % kv for kv in sorted(counts.items()))))

    root = tempfile.mkdtemp(prefix='faulty_chatrooms_')
    all_failures = {}
    try:
        faulty_paths = {n: make_faulty(n, FAULTS[n], source, root)
                        for n in names if n not in bad_static}
        runnable = [n for n in names if n in faulty_paths]
        for i in range(args.runs):
            for n in one_round(runnable, faulty_paths, 'run %d/%d' % (i + 1, args.runs)):
                all_failures.setdefault(n, []).append('run %d' % (i + 1))
        for i in range(args.loaded):
            burners = [subprocess.Popen([sys.executable, '-c', 'while True: pass'])
                       for _ in range(args.burners)]
            try:
                label = 'loaded run %d/%d (%d CPU burners)' % (i + 1, args.loaded, args.burners)
                for n in one_round(runnable, faulty_paths, label):
                    all_failures.setdefault(n, []).append('loaded run %d' % (i + 1))
            finally:
                for b in burners:
                    b.kill()
                for b in burners:
                    b.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    for n in bad_static:
        all_failures.setdefault(n, []).append('bad definition')
    rounds = args.runs + args.loaded
    print('=== SUMMARY: %d faults, %d rounds (%d plain + %d loaded)'
          % (len(names), rounds, args.runs, args.loaded))
    if all_failures:
        for n, where in all_failures.items():
            print('NOT PROVEN: %s (%s)' % (n, ', '.join(where)))
        print('=== %d of %d faults NOT proven in every round' % (len(all_failures), len(names)))
        sys.exit(1)
    print('=== all %d faults proven in all %d rounds' % (len(names), rounds))


if __name__ == '__main__':
    main()
