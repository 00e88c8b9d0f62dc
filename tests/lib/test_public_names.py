"""Habits that keep the library small and readable (issue 12):

* every public name of ``energylab`` (what a module lists in ``__all__``) and every public
  method of a public class has a docstring that says where the course uses it -- a lecture
  section ("Lecture 8 §3"), a homework ("homework 2") -- or that it is **library only**
  (a helper other modules or the tests need; the docstring says so with the words
  "Library only" and why);
* every public module-level name is used somewhere: in a lecture, in a solution (graded or
  hidden cells), or by another module of the library -- unless it is marked library only.
  A result type counts as used when a used function or method of its module returns it (its
  return annotation names it), and a name counts as used when a used public table of its
  module holds it (the loss zoo through ``LOSS_TABLE``).  A constant is marked library only by
  its ``#:`` doc comment.

A name nobody uses is dead code: delete it, or mark it and say why it stays.
"""
from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest

import energylab

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "lib" / "energylab"
WHERE = re.compile(r"Lecture \d+|[Hh]omework \d+|Library only")


def _modules():
    for info in pkgutil.walk_packages(energylab.__path__, prefix="energylab."):
        yield importlib.import_module(info.name)


def _public(module):
    """(name, object) for the names a module defines itself and lists in ``__all__``."""
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        home = getattr(obj, "__module__", module.__name__)
        if home == module.__name__ or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            if not (inspect.ismodule(obj)):
                yield name, obj


def _own_methods(cls):
    for name, attr in vars(cls).items():
        if name.startswith("_") or name == "forward":
            continue
        func = attr.fget if isinstance(attr, property) else getattr(attr, "__func__", attr)
        if inspect.isfunction(func):
            yield name, func


PUBLIC = [pytest.param(key, obj, id=".".join(key)) for key, obj in sorted(
    {(m.__name__, name): obj for m in _modules() for name, obj in _public(m)
     if inspect.isfunction(obj) or inspect.isclass(obj)}.items(), key=lambda item: item[0])]


def _documented(obj) -> bool:
    return bool(WHERE.search(inspect.getdoc(obj) or ""))


@pytest.mark.parametrize("key, obj", PUBLIC)
def test_public_docstrings_say_where_the_course_uses_them(key, obj):
    assert _documented(obj), f"{'.'.join(key)}: the docstring should name a lecture section, a homework or say 'Library only'"
    if inspect.isclass(obj) and not hasattr(obj, "_fields"):
        missing = [name for name, func in _own_methods(obj) if not _documented(func)]
        assert not missing, f"{'.'.join(key)}: methods without a lecture/homework/'Library only' in their docstring: {missing}"


def _notebook_code(folder: str) -> str:
    texts = []
    for path in sorted((ROOT / folder).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = json.loads(path.read_text())["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(texts)


USERS = {"lectures": _notebook_code("lectures"), "solutions": _notebook_code("solutions")}
SOURCES = {p: p.read_text() for p in LIB.rglob("*.py") if p.name != "__init__.py"}


def _module_file(module_name: str) -> Path:
    return Path(importlib.import_module(module_name).__file__).resolve()


ALL_PUBLIC = [pytest.param(key, obj, id=".".join(key)) for key, obj in sorted(
    {(m.__name__, name): obj for m in _modules() for name, obj in _public(m)}.items(), key=lambda item: item[0])]


def _library_only(module, name, obj) -> bool:
    if inspect.isfunction(obj) or inspect.isclass(obj):
        return "Library only" in (inspect.getdoc(obj) or "")
    lines = inspect.getsource(module).splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"{re.escape(name)}\s*[:=]", line):
            comment = []
            while i > 0 and lines[i - 1].lstrip().startswith("#:"):
                i -= 1
                comment.append(lines[i])
            return "Library only" in " ".join(comment)
    return False


def _word(name):
    return re.compile(rf"(?<![\w.]){re.escape(name)}\b|\.{re.escape(name)}\b")


def _returned_by(module, name):
    """Public functions and methods of ``module`` whose return annotation names ``name``."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    for other, obj in _public(module):
        funcs = [(other, obj)] if inspect.isfunction(obj) else []
        if inspect.isclass(obj):
            funcs = [(other, f) for _, f in _own_methods(obj)]
        for owner, func in funcs:
            if word.search(str(inspect.signature(func).return_annotation)):
                yield owner


def _held_by(module, name):
    """Public constants of ``module`` whose definition mentions ``name`` (tables of functions)."""
    import ast
    tree = ast.parse(inspect.getsource(module))
    public = set(getattr(module, "__all__", ()))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id in public and target.id != name and node.value is not None:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)):
                    yield target.id


def _used(module_name, name, seen=()) -> list[str]:
    module = importlib.import_module(module_name)
    word, home = _word(name), _module_file(module_name)
    users = [where for where, text in USERS.items() if word.search(text)]
    users += [str(path.relative_to(LIB)) for path, text in SOURCES.items() if path != home and word.search(text)]
    for owner in list(_returned_by(module, name)) + list(_held_by(module, name)):
        if owner not in seen and owner != name and _used(module_name, owner, seen + (name,)):
            users.append(f"{module_name}.{owner}")
    return users


@pytest.mark.parametrize("key, obj", ALL_PUBLIC)
def test_every_public_name_is_used_by_a_lecture_a_solution_or_another_module(key, obj):
    module_name, name = key
    if _library_only(importlib.import_module(module_name), name, obj):
        return
    assert _used(module_name, name), (f"{module_name}.{name} is used by no lecture, solution or other module: "
                                      f"delete it, or mark it 'Library only' (docstring, or #: comment for a "
                                      f"constant) and say why it stays")


def test_the_marking_has_power():
    """The two rules above would catch a new undocumented, unused function."""
    def shiny_new_helper():
        """Does something nobody asked for."""
    assert not _documented(shiny_new_helper)
    assert not any(_word("shiny_new_helper").search(text) for text in list(USERS.values()) + list(SOURCES.values()))
