"""Build the course as a static, offline website: ``make site`` -> ``build/site/``.

Three steps, all driven by ``course/syllabus.toml`` (no per-lecture configuration):

1. **Execute** every lecture from a fresh ``python3`` kernel, exactly as the notebook
   tests do (cwd = ``lectures/``, one torch thread, the inline matplotlib backend so
   that figures are recorded) but with ``ENERGYLAB_STATIC=1``, so that a widget
   explorer draws its static figure.  Executions are cached in
   ``build/site-work/executed/``: the key is a hash of the lecture's *code* cells, the
   library's sources and the pinned versions, so a second build with nothing changed
   executes nothing, a changed lecture re-executes alone, and a changed library
   re-executes every lecture (their figures come from it).  A prose-only edit keeps
   the cached outputs.  A lecture that fails stops the build with its name, the cell
   number and the error.
2. **Stage** the Sphinx sources in ``build/site-work/src/``: the landing page with the
   syllabus, the executed lectures (with a "run it yourself" box, a list of the
   library code each lecture uses with links to its source, links between lectures,
   and a note on every widget cell), the homework as *released* (``assignments/``,
   never ``solutions/``), and one API page per library module.
3. **Render** with Sphinx + myst-nb (execution off: step 1 did it) into ``build/site/``.

Run ``python docs/site.py --help`` for the options (other folders, parallel jobs).
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import hashlib
import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import nbformat

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
CELL_TIMEOUT_S = 600          # per cell; the lectures' own budgets are checked by tests/notebooks
KERNEL = "python3"
# Output of a kernel that runs a lecture for the site (the notebook tests use the same,
# without ENERGYLAB_STATIC).
KERNEL_ENV = {
    "ENERGYLAB_STATIC": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
WIDGET_CODE = re.compile(r"\b(ipywidgets|interact|interactive|\w+_explorer)\b")


class SiteError(RuntimeError):
    """The site cannot be built; the message says which file and why."""


@dataclass(frozen=True)
class Page:
    kind: str            # "lecture" or "homework"
    number: int
    title: str
    source: Path         # the committed notebook
    name: str            # page name inside its folder, e.g. "03_energy_based_models"
    points: int | None = None

    @property
    def docname(self) -> str:
        return f"{'lectures' if self.kind == 'lecture' else 'homework'}/{self.name}"

    @property
    def label(self) -> str:
        return f"Lecture {self.number}" if self.kind == "lecture" else f"Homework {self.number}"


# ---------------------------------------------------------------- syllabus

def read_syllabus(root: Path) -> tuple[list[Page], list[Page]]:
    """The lectures and homework listed in ``course/syllabus.toml``, in order."""
    path = root / "course" / "syllabus.toml"
    if not path.is_file():
        raise SiteError(f"{path}: no syllabus (expected course/syllabus.toml)")
    syllabus = tomllib.loads(path.read_text())
    lectures, homework = [], []
    for entry in syllabus.get("lecture", []):
        source = root / "lectures" / entry["file"]
        match = re.match(r"(\d+)_", entry["file"])
        if not match:
            raise SiteError(f"{path}: lecture file {entry['file']!r} does not start with its number (NN_topic.ipynb)")
        if not source.is_file():
            raise SiteError(f"{path} lists lectures/{entry['file']}, which does not exist")
        lectures.append(Page("lecture", int(match.group(1)), entry["title"], source, source.stem))
    for entry in syllabus.get("assignment", []):
        source = root / "assignments" / entry["id"] / f"{entry['id']}.ipynb"
        match = re.match(r"hw(\d+)_", entry["id"])
        if not match:
            raise SiteError(f"{path}: assignment id {entry['id']!r} is not of the form hwN_topic")
        if not source.is_file():
            raise SiteError(f"{path} lists assignment {entry['id']}, but the release "
                            f"assignments/{entry['id']}/{entry['id']}.ipynb does not exist (make release)")
        homework.append(Page("homework", int(match.group(1)), entry["title"], source, entry["id"],
                             entry.get("points")))
    if not lectures:
        raise SiteError(f"{path} lists no lectures")
    return lectures, homework


# ---------------------------------------------------------------- execution (cached)

def environment_hash(root: Path) -> str:
    """What every lecture's outputs depend on besides its own code: the library's sources
    and the pinned versions."""
    return files_hash(root, sorted((root / "lib").rglob("*.py")) + [root / "constraints.txt"])


def files_hash(root: Path, files) -> str:
    digest = hashlib.sha256()
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def execution_key(nb, env_hash: str) -> str:
    """Cache key of one lecture: its code cells, the kernel, and ``env_hash``."""
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    payload = json.dumps({"code": code, "kernel": KERNEL, "env": env_hash, "kernel_env": KERNEL_ENV})
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def execute(source: str) -> dict:
    """Run one notebook cell by cell in a fresh kernel (in a worker process).  Returns the
    executed notebook, or the failing cell's number and error."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(source)
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="site-kernel-") as sockets:        # short absolute socket paths
        km = KernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(sockets, "k"))  # not TCP
        client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            with client.setup_kernel(env=dict(os.environ, **KERNEL_ENV)):
                for index, cell in enumerate(nb.cells):
                    try:
                        client.execute_cell(cell, index)
                    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
                        return {"failed_cell": f"cell {index + 1} of {len(nb.cells)}",
                                "error": _short_error(error, cell)}
        finally:
            if km.has_kernel:                              # nbclient leaves a kernel manager it did not make
                km.shutdown_kernel(now=True)
    return {"notebook": nbformat.writes(nb), "seconds": time.perf_counter() - start}


