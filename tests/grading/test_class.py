"""A real class, end to end, from this repository: the student edition, three students, the
instructor's collection from an LMS download, grading, feedback returned, grades exported.

1. ``publish`` writes the student edition: no solution or hidden-test text anywhere in it, and
   its JupyterLab serves no nbgrader instructor tools (Formgrader, Create Assignment).
2. Three students clone it, ``start`` (work/ is a copy), solve some parts and ``submit``.
3. The LMS download: a Canvas-style zip holding Alice's submission zip, Bob's notebook uploaded
   as ``hw1_mdn (1).ipynb``, Carol's zip, and a misplaced file -- ``collect`` places the three and
   reports the fourth.
4. ``autograde``, ``feedback`` (no assignment given), ``return``, ``grades`` with a roster that
   also lists a student who never submitted: long and wide tables agree with ``nbgrader export``.
5. A release and a Formgrader-style regeneration afterwards leave every student's work intact.

The assignment is the first of the syllabus.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import student
from course.cli import Course, autograde, collect, feedback, grades, make_temp_course, publish, release, \
    return_feedback, solved_notebook
from course.layout import tool_env
from course.parts import nbgrader_meta

ROOT = Path(__file__).resolve().parents[2]
HW = Course(ROOT).assignment_ids()[0]
pytestmark = pytest.mark.slow


def answers(solved) -> list:
    return [c for c in solved.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]


def solve(work_nb: Path, solved, n_parts: int | None) -> None:
    """Fill the first n answer cells of the student's copy from the solution (all when None)."""
    nb = nbformat.read(work_nb, as_version=4)
    mine = {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if nbgrader_meta(c).get("solution")}
    for cell in answers(solved)[:n_parts]:
        mine[nbgrader_meta(cell)["grade_id"]].source = cell.source
    nbformat.write(nb, work_nb)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_whole_class_path(tmp_path):
    start_time = time.monotonic()
    instructor = make_temp_course(Course(ROOT), tmp_path / "instructor")
    release(instructor, HW)
    source = nbformat.read(instructor.source_notebook(HW), as_version=4)
    solved = solved_notebook(nbformat.read(instructor.release_notebook(HW), as_version=4), source)

    # 1. the student edition
    edition = publish(Course(ROOT), tmp_path / "student-edition")
    secret = only_in_solutions(source)
    assert len(secret) > 10, "the solution has lines that nothing public has"
    for path in edition.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(edition).parts:
            text = path.read_text(errors="replace")
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
            assert not [line for line in secret if line in text], path
    assert not (edition / "solutions").exists() and not (edition / "course" / "grading.py").exists()
    assert subprocess.run(["git", "status", "--porcelain"], cwd=edition, capture_output=True,
                          text=True).stdout == ""
    assert_student_lab_has_no_instructor_tools(edition)

    # 2. three students
    homes, zips = {}, {}
    for name, parts in (("alice", None), ("bob", 2), ("carol", 0)):
        home = tmp_path / name
        shutil.copytree(edition, home, ignore=shutil.ignore_patterns(".git"))
        student.start(home)
        assert student.work_notebook(home, HW).exists()
        solve(student.work_notebook(home, HW), solved, parts)
        homes[name] = home
        if name != "bob":
            zips[name] = student.submit(home, HW, name, check=name == "alice")
    report = student.validate(homes["bob"], HW, quiet=True)
    assert report.passing_parts >= 2 and report.passing_parts < len(report.parts)
    assert any("not implemented yet" in line for line in report.lines())
    assert "This is not your grade" in report.lines()[-1]
    carol_lines = student.validate(homes["carol"], HW, quiet=True).lines()
    assert "Visible tests pass in 0 of" in carol_lines[-1]

    # 3. the LMS download (Canvas names), with a renamed notebook and a misplaced file
    download = tmp_path / "submissions.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.write(zips["alice"], f"alice_1001_5551_{zips['alice'].name}")
        z.write(student.work_notebook(homes["bob"], HW), f"bob_1002_5552_{HW} (1).ipynb")
        z.write(zips["carol"], f"carol_1003_5553_{HW}-carol.zip")
        z.writestr("dave_1004_5554_notes.txt", "I will hand it in next week")
    report = collect(instructor, HW, download)
    assert sorted(report.placed) == ["1001", "1002", "1003"], report.lines(HW)
    assert [why for where, why in report.not_placed] == ["not a notebook"], report.lines(HW)
    assert "dave_1004_5554_notes.txt" in report.not_placed[0][0]

    # 4. grade, feedback, return, grades
    rows = {r["student"]: r for r in autograde(instructor, HW, jobs=2, progress=False)}
    assert {s: r["status"] for s, r in rows.items()} == {"1001": "graded", "1002": "graded", "1003": "graded"}
    alice, bob, carol = (float(rows[s]["score"]) for s in ("1001", "1002", "1003"))
    assert alice == float(rows["1001"]["auto_max_score"]) and 0 < bob < alice and carol == 0
    feedback(instructor)                                   # every assignment with graded submissions
    page = (instructor.course_dir / "feedback" / "1002" / HW / f"{HW}.html").read_text()
    assert "<script" not in page and "<math" in page                       # maths offline, no network
    assert re.search(r"Part 1[^<]*</a>", page) and "Test cell" not in page   # parts named
    assert "not implemented yet" in page
    assert "white-space: pre-wrap" in page                                    # long lines wrap, not clipped
    zips_back = return_feedback(instructor, HW)
    assert sorted(p.name for p in zips_back) == ["1001.zip", "1002.zip", "1003.zip"]
    with zipfile.ZipFile(instructor.course_dir / "return" / HW / "1002.zip") as z:
        assert sorted(z.namelist()) == [f"{HW}-feedback/{HW}.html", f"{HW}-feedback/summary.txt"]
        assert f"{HW}: {rows['1002']['score']} / 100 points" in z.read(f"{HW}-feedback/summary.txt").decode()
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,first_name,last_name,email\n1001,Alice,A,a@x\n1002,Bob,B,b@x\n"
                      "1003,Carol,C,c@x\n1004,Dave,D,d@x\n")
    long_path, wide_path = grades(instructor, roster)
    assert_grades_agree_with_nbgrader_export(instructor, long_path, wide_path, rows)

    # 5. a release and a Formgrader-style regeneration leave the students' work intact
    before = {name: tree(home / student.WORK) for name, home in homes.items()}
    release(instructor, HW)
    for home in homes.values():
        student.start(home)                                # what `make lab` runs: keeps work/ as it is
        # Formgrader's "Generate" in a clone: assignments/ is removed and written again from the sources
        shutil.copytree(instructor.root / "solutions", home / "formgrader-sources")
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", HW, "--force",
                               f"--CourseDirectory.root={home}", "--CourseDirectory.source_directory=formgrader-sources",
                               "--CourseDirectory.release_directory=assignments",
                               f"--CourseDirectory.db_url=sqlite:///{home / 'gb.db'}"],
                              cwd=home, env=tool_env(), capture_output=True, text=True)
        assert proc.returncode == 0 and "Removing existing assignment" in proc.stdout + proc.stderr, proc.stderr
    assert {name: tree(home / student.WORK) for name, home in homes.items()} == before
    print(f"whole class path: {time.monotonic() - start_time:.0f} s")


