"""Prove every planted fault of this corpus: python3 prove.py [-j N] [--also PATH] [NAME ...]"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == '__main__':
    sys.exit(subprocess.call([sys.executable, os.path.join(HERE, '..', 'prove_corpus.py'), HERE] + sys.argv[1:]))
