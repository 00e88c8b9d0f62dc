"""The instructor side of the course: nbgrader configuration, the syllabus and
the command-line tool `python -m course` (release, autograde, feedback, grades, check)."""