def only_in_solutions(source) -> list[str]:
    """Lines of the answers and hidden tests that no public file (release, lectures, library) holds.

    The library is public on purpose: it is the reference the hidden tests switch off."""
    public = "\n".join(p.read_text(errors="replace") for d in ("assignments", "lectures", "lib")
                       for p in (ROOT / d).rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py"))
    lines, inside = [], False
    for cell in source.cells:
        for line in cell.source.splitlines():
            if "### BEGIN" in line or "### END" in line:
                inside = "BEGIN" in line
            elif inside and len(line.strip()) > 30 and line.strip() not in public:
                lines.append(line.strip())
    return lines


def assert_grades_agree_with_nbgrader_export(course, long_path, wide_path, rows):
    out = course.course_dir / "export.csv"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--to={out}"], cwd=course.course_dir,
                          env=tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out, newline="") as f:
        exported = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    with open(long_path, newline="") as f:
        ours = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    assert {s for s, _ in exported} == {s for s, _ in ours} == {"1001", "1002", "1003", "1004"}
    for key, theirs in exported.items():
        mine = ours[key]
        if theirs["timestamp"]:                            # a submission: the same score
            assert float(mine["score"]) == float(theirs["score"]) and mine["status"] == "graded", (key, mine)
        else:                                              # none: they say 0, we say nothing, with a reason
            assert float(theirs["score"]) == 0 and mine["score"] == "" and mine["reason"] == "no submission"
    with open(wide_path, newline="") as f:
        wide = list(csv.DictReader(f))
    assert [r["student_id"] for r in wide] == ["1001", "1002", "1003", "1004"]            # the roster's order
    by_id = {r["student_id"]: r for r in wide}
    assert by_id["1004"][HW] == "" and by_id["1004"][f"{HW} note"] == "no submission"
    part_columns = [c for c in wide[0] if c.startswith(f"{HW} | ")]
    assert len(part_columns) >= 3
    for s in ("1001", "1002", "1003"):
        assert float(by_id[s][HW]) == float(rows[s]["score"])
        assert sum(float(by_id[s][c]) for c in part_columns) == pytest.approx(float(rows[s]["score"]))


def assert_student_lab_has_no_instructor_tools(edition: Path):
    """Serve the edition's JupyterLab with its own configuration: no Formgrader, no instructor plugins."""
    port, token = free_port(), "student-lab"
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(edition / ".jupyter")}
    cmd = [os.path.join(os.path.dirname(sys.executable), "jupyter"), "lab", "--no-browser", f"--port={port}",
           "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--notebook-dir={edition}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline, page = time.time() + 120, None
        while time.time() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=5) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(1)
        assert page is not None, "the student lab did not start"
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        disabled = config.get("disabledExtensions", [])
        for plugin in ("formgrader", "create-assignment", "assignment-list", "course-list"):
            assert f"@jupyter/nbgrader:{plugin}" in disabled, disabled
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{base}/formgrader?token={token}", timeout=10)
        assert info.value.code == 404
    finally:
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
