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
# Extra options for `python -m course autograde`: make autograde GRADE_ARGS="--jobs 4 --force"
GRADE_ARGS ?=
# Test workers (pytest-xdist); each test class (one per assignment) and module stays on one worker.
JOBS ?= 2

# Lectures the site executes at once (default: half the cores, at most 4).
SITE_JOBS ?=

.PHONY: setup lab test browser release publish collect autograde feedback return grades check start validate submit bench site clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Work happens in work/ (git-ignored copies of assignments/): a release or `git pull` never touches it.
lab: setup
	$(PY) -m course start --quiet
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: setup browser
	$(PY) -m pytest -n $(JOBS) --dist loadscope $(PYTEST_ARGS)

release: setup
	$(PY) -m course release $(HW)

publish: setup
	$(PY) -m course publish

# make collect HW=hw1_mdn DOWNLOAD=~/Downloads/submissions.zip
collect: setup
	$(PY) -m course collect $(HW) $(DOWNLOAD)

autograde: setup
	$(PY) -m course autograde $(HW) $(GRADE_ARGS)

feedback: setup
	$(PY) -m course feedback $(HW)

return: setup
	$(PY) -m course return $(HW)

# make grades ROSTER=roster.csv
grades: setup
	$(PY) -m course grades $(if $(ROSTER),--roster $(ROSTER))

start: setup
	$(PY) -m course start $(HW)

validate: setup
	$(PY) -m course validate $(HW)

# make submit HW=hw1_mdn STUDENT=your_id
submit: setup
	$(PY) -m course submit $(HW) $(if $(STUDENT),--student $(STUDENT))

check: setup
	$(PY) -m course check $(HW)

bench: setup
	$(PY) benchmarks/run.py $(BENCH)

# The course as a static offline website in build/site/ (open build/site/index.html).
site: setup
	$(PY) docs/site.py $(if $(SITE_JOBS),--jobs $(SITE_JOBS))

# Chromium for the browser tests (tests/browser/): Debian's package via apt-get when missing and root.
browser: setup
	@$(PY) tests/browser/chromium.py install

clean:
	rm -rf $(VENV) course/submitted course/autograded course/feedback course/gradebook.db