def _short_error(error: Exception, cell) -> str:
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    if getattr(error, "ename", None):
        message = f"{error.ename}: {error.evalue}"
    else:
        message = f"{type(error).__name__}: {str(error).strip().splitlines()[-1]}"
    return f"{message}\n    (the cell begins: {first_line})"


def execute_lectures(lectures: list[Page], root: Path, work: Path, jobs: int) -> dict[str, nbformat.NotebookNode]:
    """Executed notebooks by page name; only lectures whose key is not cached are run."""
    cache = work / "executed"
    cache.mkdir(parents=True, exist_ok=True)
    env_hash = environment_hash(root)
    executed, todo = {}, {}
    for page in lectures:
        nb = nbformat.read(page.source, as_version=4)
        cached = cache / f"{page.name}.{execution_key(nb, env_hash)}.ipynb"
        if cached.is_file():
            executed[page.name] = merge_outputs(nb, nbformat.read(cached, as_version=4))
        else:
            todo[page.name] = (page, nb, cached)
    if not todo:
        print(f"site: all {len(lectures)} lectures cached (nothing to execute)", flush=True)
        return executed
    print(f"site: executing {len(todo)} of {len(lectures)} lectures "
          f"({', '.join(todo)}) with {jobs} job(s)", flush=True)
    failures = []
    for name, result in execute_all({name: str(page.source) for name, (page, _, _) in todo.items()}, jobs):
        page, nb, cached = todo[name]
        if "failed_cell" in result:
            failures.append(f"lectures/{page.source.name} failed at {result['failed_cell']}: {result['error']}")
            print(f"site: FAILED {failures[-1]}", file=sys.stderr, flush=True)
            continue
        out = nbformat.reads(result["notebook"], as_version=4)
        out.metadata["energylab_site"] = {"execution_seconds": round(result["seconds"], 1)}
        for stale in cache.glob(f"{page.name}.*.ipynb"):
            stale.unlink()
        nbformat.write(out, cached)
        executed[name] = merge_outputs(nb, out)
        print(f"site: executed lectures/{page.source.name} in {result['seconds']:.1f} s", flush=True)
    if failures:
        raise SiteError("a lecture failed to execute; the site was not built:\n  " + "\n  ".join(failures))
    return executed


def execute_all(sources: dict[str, str], jobs: int):
    """(name, result of :func:`execute`) as each finishes: one at a time in this process, or
    ``jobs`` at once in worker processes."""
    if jobs == 1:
        for name, source in sources.items():
            yield name, execute(source)
        return
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute, source): name for name, source in sources.items()}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()


def merge_outputs(nb, executed):
    """The committed notebook (current prose) with the executed notebook's outputs: their
    code cells are identical, since the cache key covers them."""
    runs = [c for c in executed.cells if c.cell_type == "code"]
    for cell, run in zip((c for c in nb.cells if c.cell_type == "code"), runs):
        cell.outputs, cell.execution_count = run.outputs, run.execution_count
    nb.metadata["energylab_site"] = executed.metadata.get("energylab_site", {})
    return nb


# ---------------------------------------------------------------- staging

def markdown_cell(text: str, tag: str):
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["energylab_site"] = tag            # inserted by the site, not in the lecture
    return cell


