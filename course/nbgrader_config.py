"""nbgrader configuration for the course (read by `python -m course` and by
nbgrader commands run inside course/).

All paths are relative to this file: the course directory is course/, the
sources are ../solutions and the student release is ../assignments.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:           # so that `course.feedback` can be imported below
    sys.path.insert(0, ROOT)

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "energy-based-models"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = os.path.relpath(os.path.join(ROOT, "solutions"), HERE)
c.CourseDirectory.release_directory = os.path.relpath(os.path.join(ROOT, "assignments"), HERE)
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# Students' notebooks carry only the assignment notebook; nothing else is copied.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Graded cells may train a small model: allow a minute per cell, interrupt
# (not abort) a cell that runs longer so the rest of the notebook still runs.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
c.Validator.ignore_checksums = False

# Warnings written to stderr must not zero a cell (nbgrader scores any stderr as failing).
from course.student import HARMLESS_STDERR  # noqa: E402  (students' `validate` uses the same rule)

c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = HARMLESS_STDERR

# Autograding runs every kernel in a sandbox (course/sandbox.py) and finishes every notebook: a
# kernel that dies or ignores an interrupt is restarted and the rest of the notebook still runs
# (course/execute.py). Limits of a sandboxed kernel, e.g. 8 GiB of address space:
#     c.SandboxedKernelManager.memory_mb = 8192     (also cpu_s, processes, file_mb, tmp_mb)
c.Autograde.autograde_preprocessors = [
    "course.execute.ResilientExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows grades by part and the student's own outputs, never hidden-test code; maths
# as MathML (readable offline); see course/feedback.py and course/templates/course_feedback/.
from course.feedback import HideHiddenTests, NameParts, OfflineMath  # noqa: E402
import nbgrader  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    HideHiddenTests,
    NameParts,
    OfflineMath,
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HTMLExporter.template_name = "course_feedback"
c.HTMLExporter.template_file = "course_feedback.html.j2"
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
    os.path.join(HERE, "templates"),
]
