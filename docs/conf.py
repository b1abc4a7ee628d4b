"""Sphinx configuration of the snt documentation (build: ``python3 -m sphinx -W -b html docs docs/_build/html``)."""

import hashlib
import importlib
import inspect
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import snt  # noqa: E402

project = "snt"
author = "the snt developers"
copyright = "2026, the snt developers"
version = release = snt.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]

# numpydoc-style docstrings through napoleon
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"

# the science documents are Markdown with $$ display math
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# Area documents (docs/science/*.md) that SCIENCE.md's index links to before they are part of the repository: while
# one is missing its link cannot resolve. tests/test_docs.py checks every link between the documents independently
# of this build.
_area_links = re.findall(r"\]\((science/[\w-]+\.md)\)", (HERE / "SCIENCE.md").read_text(encoding="utf-8"))
_pending = any(not (HERE / p).is_file() for p in _area_links)
suppress_warnings = [
    # numpydoc "References" list the papers without citing them in the text
    "ref.citation",
    # type fields such as "(N,) ndarray": napoleon links each word, and N, g, gamma, sigma name attributes of
    # several classes
    "ref.python",
] + (["myst.xref_missing"] if _pending else [])

# A reference to a function, method, module or attribute that does not exist is an error (with -W). Type words of
# the numpydoc "Parameters" sections (ndarray, optional, SeedSequence, ...) are not checked, and neither are
# references into other projects: the build is offline, without their inventories.
nitpicky = True
nitpick_ignore_regex = [
    ("py:class", r".*"),
    (r"py:.*", r"(numpy|scipy|xarray|dask|distributed|sklearn|matplotlib|zarr|numba)(\..*)?"),
]

# Numpydoc "References" sections number their entries [1], [2], ... in every docstring; on a page with several
# docstrings these labels collide. Give each docstring's labels its own prefix (what numpydoc itself does).
_LABEL_DEF = re.compile(r"^(\s*\.\.\s+)\[([\w-]+)\]")
_LABEL_REF = re.compile(r"\[([\w-]+)\]_")


def _unique_reference_labels(app, what, name, obj, options, lines):
    labels = {m.group(2) for line in lines for m in [_LABEL_DEF.match(line)] if m}
    if not labels:
        return
    prefix = "R" + hashlib.md5(name.encode()).hexdigest()[:8] + "-"
    for i, line in enumerate(lines):
        line = _LABEL_DEF.sub(lambda m: f"{m.group(1)}[{prefix}{m.group(2)}]" if m.group(2) in labels else m.group(0),
                              line)
        lines[i] = _LABEL_REF.sub(lambda m: f"[{prefix}{m.group(1)}]_" if m.group(1) in labels else m.group(0), line)


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Members that scikit-learn attaches to estimators (set_fit_request, ...) are documented by scikit-learn."""
    module = getattr(obj, "__module__", "") or ""
    return True if module.startswith("sklearn") else None


#: The toctree of index.md that lists docs/science/*.md; it is left out of the build while that folder is empty
#: (an empty glob is a warning).
AREA_TOCTREE = """```{toctree}
:maxdepth: 1
:caption: Area documents
:glob:

science/*
```
"""


def _drop_empty_area_toctree(app, docname, source):
    if docname == "index" and not any((HERE / "science").glob("*.md")):
        source[0] = source[0].replace(AREA_TOCTREE, "")


def _documented_object(env, target, context):
    """The documented name of the object that ``target`` (looked up as written, then inside the current class
    and module) is, or None: ``snt.max_lyapunov`` is documented as ``snt.lyapunov.max_lyapunov``."""
    py = env.get_domain("py")
    if "_snt_by_id" not in env.temp_data:
        by_id = {}
        for name in py.objects:
            obj = _import(name)
            if obj is not None and _ours(obj):
                by_id.setdefault(id(obj), name)
        env.temp_data["_snt_by_id"] = by_id
    for name in [f"{c}.{target}" for c in context if c] + [target]:
        obj = _import(name) if name.startswith("snt.") else None
        if obj is not None and _ours(obj) and id(obj) in env.temp_data["_snt_by_id"]:
            return env.temp_data["_snt_by_id"][id(obj)]
    return None


def _ours(obj):
    """Modules, classes and functions of snt, and plain values (a table such as ``MODELS``); not numpy's float64
    held by an attribute, which would otherwise be mistaken for it."""
    if inspect.ismodule(obj):
        return obj.__name__.split(".")[0] == "snt"
    if inspect.isclass(obj) or callable(obj):
        return (getattr(obj, "__module__", "") or "").split(".")[0] == "snt"
    return isinstance(obj, (dict, tuple, list, str, int, float))


def _import(name):
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _resolve_reexports(app, env, node, contnode):
    if node.get("refdomain") != "py" or not node.get("reftarget", "").split(".")[0]:
        return None
    module, cls = node.get("py:module"), node.get("py:class")
    context = [f"{module}.{cls}" if module and cls else None, module]
    name = _documented_object(env, node["reftarget"], context)
    if name is None or name == node["reftarget"]:
        return None
    found = env.get_domain("py").resolve_any_xref(env, node["refdoc"], app.builder, name, node, contnode)
    return found[0][1] if found else None


def setup(app):
    app.connect("missing-reference", _resolve_reexports)
    app.connect("source-read", _drop_empty_area_toctree)
    app.connect("autodoc-process-docstring", _unique_reference_labels)
    app.connect("autodoc-skip-member", _skip_foreign_members)


html_theme = "alabaster"
html_static_path = []
html_title = f"snt {release}"