_PROTECTED = re.compile(r"(```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]*>|^#.*$)",
                        re.S | re.M)
_MENTION = re.compile(r"\b(Lecture|lecture|Homework|homework)\s+(\d{1,2})\b")


def link_mentions(text: str, targets: dict[tuple[str, int], str]) -> str:
    """Turn "Lecture 4" / "homework 2" into links to those pages, outside code, math,
    existing links and headings."""
    def link(match):
        kind = "lecture" if match.group(1).lower() == "lecture" else "homework"
        target = targets.get((kind, int(match.group(2))))
        return f"[{match.group(0)}]({target})" if target else match.group(0)

    parts = _PROTECTED.split(text)
    return "".join(part if i % 2 else _MENTION.sub(link, part) for i, part in enumerate(parts))


def library_objects(nb) -> dict[str, object]:
    """Every public ``energylab`` module, class or function a notebook imports or calls as
    ``module.name``, by its full name where it is defined (``energylab.models.mlp_energy.MLPEnergy``)."""
    modules, objects = {}, {}                         # modules: the notebook's names for them

    def add(obj) -> None:
        if isinstance(obj, ModuleType):
            name = obj.__name__
        elif callable(obj) and hasattr(obj, "__qualname__"):
            name = f"{obj.__module__}.{obj.__qualname__}"
        else:
            return                                    # constants (colours, tables) have no page
        if name.split(".")[0] == "energylab" and not any(part.startswith("_") for part in name.split(".")):
            objects[name] = obj

    for cell in nb.cells:
        try:
            tree = ast.parse(cell.source) if cell.cell_type == "code" else None
        except SyntaxError:                           # IPython magics
            tree = None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "energylab":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    obj = getattr(module, alias.name, None)
                    if obj is None and hasattr(module, "__path__"):      # a submodule: import it, as Python does
                        obj = importlib.import_module(f"{node.module}.{alias.name}")
                    if isinstance(obj, ModuleType):
                        modules[alias.asname or alias.name] = obj
                    add(obj)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "energylab":
                        modules[alias.asname or alias.name] = importlib.import_module(alias.name)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                add(getattr(modules[node.value.id], node.attr, None))
    return dict(sorted(objects.items()))


def library_box(nb, depth: int) -> str | None:
    """Markdown: the library code this notebook uses, each linked to its API entry and source."""
    objects = library_objects(nb)
    if not objects:
        return None
    lines = []
    for full, obj in objects.items():
        if isinstance(obj, ModuleType):
            lines.append(f"- {{py:mod}}`{full}`")
        else:
            source = f"{'../' * depth}_modules/{obj.__module__.replace('.', '/')}.html#{obj.__qualname__}"
            lines.append(f"- {{py:obj}}`{obj.__qualname__} <{full}>` in `{obj.__module__}` "
                         f"(<a href=\"{source}\">source</a>)")
    return (":::{admonition} The library code this page uses\n:class: seealso\n"
            "Every `energylab` name the code below calls, with its documentation and its source:\n\n"
            + "\n".join(lines) + "\n:::")


_REMOTE_ASSET = re.compile(r"<(link|script)\b[^>]*\b(href|src)=[\"'](https?:)?//[^>]*>(\s*</script>)?", re.I)


