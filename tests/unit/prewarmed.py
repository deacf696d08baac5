"""`python -m tests.unit.prewarmed MODULE [IMPORT ...]`: `python -m MODULE` without Python's start
each time, for the kill -9 tests (tests/unit/test_faults.py).

Imports the IMPORT modules (those MODULE's run needs; MODULE itself when its code is guarded by
`if __name__ == "__main__"`), says `ready`, then for each line of JSON arguments on standard input
forks a child that runs MODULE as `python -m MODULE ARGS` would (its output to /dev/null), writes
the child's pid, waits for it and writes its exit status (negative: killed by that signal). A
child starts in milliseconds instead of the seconds Python and the modules take on busy cores."""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys


def _run_child(module: str, args: list[str]) -> int:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    return 0


def main() -> None:
    module, *imports = sys.argv[1:]
    for name in imports:
        importlib.import_module(name)
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _run_child(module, json.loads(line))
            finally:
                os._exit(code)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
