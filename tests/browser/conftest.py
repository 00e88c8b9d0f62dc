"""Fixtures of the real-browser tests: one headless Chromium (Playwright) and one JupyterLab
server started with the README's ``make lab``, both for the whole test session; and the
course site built once with ``make site``.

Without a Chromium the browser tests skip with a one-line reason (see ``chromium.py``);
on CI (``CI`` set) they fail instead, since CI must run them for real."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chromium  # noqa: E402  (tests/browser/chromium.py)
from course_paths import ROOT, SCRATCH, SCREENSHOTS  # noqa: E402

LAB_START_TIMEOUT_S = 120


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = chromium.find()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests, but {chromium.why_missing()}")
        pytest.skip(chromium.why_missing())
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=chromium.LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.call_failed = report.failed


@pytest.fixture
def page(browser, request):
    """A fresh page (own context: no cookies or storage from other tests), 1400×900.  When the
    test fails, what the page showed is saved in build/browser-tests/screenshots/failed-*.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    if getattr(request.node, "call_failed", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"failed-{request.node.name}.png")
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """build/browser-tests/screenshots/: what the tests saw, to look at (and on CI, to debug)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("failed-*.png"):
        old.unlink()
    return SCREENSHOTS


# ---------------------------------------------------------------- JupyterLab

@dataclass
class Lab:
    url: str
    token: str

    def open(self, page, path: str = "") -> None:
        """Open ``path`` (relative to the repository) in a fresh workspace."""
        target = f"{self.url}/lab/tree/{path}" if path else f"{self.url}/lab"
        page.goto(f"{target}?token={self.token}&reset")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_settings(folder: Path) -> None:
    """JupyterLab user settings for the test server; everything else is the default.
    No news feed or update check (no internet here, and the prompt would cover the page);
    every cell attached to the page (windowing "none"), so that the n-th cell on the page is
    the n-th cell of the notebook and cells do not move while the test scrolls."""
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "notebook-extension/tracker": {"windowingMode": "none"},
    }
    for plugin, values in settings.items():
        path = folder / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium_path):
    """``make lab`` on a free port with a known token, serving the repository."""
    home = tmp_path_factory.mktemp("lab")
    lab_settings(home / "settings")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "ENERGYLAB_STATIC")}  # as a student has it
    env.update(JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --port={port} --ip=127.0.0.1 --IdentityProvider.token={token}"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    log = open(SCRATCH / "lab.log", "w")
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + LAB_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"make lab did not serve {url} within {LAB_START_TIMEOUT_S} s; "
                                f"see {SCRATCH / 'lab.log'}")
                time.sleep(0.5)
        yield Lab(url, token)
    finally:
        try:                                                # graceful: the server shuts its kernels down
            request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10)
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()


# ---------------------------------------------------------------- the site

@pytest.fixture(scope="session")
def built_site() -> Path:
    """``make site`` (cached: only lectures whose code or library changed execute)."""
    start = time.perf_counter()
    result = subprocess.run(["make", "-s", "site", "SITE_JOBS=1"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"make site failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    print(f"make site: {time.perf_counter() - start:.0f} s\n{result.stdout[-2000:]}")
    return ROOT / "build" / "site"
