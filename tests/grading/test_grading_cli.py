"""The autograde command line and the sandbox's set-up, without grading anything (fast)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course import grading, sandbox
from course.cli import Course, main

ROOT = Path(__file__).resolve().parents[2]


def test_autograde_refuses_without_a_sandbox(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "probe", lambda: "no bwrap found")
    with pytest.raises(SystemExit, match="--no-sandbox") as info:
        grading.autograde(Course(ROOT), "hw_none_graded_here")
    assert "no bwrap found" in str(info.value)


@pytest.mark.parametrize("argv, says", [
    (["autograde", "--jobs", "0"], "argument --jobs/-j: expected a whole number of at least 1, got '0'"),
    (["autograde", "--timeout", "soon"], "argument --timeout: expected a whole number of at least 1, got 'soon'"),
])
def test_bad_options_are_named(argv, says, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert says in capsys.readouterr().err


def test_unknown_assignment_is_named():
    with pytest.raises(SystemExit, match="assignment: expected one of .*hw1_mdn.*, got 'hw9'"):
        Course(ROOT).select("hw9")


def test_the_sandbox_binds_nothing_of_the_course():
    bound = sandbox.readonly_paths()
    secret = [ROOT / "solutions", ROOT / "course", ROOT]
    sandbox.check_not_exposed(bound, secret)               # raises if any bound folder contains them
    with pytest.raises(RuntimeError, match="would expose"):
        sandbox.check_not_exposed(bound + [ROOT.parent], secret)


CHECKS = """
import os, resource, socket
print("uid", os.getuid(), "cwd", os.getcwd())
print("memory", resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20, "processes", resource.getrlimit(resource.RLIMIT_NPROC)[0])
print("sees", sorted(os.listdir("/")))
for target in ("/outside.txt", "/usr/outside.txt"):
    try:
        open(target, "w")
        print("wrote", target)
    except OSError:
        pass
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    print("network")
except OSError:
    pass
open("mine.txt", "w").write("ok")
print("done")
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0 or not Path("/usr/bin/python3").exists(),
                    reason="needs root (to become an unprivileged user) and a system Python")
def test_the_sandbox_works_for_an_unprivileged_user():
    """As a plain user, bubblewrap needs a user namespace (no setuid): the same sandbox, the same limits.

    Runs the system Python (an unprivileged user may not be able to read this venv's interpreter)."""
    import shutil
    import tempfile

    box = Path(tempfile.mkdtemp(prefix="sandbox-user-"))
    try:
        box.chmod(0o755)
        for d in ("work", "conn"):
            (box / d).mkdir()
            os.chown(box / d, 65534, 65534)
        sandbox.write_passwd(box / "passwd", 65534)
        argv = sandbox.command(["/usr/bin/python3", "-I", "-c", CHECKS], box / "work", box / "conn", "hw",
                               sandbox.Limits(), 65534, python="/usr/bin/python3", readonly=[], privileged=False)

        def become_nobody():
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)

        proc = subprocess.run(argv, preexec_fn=become_nobody, capture_output=True, text=True, timeout=120, cwd="/")
        if proc.returncode != 0 and ("namespace" in proc.stderr or "uid map" in proc.stderr):
            pytest.skip(f"unprivileged user namespaces are not available here: {proc.stderr.strip()}")
        out = proc.stdout
        assert proc.returncode == 0 and out.strip().endswith("done"), out + proc.stderr
        assert "uid 65534 cwd /home/student/hw" in out
        assert f"memory {sandbox.Limits.memory_mb} processes {sandbox.Limits.processes}" in out
        assert "work" not in out.split("sees", 1)[1].split("\n")[0] and "root" not in out.split("sees", 1)[1]
        assert "wrote" not in out and "network" not in out
        assert (box / "work" / "mine.txt").read_text() == "ok"          # its own copy is writable
    finally:
        shutil.rmtree(box, ignore_errors=True)
