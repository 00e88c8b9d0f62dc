"""The student's JupyterLab, in a real browser: the course's ``make lab`` server (started
once for the session, see conftest.py) driven by Playwright + Chromium, the way a student
clicks through it.

Tests open *copies* of the committed notebooks (under ``build/browser-tests/``, git-ignored):
running, filling and validating a notebook saves it.  Where a student's working copy of an
assignment lives is the one constant ``STUDENT_HW1`` (issue 11 moves it)."""
from __future__ import annotations

import re
import time

import nbformat
import pytest
from course_paths import ROOT, SCRATCH, student_copy

pytestmark = pytest.mark.slow

LECTURE_WITH_WIDGETS = "03_energy_based_models.ipynb"
HW1 = "hw1_mdn"
# Where the student's working copy of hw1 lives, relative to the repository (= the lab's root).
STUDENT_HW1 = f"build/browser-tests/{HW1}/{HW1}.ipynb"
SOLVED_HW1 = f"build/browser-tests/{HW1}_solved/{HW1}.ipynb"
LECTURE_COPY = f"build/browser-tests/lectures/{LECTURE_WITH_WIDGETS}"
RUN_TIMEOUT_MS = 300_000

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
TRACEBACK = "Traceback (most recent call last)"


# ---------------------------------------------------------------- driving a notebook

class Notebook:
    """The notebook open in the current JupyterLab tab, as a student sees it."""

    def __init__(self, page):
        self.page = page
        self.cells = page.locator(f"{PANEL} .jp-Notebook .jp-Cell")

    def wait_ready(self, timeout_s: float = 120) -> "Notebook":
        """Wait for the cells and an idle kernel.  A fresh server may first ask which kernel
        to start (JupyterLab's "Select Kernel" dialog): answer it as a student would."""
        self.cells.first.wait_for()
        ask = self.page.locator(".jp-Dialog", has_text="Select Kernel")
        idle = self.page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if ask.count():
                ask.locator(".jp-Dialog-button.jp-mod-accept").click()
                ask.wait_for(state="detached")
            elif idle.count() and self.page.locator(f"{PANEL} .jp-KernelName").text_content().strip() != "No Kernel":
                self.page.wait_for_timeout(500)
                if not ask.count():
                    return self
            self.page.wait_for_timeout(250)
        raise AssertionError(f"the notebook's kernel was not idle within {timeout_s} s")

    def prompt(self, index: int) -> str:
        return self.cells.nth(index).locator(".jp-InputPrompt").first.text_content().strip()

    def output(self, index: int) -> str:
        return self.cells.nth(index).evaluate("c => c.querySelector('.jp-OutputArea')?.textContent ?? ''")

    def failed_cells(self) -> list[int]:
        """Cells whose output shows a traceback."""
        return self.cells.evaluate_all(
            "cells => cells.flatMap((c, i) => (c.querySelector('.jp-OutputArea')?.textContent ?? '')"
            f".includes({TRACEBACK!r}) ? [i] : [])")

    def run_cell(self, index: int) -> str:
        """Select the cell, press Shift+Enter, wait for it to finish; return its output text."""
        cell = self.cells.nth(index)
        before = self.prompt(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").first.click()                     # select it (command mode)
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            """([selector, index, before]) => {
                const cell = document.querySelectorAll(selector)[index];
                const prompt = cell.querySelector('.jp-InputPrompt').textContent.trim();
                return /^\\[\\d+\\]:$/.test(prompt) && prompt !== before;
            }""", arg=[f"{PANEL} .jp-Notebook .jp-Cell", index, before], timeout=RUN_TIMEOUT_MS)
        return self.output(index)

    def run_all(self) -> None:
        """Run ▸ Run All Cells, from the menu; wait until the kernel has finished them."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        self.page.wait_for_function(
            """selector => {
                const prompts = [...document.querySelectorAll(selector)].map(p => p.textContent.trim());
                const failed = [...document.querySelectorAll(selector.replace('.jp-InputPrompt', '.jp-OutputArea'))]
                    .some(o => o.textContent.includes('Traceback (most recent call last)'));
                return prompts.length > 0 && (failed || prompts.every(p => /^\\[\\d+\\]:$/.test(p)));
            }""", arg=f"{PANEL} .jp-Notebook .jp-CodeCell .jp-InputPrompt", timeout=RUN_TIMEOUT_MS)

    def type_into(self, index: int, text: str) -> None:
        """Replace the cell's text, as a student pasting code into it."""
        editor = self.cells.nth(index).locator(".cm-content").first
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")                                  # back to command mode

    def source(self, index: int) -> str:
        return self.cells.nth(index).locator(".cm-content").first.evaluate(
            "e => [...e.querySelectorAll('.cm-line')].map(l => l.textContent).join('\\n')")

    def validate(self) -> str:
        """Press nbgrader's Validate button; return the text of the dialog it opens."""
        self.page.locator(f"{PANEL} .validate-button").click()
        dialog = self.page.locator(".jp-Dialog").last
        dialog.locator(".jp-Dialog-body").wait_for(timeout=RUN_TIMEOUT_MS)
        self.page.wait_for_function(
            "() => !document.querySelector('.jp-Dialog .jp-Dialog-body').textContent.includes('Validating')",
            timeout=RUN_TIMEOUT_MS)
        return dialog.text_content()

    def close_dialog(self) -> None:
        self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept, .jp-Dialog .jp-Dialog-button").last.click()
        self.page.locator(".jp-Dialog").wait_for(state="detached")


