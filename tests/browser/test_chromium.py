"""How the browser tests find their Chromium (chromium.py): an explicit CHROMIUM wins, then
the names on PATH; a missing one gives the one-line reason the tests skip with."""
import stat

import chromium


def fake_browser(folder, name):
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_chromium_on_path_is_found(tmp_path, monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    path = fake_browser(tmp_path, "chromium-browser")
    assert chromium.find() == str(path)


def test_an_explicit_chromium_wins_and_a_wrong_one_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    fake_browser(tmp_path, "chromium")
    chrome = fake_browser(tmp_path, "my-chrome")
    monkeypatch.setenv("CHROMIUM", str(chrome))
    assert chromium.find() == str(chrome)
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "nowhere"))
    assert chromium.find() is None
    assert chromium.why_missing() == f"CHROMIUM={tmp_path / 'nowhere'} is not a file"
    assert "\n" not in chromium.why_missing()
