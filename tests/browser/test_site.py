"""The course site (``make site`` -> ``build/site/``): every syllabus page is built with its
outputs, nothing of the solutions leaks, nothing is loaded from the network, every link
resolves, and every page loads in a real browser with its images and its maths.  The
builder itself (``docs/site.py``) is checked on a tiny course in a temporary folder: its
cache executes only what changed, and a failing lecture fails the build by name and cell."""
from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
SYLLABUS = tomllib.loads((ROOT / "course" / "syllabus.toml").read_text())
LECTURES = [Path(entry["file"]).stem for entry in SYLLABUS.get("lecture", [])]
ASSIGNMENTS = [entry["id"] for entry in SYLLABUS.get("assignment", [])]
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")

spec = importlib.util.spec_from_file_location("course_site", ROOT / "docs" / "site.py")
site = importlib.util.module_from_spec(spec)
sys.modules["course_site"] = site
spec.loader.exec_module(site)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


# ---------------------------------------------------------------- pages and outputs

def test_landing_page_lists_the_syllabus(built_site):
    index = soup(built_site / "index.html")
    links = {(a.get_text(" ", strip=True), a["href"]) for a in index.select("article a[href]")}
    for entry in SYLLABUS["lecture"]:
        assert (entry["title"], f"lectures/{Path(entry['file']).stem}.html") in links, entry["title"]
    for entry in SYLLABUS["assignment"]:
        assert (entry["title"], f"homework/{entry['id']}.html") in links, entry["title"]
    text = index.get_text(" ", strip=True)
    assert "make lab" in text and "GPU" in text and "make site" in text


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_page_shows_every_output_of_its_run(built_site, name):
    executed = nbformat.read(ROOT / "build" / "site-work" / "src" / "lectures" / f"{name}.ipynb", as_version=4)
    images = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {}) and "text/html" not in o.get("data", {})]
    printed = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert images, f"{name}: the executed lecture has no figure"
    page = soup(built_site / "lectures" / f"{name}.html")
    shown = page.select(".cell_output img[src*='_images/']")             # not the animation player's frame
    assert len(shown) == len(images), f"{name}: {len(images)} figures in the run, {len(shown)} on the page"
    for img in shown:
        assert (built_site / "lectures" / unquote(img["src"])).resolve().is_file(), img["src"]
    assert len(page.select(".cell_output .output.stream, .cell_output .output.stdout")) >= min(1, len(printed))
    assert "Traceback (most recent call last)" not in page.get_text()


@pytest.mark.parametrize("name", LECTURES)
def test_widget_cells_show_their_static_figure_and_say_jupyterlab_is_needed(built_site, name):
    nb = nbformat.read(ROOT / "lectures" / f"{name}.ipynb", as_version=4)
    widget_cells = [c for c in nb.cells if c.cell_type == "code" and site.WIDGET_CODE.search(c.source)]
    page = soup(built_site / "lectures" / f"{name}.html")
    notes = [n for n in page.select("div.admonition.note") if "live version needs JupyterLab" in n.get_text()]
    assert len(notes) == len(widget_cells)
    for note in notes:
        cell = note.find_next("div", class_="cell")
        assert cell.select(".cell_output img"), f"{name}: no static figure after the widget note"


def test_the_widget_lectures_are_found():
    """Lectures 3 and 4 use the explorers: the widget test above is not vacuous."""
    found = [n for n in LECTURES if any(site.WIDGET_CODE.search(c.source) for c in
                                        nbformat.read(ROOT / "lectures" / f"{n}.ipynb", as_version=4).cells
                                        if c.cell_type == "code")]
    assert {"03_energy_based_models", "04_training_ebms"} <= set(found)


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_page_links_the_library_source_it_uses(built_site, name):
    page = soup(built_site / "lectures" / f"{name}.html")
    box = [b for b in page.select("div.admonition.seealso") if "library code this page uses" in b.get_text()]
    assert box, f"{name}: no library box"
    sources = [a["href"] for a in box[0].select("a[href]") if "_modules/energylab" in a["href"]]
    assert sources, f"{name}: no link to the library's source"