def bring_into_view(page, locator, tries: int = 10) -> dict:
    """Scroll until ``locator`` sits inside the viewport and stays put; return its box.
    (JupyterLab lays out off-screen cells lazily, so one scroll can land short.)"""
    height = page.viewport_size["height"]
    for _ in range(tries):
        locator.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = locator.bounding_box()
        if box and 0 <= box["y"] and box["y"] + box["height"] <= height:
            page.wait_for_timeout(300)
            if locator.bounding_box() == box:
                return box
    raise AssertionError(f"could not scroll {locator} into view")


def nbgrader_cells(nb) -> tuple[list[int], list[int]]:
    """Indices of the answer cells (code) and of the visible-test cells."""
    answers = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    tests = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    return answers, tests


def solution_code(hw: str, grade_id: str) -> str:
    """The instructor's answer for one cell, without the nbgrader markers: what a student who
    solved that part would have typed."""
    nb = nbformat.read(ROOT / "solutions" / hw / f"{hw}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(l for l in cell.source.splitlines() if not re.match(r"\s*### (BEGIN|END) SOLUTION", l))


def solved_copy(hw: str, target) -> None:
    """The student release with every answer cell filled from the solution."""
    nb = nbformat.read(ROOT / "assignments" / hw / f"{hw}.ipynb", as_version=4)
    answers, _ = nbgrader_cells(nb)
    for i in answers:
        nb.cells[i].source = solution_code(hw, nb.cells[i].metadata["nbgrader"]["grade_id"])
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


# ---------------------------------------------------------------- the tests

def test_launcher_and_file_browser_show_the_course(lab, page, screenshots):
    lab.open(page)
    page.locator(".jp-Launcher .jp-LauncherCard", has_text="Python 3").first.wait_for()  # the kernel's card
    page.locator(".jp-DirListing-itemText", has_text="assignments").first.wait_for()
    assert {"lectures", "assignments"} <= set(page.locator(".jp-DirListing-itemText").all_text_contents())
    page.screenshot(path=screenshots / "lab_launcher.png")
    for folder, expected in (("lectures", "01_structured_outputs.ipynb"), ("assignments", HW1)):
        page.locator(".jp-DirListing-item", has_text=folder).first.dblclick()
        page.locator(".jp-DirListing-itemText", has_text=expected).first.wait_for()
        page.locator(".jp-BreadCrumbs-home").click()                         # back to the root
        page.locator(".jp-DirListing-itemText", has_text="lectures").first.wait_for()


def test_a_widget_lecture_runs_and_its_slider_redraws_the_figure(lab, page, screenshots):
    student_copy(ROOT / "lectures", SCRATCH / "lectures")
    lab.open(page, LECTURE_COPY)
    notebook = Notebook(page).wait_ready()
    start = time.perf_counter()
    notebook.run_all()
    print(f"{LECTURE_WITH_WIDGETS} ran top to bottom in the page in {time.perf_counter() - start:.0f} s")
    failed = notebook.failed_cells()
    assert failed == [], f"cells {failed} raised: {notebook.output(failed[0])[:2000]}"
    assert page.get_by_text("Error displaying widget").count() == 0

    # The first explorer: a VBox of controls (a β slider) above an Output widget with the figure.
    explorer = page.locator(f"{PANEL} .widget-vbox", has=page.locator(".widget-slider .widget-label", has_text="β")).first
    slider = explorer.locator(".widget-slider").first
    figure = explorer.locator(".widget-output img").first
    figure.wait_for()
    readout = slider.locator(".widget-readout")
    before, value_before = figure.get_attribute("src"), readout.text_content()
    bring_into_view(page, slider)                                           # the controls, for the screenshot
    page.screenshot(path=screenshots / "lab_widget_before.png")

    handle = bring_into_view(page, slider.locator(".noUi-handle"))
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 30, y, steps=6)                                     # drag β to the right (colder)
    page.mouse.up()
    deadline = time.time() + 60
    while figure.get_attribute("src") == before and time.time() < deadline:   # the Output redraws a new <img>
        page.wait_for_timeout(200)
    assert figure.get_attribute("src") != before, "moving the slider did not redraw the figure"
    notebook.wait_ready()                                                   # the last redraw is done
    assert float(readout.text_content()) > float(value_before)
    assert figure.evaluate("img => img.naturalWidth") > 100
    page.screenshot(path=screenshots / "lab_widget_after.png")

    # A progress bar: the library's fit() shows one (tqdm.auto) while it trains.
    last = notebook.cells.count() - 1
    notebook.cells.nth(last).locator(".jp-InputPrompt, .jp-InputArea").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")                                                 # new cell below
    notebook.type_into(last + 1, "\n".join([
        "import time",
        "from energylab.train import fit",
        "net = torch.nn.Linear(1, 1)",
        "xs = torch.linspace(-1, 1, 64)[:, None]",
        "hist = fit(net, lambda m, a, b: ((m(a) - b) ** 2).mean(), (xs, 3 * xs), epochs=40, lr=0.1,",
        "           callback=lambda epoch, h: time.sleep(0.15))",
        "print('final loss', round(hist.last(), 4))",
    ]))
    notebook.cells.nth(last + 1).locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    bar = notebook.cells.nth(last + 1).locator(".widget-hbox", has=page.locator(".widget-hprogress, .widget-progress"))
    bar.wait_for(timeout=60_000)                                            # tqdm.auto's widget bar, while it runs
    assert re.search(r"fit:\s+\d+%", bar.text_content()), bar.text_content()
    page.screenshot(path=screenshots / "lab_progress.png")
    notebook.cells.nth(last + 1).get_by_text("final loss").wait_for(timeout=60_000)


