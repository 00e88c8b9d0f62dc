# JupyterLab's nbgrader "Validate" button reads this (the lab runs at the repo root):
# it loads the course configuration, so students validate with the same timeouts.
import os

load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "course", "nbgrader_config.py"))  # noqa: F821