def test_the_library_box_names_what_the_lecture_imports_and_calls():
    nb = nbformat.read(ROOT / "lectures" / "03_energy_based_models.ipynb", as_version=4)
    used = site.library_objects(nb)
    assert {"energylab.widgets.gibbs_explorer",                   # called as widgets.gibbs_explorer(...)
            "energylab.gibbs.make_grid",                          # called as gibbs.make_grid(...)
            "energylab.models.mlp_energy.MLPEnergy",              # imported from the package
            "energylab.seed"} <= set(used)
    assert not [name for name in used if "._" in name]            # no private helpers


def test_homework_pages_carry_the_nbgrader_roles(built_site):
    for hw in ASSIGNMENTS:
        page = soup(built_site / "homework" / f"{hw}.html")
        assert page.select(".tag_nbgrader-answer") and page.select(".tag_nbgrader-tests"), hw
        assert "YOUR CODE HERE" in page.get_text()


# ---------------------------------------------------------------- nothing of the solutions

def secret_lines() -> dict[str, set[str]]:
    """Per assignment: lines of solution code and hidden tests (stripped, 20+ characters)
    that appear nowhere a student may legitimately see them (release, lectures, library)."""
    public = "\n".join([p.read_text() for p in (ROOT / "lib").rglob("*.py")] +
                       ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells)
                        for folder in ("lectures", "assignments") for p in (ROOT / folder).rglob("*.ipynb")])
    public_lines = {line.strip() for line in public.splitlines()}
    secrets = {}
    for hw in ASSIGNMENTS:
        nb = nbformat.read(ROOT / "solutions" / hw / f"{hw}.ipynb", as_version=4)
        lines, inside = set(), False
        for cell in nb.cells:
            for line in cell.source.splitlines():
                if re.search(r"### BEGIN (SOLUTION|HIDDEN TESTS)", line):
                    inside = True
                elif re.search(r"### END (SOLUTION|HIDDEN TESTS)", line):
                    inside = False
                elif inside and len(line.strip()) >= 20 and line.strip() not in public_lines:
                    lines.add(line.strip())
        secrets[hw] = lines
    return secrets


def site_texts(root: Path):
    """(file, text) for everything a reader can fetch: the visible text of every page (code
    blocks come out as plain lines, whatever the highlighting), and every other text file."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".html":
            yield path, path.read_text(encoding="utf-8") + "\n" + soup(path).get_text()
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            yield path, "\n".join(c.source for c in nb.cells) + json.dumps(nb)
        elif path.suffix in (".js", ".txt", ".json", ".css", ".inv", ".md", ".py"):
            yield path, path.read_text(encoding="utf-8", errors="replace")


def leaks(texts, secrets: dict[str, set[str]]) -> list[str]:
    found = []
    for path, text in texts:
        found += [f"{path}: marker {m!r}" for m in MARKERS if m in text]
        present = {line.strip() for line in text.splitlines()}
        found += [f"{path}: {hw} line {line!r}" for hw, lines in secrets.items() for line in lines & present]
    return found


def test_the_leak_check_finds_solution_code_in_a_highlighted_page():
    """The check below is not vacuous: every assignment has secret lines, and a page that
    shows a solution cell, highlighted as Sphinx highlights code, is caught."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    secrets = secret_lines()
    assert all(len(lines) >= 5 for lines in secrets.values()), {hw: len(v) for hw, v in secrets.items()}
    nb = nbformat.read(ROOT / "solutions" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb", as_version=4)
    solution = next(c.source for c in nb.cells if "### BEGIN SOLUTION" in c.source)
    stripped = "\n".join(l for l in solution.splitlines() if "### " not in l)
    page = BeautifulSoup(f"<html><body>{highlight(stripped, PythonLexer(), HtmlFormatter())}</body></html>",
                         "html.parser")
    assert leaks([(Path("page.html"), page.get_text())], secrets)


def test_no_solution_or_hidden_test_reaches_the_site(built_site):
    assert leaks(site_texts(built_site), secret_lines()) == []


# ---------------------------------------------------------------- offline and linked

def test_no_page_loads_anything_from_the_network(built_site):
    remote = []
    for path in html_pages(built_site):
        page = soup(path)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"),
                          ("source", "src"), ("video", "src")):
            for node in page.find_all(tag):
                url = node.get(attr) or ""
                if tag == "link" and not set(node.get("rel", [])) & {"stylesheet", "preload", "icon", "modulepreload"}:
                    continue
                if re.match(r"^(https?:)?//", url):
                    remote.append(f"{path.relative_to(built_site)}: <{tag} {attr}={url}>")
    assert remote == []