def test_hw1_blank_fails_visibly_and_an_answered_part_passes(lab, page, screenshots):
    copy = student_copy(ROOT / "assignments" / HW1, ROOT / STUDENT_HW1.rsplit("/", 1)[0])
    nb = nbformat.read(copy / f"{HW1}.ipynb", as_version=4)
    answers, tests = nbgrader_cells(nb)
    lab.open(page, STUDENT_HW1)
    notebook = Notebook(page).wait_ready()
    assert notebook.cells.count() == len(nb.cells)

    outputs = {i: notebook.run_cell(i) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    passing = [i for i in tests if TRACEBACK not in outputs[i]]
    assert passing == [], f"visible tests {passing} pass on the blank notebook"
    first_test = tests[0]
    assert "NotImplementedError" in outputs[first_test]
    notebook.cells.nth(first_test).scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "lab_hw1_blank.png")

    report = notebook.validate()
    assert report.count("The following cell failed") == len(tests), report[:3000]   # every visible test
    assert "NotImplementedError" in report, report[:2000]
    page.screenshot(path=screenshots / "lab_hw1_validate_blank.png")
    notebook.close_dialog()

    answer = answers[0]                                                     # part 1: mdn_heads
    test = next(t for t in tests if t > answer)
    code = solution_code(HW1, nb.cells[answer].metadata["nbgrader"]["grade_id"])
    notebook.type_into(answer, code)
    assert notebook.source(answer).split() == code.split(), "the editor changed the pasted answer"
    assert TRACEBACK not in notebook.run_cell(answer)
    result = notebook.run_cell(test)
    assert TRACEBACK not in result and "passed" in result, result[:2000]
    notebook.cells.nth(test).scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "lab_hw1_part1_passes.png")


def test_validate_reports_success_for_a_solved_hw1(lab, page, screenshots):
    solved_copy(HW1, ROOT / SOLVED_HW1)
    lab.open(page, SOLVED_HW1)
    notebook = Notebook(page).wait_ready()
    report = notebook.validate()
    assert "Success! Your notebook passes all the tests." in report, report[:2000]
    page.screenshot(path=screenshots / "lab_hw1_validate_solved.png")
    notebook.close_dialog()
