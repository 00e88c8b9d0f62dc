"""`python -m course collect HW ARCHIVE_OR_FOLDER`: fill course/submitted/ from an LMS download.

Course websites hand back a zip (or a folder) of whatever students uploaded, renamed their
own way: ``alice_1001_5551_hw1_mdn-alice.zip`` (Canvas), ``Alice Smith_1001_assignsubmission_
file_/hw1_mdn (1).ipynb`` (Moodle), ``hw1_mdn_asmith_attempt_2026-01-12-10-00-00_hw1_mdn.ipynb``
(Blackboard), a folder per student, nested zips. Collection does not trust names:

* archives are unpacked recursively with nbgrader's own ``unzip`` (the tool ``nbgrader
  zip_collect`` uses);
* a zip written by ``python -m course submit`` carries a manifest (assignment, student, time);
* any other notebook belongs to ``HW`` when its cells are this assignment's (cell ids, grade ids or
  the release's locked cells), whatever its file name; its student comes from the path, by a
  regular expression with a ``student_id`` group (``--regex``, as in nbgrader's
  ``FileNameCollectorPlugin``) or by the usual LMS patterns;
* several files for one student: the newest is kept, the others reported.

Every file that could not be placed is reported with the reason, and nothing is placed
silently: the return value (and the printed report) lists what went where.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .layout import Course
from .parts import nbgrader_meta
from .student import MANIFEST, STUDENT_ID, TIMESTAMP

#: where LMSs put the student's id in a path (tried in order on each path component, the file name last)
LMS_PATTERNS = [
    r"^(?P<name>[^_/]+)_(?:LATE_)?(?P<student_id>\d+)_(?P<attachment>\d+)_.+$",            # Canvas
    r"^(?P<name>.+)_(?P<student_id>[^_/]+)_assignsubmission_\w+_?$",                      # Moodle folder
    r"^.+?_(?P<student_id>[^_/]+)_attempt_[\d-]+(?:_.+)?$",                                # Blackboard
]


@dataclass
class Found:
    student: str | None
    notebook: bytes
    when: dt.datetime
    source: str
    extra: dict[str, bytes] = field(default_factory=dict)   # other files of a course submission zip
    note: str = ""


@dataclass
class Report:
    placed: dict[str, str] = field(default_factory=dict)          # student -> source
    not_placed: list[tuple[str, str]] = field(default_factory=list)   # (source, why)
    notes: list[str] = field(default_factory=list)

    def lines(self, hw: str) -> list[str]:
        out = [f"collect {hw}: {len(self.placed)} submission(s) placed in course/submitted/<student>/{hw}/"]
        out += [f"  {student:20s} <- {source}" for student, source in sorted(self.placed.items())]
        out += [f"  note: {note}" for note in self.notes]
        if self.not_placed:
            out.append(f"{len(self.not_placed)} file(s) NOT placed:")
            out += [f"  {source}: {why}" for source, why in self.not_placed]
        return out


def _unpack(source: Path, into: Path) -> Path:
    """A folder holding everything in ``source``, each zip in it unpacked into a folder of its name
    (recursively, by nbgrader's ``unzip``); a zip that cannot be unpacked stays, and is reported."""
    from nbgrader.utils import unzip

    root = into / "download"
    if source.is_dir():
        shutil.copytree(source, root)
        archives = sorted(root.rglob("*.zip"))
    elif zipfile.is_zipfile(source):
        root.mkdir()
        archives = [source]
    else:
        raise SystemExit(f"collect: expected a .zip file or a folder, got {source}")
    for archive in archives:
        try:
            unzip(str(archive), str(root if archive == source else archive.parent), zip_ext=[".zip"],
                  create_own_folder=archive != source, tree=True)
        except Exception:
            continue
    for archive in list(root.rglob("*.zip")):         # unpacked: its folder sits next to it
        if archive.with_suffix("").is_dir():
            archive.unlink()
    return root


def _student_from_path(rel: Path, regex: str | None) -> str | None:
    candidates = [str(rel)] if regex else [part for part in rel.parts]
    for pattern in [regex] if regex else LMS_PATTERNS:
        for text in candidates:
            match = re.match(pattern, text)
            if match and match.groupdict().get("student_id"):
                return match.group("student_id").strip()
    if not regex and len(rel.parts) >= 2:                        # a folder per student
        first = rel.parts[0]
        return first if STUDENT_ID.match(first) else None
    return None


def belongs_to(nb, release) -> bool:
    """Whether a notebook is (a copy of) the release: at least a third of its graded cells are there."""
    graded = [c for c in release.cells if nbgrader_meta(c).get("grade_id")]
    grade_ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
    ids = {c.get("id") for c in nb.cells}
    sources = {c.get("source", "").strip() for c in nb.cells}
    hits = sum(1 for c in graded if nbgrader_meta(c)["grade_id"] in grade_ids or c.get("id") in ids
               or (nbgrader_meta(c).get("locked") and c.source.strip() in sources))
    return bool(graded) and hits * 3 >= len(graded)


def _read_manifest(folder: Path, hw: str) -> tuple[dict | None, str]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        return None, f"unreadable {MANIFEST} ({error})"
    if manifest.get("assignment") != hw:
        return None, f"a submission of {manifest.get('assignment')!r}, not {hw}"
    return manifest, ""


def collect(course: Course, hw: str, source: Path, regex: str | None = None) -> Report:
    """Place every submission of ``hw`` found in ``source`` into course/submitted/."""
    course.select(hw)
    source = Path(source)
    if not source.exists():
        raise SystemExit(f"collect: {source} does not exist")
    release = nbformat.read(course.release_notebook(hw), as_version=4)
    report, found = Report(), []
    with tempfile.TemporaryDirectory(prefix=f"collect-{hw}-") as tmp:
        root = _unpack(source, Path(tmp))
        manifests = {p.parent for p in root.rglob(MANIFEST)}
        for folder in sorted(manifests):
            rel = folder.relative_to(root)
            manifest, why = _read_manifest(folder, hw)
            if manifest is None:
                report.not_placed.append((str(rel) or source.name, why))
                continue
            nb_path = folder / hw / f"{hw}.ipynb"
            if not nb_path.exists():
                report.not_placed.append((str(rel), f"the submission zip has no {hw}/{hw}.ipynb"))
                continue
            lms = _student_from_path(rel, regex) if rel.parts else None
            student = lms or manifest.get("student")
            note = ""
            if lms and manifest.get("student") and lms != manifest["student"]:
                note = f"{rel}: the zip says student {manifest['student']!r}, the website {lms!r}: used {lms!r}"
            extra = {p.relative_to(folder / hw).as_posix(): p.read_bytes() for p in (folder / hw).rglob("*")
                     if p.is_file() and p != nb_path}
            when = dt.datetime.fromisoformat(manifest.get("submitted", "1970-01-01T00:00:00+00:00"))
            found.append(Found(student, nb_path.read_bytes(), when, str(rel / hw / nb_path.name), extra, note))
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if not path.is_file() or any(path.is_relative_to(m) for m in manifests):
                continue
            if path.suffix != ".ipynb":
                report.not_placed.append((str(rel), "not a notebook"))
                continue
            try:
                nb = nbformat.reads(path.read_text(), as_version=4)
            except Exception as error:
                report.not_placed.append((str(rel), f"not a readable notebook ({type(error).__name__})"))
                continue
            if not belongs_to(nb, release):
                report.not_placed.append((str(rel), f"not a notebook of {hw} (its cells are not {hw}'s)"))
                continue
            student = _student_from_path(rel, regex)
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
            found.append(Found(student, path.read_bytes(), when, str(rel)))
        _place(course, hw, found, report)
    for line in report.lines(hw):
        print(line)
    return report


def _place(course: Course, hw: str, found: list[Found], report: Report) -> None:
    newest: dict[str, Found] = {}
    for item in found:
        if not item.student or not STUDENT_ID.match(item.student):
            report.not_placed.append((item.source, f"no usable student id in its path ({item.student!r}); "
                                                   f"pass --regex with a (?P<student_id>...) group"))
            continue
        if item.note:
            report.notes.append(item.note)
        kept = newest.get(item.student)
        if kept is None or item.when > kept.when:
            if kept is not None:
                report.notes.append(f"{item.student}: kept the newer {item.source}, not {kept.source}")
            newest[item.student] = item
        else:
            report.notes.append(f"{item.student}: kept the newer {kept.source}, not {item.source}")
    for student, item in newest.items():
        folder = course.course_dir / "submitted" / student / hw
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / f"{hw}.ipynb").write_bytes(item.notebook)
        for rel, data in item.extra.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        if not (folder / "timestamp.txt").exists():
            (folder / "timestamp.txt").write_text(item.when.astimezone(dt.timezone.utc).strftime(TIMESTAMP))
        report.placed[student] = item.source
