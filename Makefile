# The course's commands. `make lab` to open the course, `make test` to check everything.
# Every target creates the virtual environment (.venv) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
# nbgrader shells out to alembic: the venv's bin must come first on PATH.
export PATH := $(BIN):$(PATH)

# Which assignment the instructor targets (empty = all): make release HW=hw1_mdn
HW ?=
# Test workers (pytest-xdist); each test class (one per assignment) and module stays on one worker.
JOBS ?= 2

# Lectures the site executes at once (default: half the cores, at most 4).
SITE_JOBS ?=

.PHONY: setup lab test browser release autograde feedback grades check bench site clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: setup browser
	$(PY) -m pytest -n $(JOBS) --dist loadscope $(PYTEST_ARGS)

release: setup
	$(PY) -m course release $(HW)

autograde: setup
	$(PY) -m course autograde $(HW)

feedback: setup
	$(PY) -m course feedback $(HW)

grades: setup
	$(PY) -m course grades

check: setup
	$(PY) -m course check $(HW)

bench: setup
	$(PY) benchmarks/run.py

# The course as a static offline website in build/site/ (open build/site/index.html).
site: setup
	$(PY) docs/site.py $(if $(SITE_JOBS),--jobs $(SITE_JOBS))

# Chromium for the browser tests (tests/browser/): Debian's package via apt-get when missing and root.
browser: setup
	@$(PY) tests/browser/chromium.py install

clean:
	rm -rf $(VENV) course/submitted course/autograded course/feedback course/gradebook.db