def strip_remote_assets(nb) -> None:
    """Drop stylesheets and scripts that HTML outputs load from the internet (matplotlib's
    animation player asks a CDN for Font Awesome; the theme already serves it)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html:
                text = html if isinstance(html, str) else "".join(html)
                output["data"]["text/html"] = _REMOTE_ASSET.sub("", text)


def stage_lecture(page: Page, nb, targets, root: Path) -> nbformat.NotebookNode:
    rel = page.source.relative_to(root)
    strip_remote_assets(nb)
    seconds = nb.metadata.get("energylab_site", {}).get("execution_seconds")
    ran = f" This page was executed from a fresh kernel in {seconds:.0f} s." if seconds else ""
    header = (f":::{{admonition}} Run it yourself\n:class: tip\n"
              f"This is `{rel}` with its outputs.{ran} To run and change it, open the course "
              f"in JupyterLab (`make lab`, see [how to run it](../index.md#run-it-yourself)) "
              f"and open `{rel}`; {{download}}`download the notebook <{download_path(page)}>`.\n:::")
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = link_mentions(cell.source, {k: f"../{v}" for k, v in targets.items()})
        if cell.cell_type == "code" and WIDGET_CODE.search(cell.source):
            cells.append(markdown_cell(
                ":::{note}\nIn JupyterLab the next cell is a **live widget** (sliders and menus that redraw the "
                "figure). This page shows the static figure the same code draws without a live kernel; "
                f"the live version needs JupyterLab: open `{rel}` there.\n:::", "widget-note"))
        cells.append(cell)
        if i == 0:
            cells.append(markdown_cell(header, "header"))
            box = library_box(nb, depth=1)
            if box:
                cells.append(markdown_cell(box, "library"))
    nb.cells = cells
    return nb


def stage_homework(page: Page, targets) -> nbformat.NotebookNode:
    nb = nbformat.read(page.source, as_version=4)
    rel = f"assignments/{page.name}/{page.name}.ipynb"
    header = (f":::{{admonition}} The assignment as students receive it\n:class: tip\n"
              f"This is `{rel}`, the nbgrader release: the cells marked `# YOUR CODE HERE` are yours, the "
              f"locked cells below them are the visible tests. Work on it in JupyterLab (`make lab`), run "
              f"the visible tests, and press nbgrader's **Validate** before you hand it in. Hidden tests "
              f"are added when it is graded. {{download}}`Download the notebook <{download_path(page)}>`.\n:::")
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = link_mentions(cell.source, {k: f"../{v}" for k, v in targets.items()})
        role = nbgrader_role(cell)
        if role:
            cell.metadata.setdefault("tags", []).append(role)    # myst-nb: CSS class tag_<role>
        cells.append(cell)
        if i == 0:
            cells.append(markdown_cell(header, "header"))
    nb.cells = cells
    nb.metadata["mystnb"] = {"execution_mode": "off"}
    return nb


def nbgrader_role(cell) -> str | None:
    """The part a homework cell plays, for the page's styling: the student's answer or the
    visible tests."""
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "nbgrader-answer"
    if meta.get("grade"):
        return "nbgrader-tests"
    return None


def download_path(page: Page) -> str:
    """The committed notebook (no outputs, no site notes), as offered for download."""
    return f"../_notebooks/{page.docname}.ipynb"


def landing_page(lectures: list[Page], homework: list[Page]) -> str:
    template = (DOCS / "landing.md").read_text()
    rows = ["| | Lecture |", "|---|---|"] + [
        f"| {p.number} | [{p.title}]({p.docname}.ipynb) |" for p in lectures]
    hw_rows = ["| | Homework | Points |", "|---|---|---|"] + [
        f"| {p.number} | [{p.title}]({p.docname}.ipynb) | {p.points or ''} |" for p in homework]
    syllabus = "\n".join(rows) + "\n\n" + "\n".join(hw_rows)
    toctrees = "\n\n".join([
        toctree("Lectures", [p.docname for p in lectures]),
        toctree("Homework", [p.docname for p in homework]),
        toctree("Reference", ["library/index", "about"]),
    ])
    return template.replace("<!-- syllabus -->", syllabus) + "\n\n" + toctrees + "\n"


def toctree(caption: str, entries: list[str]) -> str:
    return "```{toctree}\n:hidden:\n:caption: " + caption + "\n\n" + "\n".join(entries) + "\n```"


def library_pages() -> dict[str, str]:
    """One page per public module of ``energylab`` (autodoc + viewcode), and an index."""
    import energylab

    names = ["energylab"] + [m.name for m in pkgutil.walk_packages(energylab.__path__, "energylab.")
                             if not any(part.startswith("_") for part in m.name.split("."))]
    pages = {}
    for name in names:                               # reStructuredText: autodoc writes rST
        module = importlib.import_module(name)
        is_package = hasattr(module, "__path__")
        # A package lists its re-exports in __all__: document only what it defines itself
        # (the rest is documented once, in its own module).
        options = "   :members:\n   :show-inheritance:\n" + ("   :ignore-module-all:\n" if is_package else "")
        title = f"``{name}``"
        body = f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n{options}"
        if is_package:
            children = [n for n in names if n.rsplit(".", 1)[0] == name]
            body += "\nModules:\n\n" + "\n".join(f"- :doc:`{c}`" for c in children) + "\n"
        pages[f"library/{name}.rst"] = body
    index = ("# The library: `energylab`\n\nEvery model, sampler, loss and plot the lectures use, "
             "with its docstring (the lecture's equation) and a link to its source.\n\n"
             "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(names) + "\n```\n")
    pages["library/index.md"] = index
    return pages


def about_page(lectures: list[Page], executed) -> str:
    rows = ["| Lecture | Executed in |", "|---|---|"]
    for page in lectures:
        seconds = executed[page.name].metadata.get("energylab_site", {}).get("execution_seconds")
        rows.append(f"| [{page.label}]({page.docname}.ipynb) | {seconds:.0f} s |" if seconds else
                    f"| [{page.label}]({page.docname}.ipynb) | (unknown) |")
    return ((DOCS / "about.md").read_text().replace("<!-- execution times -->", "\n".join(rows)))


def write_if_changed(path: Path, text: str) -> None:
    """Keep Sphinx incremental: an unchanged source keeps its timestamp."""
    if path.is_file() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def stage(root: Path, src: Path, lectures, homework, executed, with_library: bool) -> None:
    targets = {(p.kind, p.number): f"{p.docname}.ipynb" for p in lectures + homework}
    files: dict[str, str] = {}
    for page in lectures:
        nb = stage_lecture(page, executed[page.name], targets, root)
        files[f"{page.docname}.ipynb"] = nbformat.writes(nb)
    for page in homework:
        files[f"{page.docname}.ipynb"] = nbformat.writes(stage_homework(page, targets))
    for page in lectures + homework:
        files[f"_notebooks/{page.docname}.ipynb"] = page.source.read_text()
    files["index.md"] = landing_page(lectures, homework)
    files["about.md"] = about_page(lectures, executed)
    if with_library:
        files.update(library_pages())
    else:
        files["library/index.md"] = "# The library\n\n(not part of this build)\n"
    for stale in [p for p in src.rglob("*") if p.is_file() and str(p.relative_to(src)) not in files]:
        stale.unlink()                               # e.g. a lecture removed from the syllabus
    for rel, text in files.items():
        write_if_changed(src / rel, text)


# ---------------------------------------------------------------- render

def render(src: Path, out: Path, work: Path, root: Path) -> None:
    """sphinx-build, incremental: only changed pages are re-read.  When the library or this
    builder changed, every page is re-read (-E): cross-references into the library may move."""
    stamp = work / "doctrees" / "energylab-inputs"
    inputs = environment_hash(root) + files_hash(DOCS, sorted(p for p in DOCS.rglob("*") if p.is_file()))
    fresh = ["-E"] if not stamp.is_file() or stamp.read_text() != inputs else []
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", *fresh, "-c", str(DOCS),
               "-d", str(work / "doctrees"), str(src), str(out)]
    result = subprocess.run(command, env=dict(os.environ, **KERNEL_ENV))
    if result.returncode != 0:
        raise SiteError(f"sphinx-build failed (exit {result.returncode}); see the messages above")
    stamp.write_text(inputs)


@contextlib.contextmanager
def exclusive(work: Path):
    """One build at a time per work folder (two `make site`, or the tests beside a build)."""
    work.mkdir(parents=True, exist_ok=True)
    with open(work / ".lock", "w") as lock:
        try:
            import fcntl
        except ImportError:                                  # Windows: no lock, no parallel builds
            yield
            return
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(root: Path = REPO, out: Path | None = None, work: Path | None = None, jobs: int = 1) -> Path:
    root = root.resolve()
    out = (out or root / "build" / "site").resolve()
    work = (work or root / "build" / "site-work").resolve()
    start = time.perf_counter()
    lectures, homework = read_syllabus(root)
    with exclusive(work):
        executed = execute_lectures(lectures, root, work, jobs)
        stage(root, work / "src", lectures, homework, executed, with_library=(root / "lib" / "energylab").is_dir())
        render(work / "src", out, work, root)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"site: built {out} ({len(lectures)} lectures, {len(homework)} assignments, "
          f"{size / 2**20:.0f} MiB) in {time.perf_counter() - start:.0f} s", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the course repository (default: this one)")
    parser.add_argument("--out", type=Path, help="where the site goes (default: ROOT/build/site)")
    parser.add_argument("--work", type=Path, help="cache and staging folder (default: ROOT/build/site-work)")
    default_jobs = max(1, min(4, (os.cpu_count() or 2) // 2))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("SITE_JOBS", default_jobs)),
                        help=f"lectures executed at once (default: SITE_JOBS or {default_jobs})")
    args = parser.parse_args(argv)
    try:
        build(args.root, args.out, args.work, max(1, args.jobs))
    except SiteError as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
