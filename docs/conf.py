"""Sphinx configuration of the course site.  Built by ``docs/site.py`` (``make site``),
which executes the lectures, stages the pages and calls sphinx-build with ``-c docs``:
nothing here executes a notebook, and nothing is fetched from the network."""
from importlib.metadata import version as installed_version

project = "Energy-based models and structured prediction"
author = "the course authors"
copyright = "the course authors; code MIT, text and figures CC BY 4.0"
release = installed_version("energylab")

extensions = [
    "myst_nb",                     # notebooks and MyST markdown pages
    "sphinx.ext.autodoc",          # the library's API pages, from its docstrings
    "sphinx.ext.viewcode",         # ... with the highlighted source of every module
    "sphinx.ext.mathjax",
]
exclude_patterns = ["_notebooks"]  # the committed notebooks, offered for download only

# ---- notebooks: docs/site.py has executed the lectures (cached); homework is shown as released.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}              # no widget JavaScript from a CDN: the lectures' widgets render as static figures
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# ---- library pages
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"undoc-members": False}

# ---- HTML
html_theme = "sphinx_book_theme"
html_title = "Energy-based models & structured prediction"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = "%Y-%m-%d"
html_copy_source = False           # pages link to the committed notebooks instead
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
}

# ---- MathJax 3 served by the site itself (no CDN): the files come with the pinned
# sphinx-mathjax-offline package; only what tex-chtml.js loads is copied.
mathjax_path = "mathjax/tex-chtml.js"
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "adaptors"]


def copy_mathjax(app, exception):
    import importlib.util
    import shutil
    from pathlib import Path

    if exception is not None or app.builder.format != "html":
        return
    source = Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app):
    app.connect("build-finished", copy_mathjax)
