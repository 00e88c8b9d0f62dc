"""Find, or install, the Chromium that the browser tests drive with Playwright.

Playwright's own ``playwright install`` downloads a browser build from the internet, which
a locked-down machine cannot reach, so the tests use a system Chromium instead:

* ``CHROMIUM=/path/to/chrome`` if set;
* else ``chromium``, ``chromium-browser``, ``google-chrome`` ... on ``PATH`` (Debian's
  ``chromium`` package), or Chrome/Chromium in ``/Applications`` on macOS;
* else a browser that ``playwright install chromium`` put in Playwright's cache.

``python tests/browser/chromium.py install`` (run by ``make test`` through ``make browser``)
installs Debian's ``chromium`` with apt when none is found and we are root; otherwise it
says why not, and the browser tests skip with that reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
              "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
# Headless in a container as root, on a machine without internet: no sandbox (root), no GPU,
# and none of the background requests (updates, sync, safe browsing) a closed network refuses.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
APT_PACKAGE = "chromium"


def find() -> str | None:
    """The path of a Chromium to drive, or None."""
    override = os.environ.get("CHROMIUM", "").strip()
    if override:
        return override if Path(override).is_file() else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    for path in MACOS_APPS:
        if Path(path).is_file():
            return path
    return _playwright_managed()


def _playwright_managed() -> str | None:
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:                                        # noqa: BLE001 - no driver, no browser
        return None
    return path if path and Path(path).is_file() else None


def why_missing() -> str:
    """One line for the skip reason."""
    if os.environ.get("CHROMIUM"):
        return f"CHROMIUM={os.environ['CHROMIUM']} is not a file"
    return ("no Chromium found (none of " + ", ".join(NAMES) + " on PATH); `make browser` installs "
            "Debian's chromium as root, or set CHROMIUM=/path/to/chrome")


def install() -> int:
    """Make sure a Chromium is there; install Debian's package when we can.  Never fails the
    build on a machine where installing is impossible: the tests then skip (or fail on CI)."""
    found = find()
    if found:
        print(f"browser: using {found}")
        return 0
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"browser: {why_missing()}; the browser tests will skip")
        return 0
    print(f"browser: installing Debian's {APT_PACKAGE} for the browser tests (apt-get, about a minute)", flush=True)
    start = time.perf_counter()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", APT_PACKAGE]
    ok = subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode == 0
    if not ok:                                               # a fresh machine: no package lists yet
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        ok = subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode == 0
    found = find()
    if not ok or not found:
        print(f"browser: apt-get could not install {APT_PACKAGE}; the browser tests will skip")
        return 0
    print(f"browser: installed {found} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        sys.exit(install())
    path = find()
    print(path or why_missing())
    sys.exit(0 if path else 1)