def test_every_link_and_anchor_resolves(built_site):
    ids: dict[Path, set[str]] = {}

    def anchors(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = {n["id"] for n in soup(path).find_all(id=True)} if path.suffix == ".html" else set()
        return ids[path]

    broken, between_lectures = [], 0
    for path in html_pages(built_site):
        page = soup(path)
        for a in page.find_all("a", href=True):
            href = a["href"]
            if a.select_one(".problematic"):
                continue                                    # docutils' marker of a docstring markup error (a build warning)
            if re.match(r"^([a-z]+:|//)", href):
                continue                                    # external (or mailto:): not loaded by the page
            parts = urlsplit(href)
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(built_site)} -> {href}")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
                broken.append(f"{path.relative_to(built_site)} -> {href} (no such anchor)")
        if path.parent.name == "lectures":
            between_lectures += len([a for a in page.select("article a[href]")
                                     if re.fullmatch(r"\.\./lectures/\d+_\w+\.html|\d+_\w+\.html", a["href"])])
    assert broken == []
    assert between_lectures > 0, "no lecture links to another one in its text"


def test_link_mentions_links_lectures_outside_code_and_maths():
    targets = {("lecture", 4): "../lectures/04.ipynb", ("homework", 2): "../homework/hw2.ipynb"}
    text = "See Lecture 4 and homework 2; `Lecture 4` in code, $lecture 4$ in maths, lecture 9 (not there).\n# Lecture 4"
    assert site.link_mentions(text, targets) == (
        "See [Lecture 4](../lectures/04.ipynb) and [homework 2](../homework/hw2.ipynb); `Lecture 4` in code, "
        "$lecture 4$ in maths, lecture 9 (not there).\n# Lecture 4")


