"""Seeing inside a driver script as it runs: the debugger, coverage and their shared probe.

`instrument.py` rewrites the script (esprima) so it reports statements, calls and branches to
`probe.js`; `probe.py` attaches that to every engine running the script; `session.py` and
`commands.py` are the debugger; `coverage.py` and its writers (LCOV, Cobertura, HTML) the
coverage reports.
"""
