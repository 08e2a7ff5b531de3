"""Prove every planted fault of an adversary corpus (tests/submissions/adversary_X: chatroom.py, faults.py,
proofs/); each corpus's prove.py runs this on its own folder.

For each fault in faults.py:
  * every edit's old snippet occurs exactly once in chatroom.py;
  * the quoted sentence occurs in the assignment text or judgement-calls.md (whitespace-normalised);
  * its proof exits 0 against the correct chatroom.py;
  * the faulty copy (edits applied) is written to a temp folder and the proof exits 1 against it.

  * with --also PATH (repeatable), the proof must also exit 0 against each further correct
    implementation (adversary_b/alt/chatroom.py makes the other allowed choices).

python3 prove_corpus.py CORPUS [-j N] [--also PATH ...] [NAME ...]   (or: python3 CORPUS/prove.py [-j N] ...)
Prints one line per fault and a summary; exits non-zero if any fault is not proven.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'docs', 'spec')  # the checkout's copy
DOCS = [os.path.join(SPEC, 'chatroom-assignment.md'), os.path.join(SPEC, 'judgement-calls.md')]
PROOF_TIMEOUT = 40
# The corpus proven (its folder: chatroom.py, faults.py, proofs/), set by main() from the command line.
HERE = CHATROOM = FAULTS = None


def use_corpus(folder):
    global HERE, CHATROOM, FAULTS
    HERE = os.path.abspath(folder)
    CHATROOM = os.path.join(HERE, 'chatroom.py')
    sys.path.insert(0, HERE)
    from faults import FAULTS


def norm(text):
    return re.sub(r'\s+', ' ', text).strip()


def run_proof(proof, target):
    start = time.monotonic()
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, proof), target], cwd=HERE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=PROOF_TIMEOUT)
        out = p.stdout.decode('utf-8', 'replace').strip().splitlines()
        return p.returncode, (out[-1] if out else ''), time.monotonic() - start
    except subprocess.TimeoutExpired:
        return None, 'proof timed out after {} s'.format(PROOF_TIMEOUT), time.monotonic() - start


def prove(name, fault, source, docs, tmp_root, also=()):
    problems = []
    faulty = source
    for old, new in fault['edits']:
        n = source.count(old)
        if n != 1:
            problems.append('snippet occurs {} times: {!r}'.format(n, old[:60]))
            continue
        if faulty.count(old) != 1:
            problems.append('snippet clashes with an earlier edit: {!r}'.format(old[:60]))
            continue
        faulty = faulty.replace(old, new)
    if norm(fault['sentence']) not in docs:
        problems.append('sentence not found in the documents')
    if not os.path.exists(os.path.join(HERE, fault['proof'])):
        problems.append('proof missing: ' + fault['proof'])
    if problems:
        return name, False, '; '.join(problems), 0.0
    folder = tempfile.mkdtemp(prefix=name + '_', dir=tmp_root)
    faulty_path = os.path.join(folder, 'chatroom.py')
    with open(faulty_path, 'w', encoding='utf-8') as f:
        f.write(faulty)
    try:
        compile(faulty, faulty_path, 'exec')
    except SyntaxError as exc:
        return name, False, 'faulty copy does not compile: {}'.format(exc), 0.0
    rc_good, line_good, t_good = run_proof(fault['proof'], CHATROOM)
    rc_bad, line_bad, t_bad = run_proof(fault['proof'], faulty_path)
    ok = rc_good == 0 and rc_bad == 1
    detail = 'correct rc={} ({:.1f}s){}; faulty rc={} ({:.1f}s): {}'.format(
        rc_good, t_good, '' if rc_good == 0 else ' ' + line_good, rc_bad, t_bad, line_bad)
    for other in also:
        rc_o, line_o, t_o = run_proof(fault['proof'], other)
        ok = ok and rc_o == 0
        if rc_o != 0:
            detail = 'ALSO {} rc={}: {} | {}'.format(other, rc_o, line_o, detail)
    return name, ok, detail, t_good + t_bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('corpus', help='the corpus folder (tests/submissions/adversary_X)')
    ap.add_argument('-j', type=int, default=1, help='faults proven in parallel (default 1)')
    ap.add_argument('--also', action='append', default=[], metavar='PATH',
                    help='a further correct chatroom.py every proof must pass (exit 0)')
    ap.add_argument('names', nargs='*')
    args = ap.parse_intermixed_args()
    use_corpus(args.corpus)
    names = args.names or list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        sys.exit('unknown fault(s): ' + ', '.join(unknown))
    with open(CHATROOM, encoding='utf-8') as f:
        source = f.read()
    docs = ' '.join(norm(open(p, encoding='utf-8').read()) for p in DOCS)
    tmp_root = tempfile.mkdtemp(prefix=os.path.basename(HERE) + '_')
    start = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
            futures = [pool.submit(prove, n, FAULTS[n], source, docs, tmp_root,
                                   [os.path.abspath(a) for a in args.also]) for n in names]
            results = []
            for fut in futures:
                name, ok, detail, _ = fut.result()
                results.append((name, ok))
                print('{:4} {:34} {:10} {}'.format('ok' if ok else 'FAIL', name, FAULTS[name]['class'], detail),
                      flush=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    per_class = {}
    for name, ok in results:
        c = FAULTS[name]['class']
        good, total = per_class.get(c, (0, 0))
        per_class[c] = (good + ok, total + 1)
    proven = sum(ok for _, ok in results)
    print('summary: {}/{} faults proven in {:.0f} s ({})'.format(
        proven, len(results), time.monotonic() - start,
        ', '.join('{} {}/{}'.format(c, g, t) for c, (g, t) in sorted(per_class.items()))))
    sys.exit(0 if proven == len(results) else 1)


if __name__ == '__main__':
    main()