# ---------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def served_site(built_site):
    """The site over HTTP on localhost, as a reader's web server would serve it."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def load(page, url: str) -> list[str]:
    """Open ``url``; return what went wrong: failed requests, HTTP errors, broken images."""
    problems = []

    def failed(request):
        problems.append(f"failed: {request.url}")

    def response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.on("requestfailed", failed)
    page.on("response", response)
    try:
        page.goto(url, wait_until="networkidle")
        problems += [f"broken image: {src}" for src in page.evaluate(
            "[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")]
    finally:
        page.remove_listener("requestfailed", failed)
        page.remove_listener("response", response)
    return problems


def test_every_page_of_the_syllabus_loads_in_the_browser(page, served_site, screenshots):
    pages = ["index.html"] + [f"lectures/{n}.html" for n in LECTURES] + [f"homework/{h}.html" for h in ASSIGNMENTS]
    problems = []
    for rel in pages:
        problems += [f"{rel}: {p}" for p in load(page, f"{served_site}/{rel}")]
        page.wait_for_selector("article mjx-container", state="attached", timeout=20_000)  # MathJax ran
        images = page.locator("article .cell_output img")
        if rel.startswith("lectures/"):
            assert images.count() > 0, rel
        if rel == "index.html":
            page.screenshot(path=screenshots / "site_landing.png")
        if rel == f"homework/{ASSIGNMENTS[0]}.html":
            page.locator(".tag_nbgrader-answer").first.scroll_into_view_if_needed()
            page.screenshot(path=screenshots / "site_homework.png")
    assert problems == []


def test_a_lecture_page_shows_its_figures(page, served_site, screenshots):
    assert load(page, f"{served_site}/lectures/03_energy_based_models.html") == []
    note = page.locator("div.admonition.note", has_text="live version needs JupyterLab").first
    note.scroll_into_view_if_needed()
    figure = page.locator("div.cell", has=page.locator(".cell_output img")).filter(
        has_text="gibbs_explorer").first.locator(".cell_output img").first
    box = figure.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150      # drawn at a readable size
    page.screenshot(path=screenshots / "site_lecture.png")


def test_search_finds_the_lecture_on_viterbi(page, served_site):
    assert load(page, f"{served_site}/search.html?q=Viterbi") == []
    page.wait_for_selector("#search-results li a", timeout=30_000)
    hits = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any("05_structured_prediction_sequences" in h for h in hits), hits


# ---------------------------------------------------------------- the builder on a tiny course

def tiny_course(root: Path, log: Path, lectures: dict[str, list[str]]) -> None:
    """A course folder with the given lectures (name -> code cells); each lecture appends
    its name to ``log`` when it runs, so the test sees what the builder executed."""
    (root / "course").mkdir(parents=True, exist_ok=True)
    (root / "lectures").mkdir(exist_ok=True)
    entries = []
    for name, cells in lectures.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}\n\nSee lecture 2.")]
        nb.cells += [nbformat.v4.new_code_cell(f"with open({str(log)!r}, 'a') as f:\n    f.write({name!r} + '\\n')")]
        nb.cells += [nbformat.v4.new_code_cell(code) for code in cells]
        path = root / "lectures" / f"{name}.ipynb"
        if not path.exists() or code_of(nbformat.read(path, as_version=4)) != code_of(nb):
            nbformat.write(nb, path)                                 # (an edit to the prose is kept)
        entries.append(f'[[lecture]]\nfile = "{name}.ipynb"\ntitle = "Title of {name}"\nbudget_s = 30\n')
    (root / "course" / "syllabus.toml").write_text("\n".join(entries))


def code_of(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def build_tiny(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "docs" / "site.py"), "--root", str(root), "--jobs", "1"],
                          capture_output=True, text=True, timeout=600)


def runs(log: Path) -> list[str]:
    lines = log.read_text().split() if log.exists() else []
    log.write_text("")
    return sorted(lines)


@pytest.mark.slow
def test_the_cache_executes_only_what_changed(tmp_path):
    root, log, work = tmp_path / "course", tmp_path / "runs.log", tmp_path / "course" / "build" / "site-work"
    lectures = {"01_one": ["print('one')"], "02_two": ["print(2 + 2)"]}

    def execute() -> dict:
        return site.execute_lectures(site.read_syllabus(root)[0], root, work, jobs=1)

    def printed(nb) -> str:
        return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)

    tiny_course(root, log, lectures)
    assert printed(execute()["02_two"]) == "4\n" and runs(log) == ["01_one", "02_two"]
    assert execute() and runs(log) == []                             # nothing changed: nothing runs

    nb = nbformat.read(root / "lectures" / "01_one.ipynb", as_version=4)
    nb.cells[0].source += "\n\nNew prose."
    nbformat.write(nb, root / "lectures" / "01_one.ipynb")
    merged = execute()["01_one"]
    assert runs(log) == []                                           # prose only: outputs reused
    assert "New prose." in merged.cells[0].source and printed(merged) == "one\n"

    tiny_course(root, log, dict(lectures, **{"02_two": ["print(3 + 3)"]}))
    assert printed(execute()["02_two"]) == "6\n" and runs(log) == ["02_two"]   # a changed lecture runs alone

    (root / "lib").mkdir()
    (root / "lib" / "helper.py").write_text("X = 1\n")
    assert execute() and runs(log) == ["01_one", "02_two"]           # the library changed: every lecture runs

    built = build_tiny(root)                                         # the pages, from the cache
    assert built.returncode == 0, built.stderr
    assert runs(log) == [] and "all 2 lectures cached" in built.stdout
    index = (root / "build" / "site" / "index.html").read_text()
    assert "Title of 01_one" in index and "Title of 02_two" in index
    page = soup(root / "build" / "site" / "lectures" / "01_one.html")
    assert "New prose." in page.get_text() and "one" in page.select_one(".cell_output").get_text()
    assert page.select_one('a[href="02_two.html"]'), "'lecture 2' in the prose links to lecture 2"
    assert "6" in soup(root / "build" / "site" / "lectures" / "02_two.html").select_one(".cell_output").get_text()


@pytest.mark.slow
def test_a_failing_lecture_fails_the_build_with_its_name_and_cell(tmp_path):
    root, log = tmp_path / "course", tmp_path / "runs.log"
    tiny_course(root, log, {"01_fine": ["x = 1"], "02_broken": ["y = 2", "raise ValueError('the data is gone')"]})
    result = build_tiny(root)
    assert result.returncode == 1
    assert "lectures/02_broken.ipynb failed at cell 4 of 4: ValueError: the data is gone" in result.stderr
    assert "raise ValueError" in result.stderr                       # the cell is shown
    assert not (root / "build" / "site" / "index.html").exists()


def test_a_syllabus_entry_without_its_notebook_is_a_clear_error(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "syllabus.toml").write_text('[[lecture]]\nfile = "09_missing.ipynb"\ntitle = "t"\n')
    with pytest.raises(site.SiteError, match=r"lists lectures/09_missing.ipynb, which does not exist"):
        site.read_syllabus(tmp_path)
