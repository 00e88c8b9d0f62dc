"""The two README commands and the files behind them: pins agree, targets exist,
CI calls the README's test command, and `make lab` serves the course."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def read_pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if "==" in line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_environment_yml_pins_agree_with_constraints():
    constraints = read_pins((ROOT / "constraints.txt").read_text().splitlines())
    conda = read_pins(l for l in (ROOT / "environment.yml").read_text().splitlines() if "==" in l)
    assert conda, "environment.yml pins nothing"
    assert {k: v for k, v in conda.items() if constraints.get(k) != v} == {}
    assert constraints["torch"] == "2.13.0" and constraints["nbgrader"] == "0.9.6"
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    constraints = read_pins((ROOT / "constraints.txt").read_text().splitlines())
    names = [re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ]", d)[0]).lower() for d in declared]
    assert [n for n in names if n not in constraints] == []


def test_makefile_has_the_course_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in "setup lab test release autograde feedback grades bench site".split():
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    commands = [l for l in (ROOT / ".ci" / "run").read_text().splitlines()
                if l.strip() and not l.lstrip().startswith("#") and not l.startswith(("set ", "cd "))]
    assert commands == ["make test"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_course():
    port, token = free_port(), "energylab-test"
    args = f"--no-browser --port={port} --ip=127.0.0.1 --IdentityProvider.token={token}"
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        status = None
        while time.time() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    status = json.load(r)
            except OSError:
                time.sleep(1)
        assert status is not None, "JupyterLab did not answer /api/status within 120 s"

        def listing(folder):
            with urllib.request.urlopen(f"{base}/api/contents/{folder}?token={token}", timeout=10) as r:
                return {item["name"] for item in json.load(r)["content"]}

        assert {"lectures", "assignments", "README.md"} <= listing("")
        assert "01_structured_outputs.ipynb" in listing("lectures")
        assert "hw1_mdn" in listing("assignments")
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10) as r:
            assert r.status == 200 and b"JupyterLab" in r.read()
    finally:
        import os
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
