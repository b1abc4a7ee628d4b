"""Every citation of the science documents in the repository resolves to something the repository defines.

Citations are searched in the package, the README, the notebooks, the analysis scripts and results, the docs,
the tests and the benchmarks:

* equations ``E<n>`` (also ranges ``E7-E11``, ``E7--E11``, ``E1..E13``) must be labelled ``(E<n>)`` in
  docs/SCIENCE.md;
* sections ``§<n>`` / ``§<n>.<m>`` must be a numbered heading of the document named just before them on the
  same line (``CLASSIFIERS.md §1.4``), else of the citing document itself when it is one, else of SCIENCE.md;
* every ``*.md`` file named must exist (a bare name anywhere in the repository, a path relative to the root or
  to the citing file);
* ``docs/science/<area>.md (X<n>)`` must be labelled ``(X<n>)`` in that file.

An equation label is defined by a line that starts with it (after markdown decoration such as ``**``, ``#``,
``-``), a line that ends with ``$$ (X<n>)`` (MyST's labelled display math) or a heading containing it.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCIENCE = ROOT / "docs" / "SCIENCE.md"
SCAN = ("snt", "README.md", "notebooks", "analysis", "docs", "tests", "benchmarks")
SUFFIXES = {".py", ".md", ".ipynb", ".toml", ".json", ".rst", ".txt"}
SELF = Path(__file__).resolve()
#: Area documents that docs/SCIENCE.md's index links to before they are part of the repository.
PENDING = ("docs/science/plasticity.md", "docs/science/stochastic.md", "docs/science/spectral.md")

_EQ = r"[A-Z]\d+"
_DEF_LINE = re.compile(rf"^[\s>*#_-]*\(({_EQ})\)")
_DEF_MYST = re.compile(rf"\$\$\s*\(({_EQ})\)\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?(?:\s|$)")
_MD = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.md)\b")
_NOQA = re.compile(r"noqa\b.*$")
_E_RANGE = re.compile(r"\bE(\d+)\s*(?:--|-|–|\.\.)\s*E(\d+)\b")
_E_SINGLE = re.compile(r"\bE(\d+)\b")
_SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)")
_AREA = re.compile(rf"(docs/science/[\w-]+\.md)\s*\(\s*({_EQ}(?:\s*(?:,|--|-|–)\s*{_EQ})*)\s*\)")


# ----------------------------------------------------------------------------------------------------------
# what a document defines
# ----------------------------------------------------------------------------------------------------------

def definitions(text):
    """(equation labels, section numbers) defined by a markdown document, with the labels in order."""
    labels, sections = [], set()
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            number = _SECTION_NUMBER.match(heading.group(1))
            if number:
                sections.add(number.group(1))
            labels.extend(re.findall(rf"\(({_EQ})\)", heading.group(1)))
            continue
        for pattern in (_DEF_LINE, _DEF_MYST):
            m = pattern.search(line)
            if m:
                labels.append(m.group(1))
    return labels, sections


class Documents:
    """The markdown documents of a repository, read lazily, and what each defines."""

    def __init__(self, root):
        self.root = Path(root)
        self._cache = {}
        self._by_name = {}
        for p in self.root.rglob("*.md"):
            if ".git" not in p.parts:
                self._by_name.setdefault(p.name, []).append(p)

    def locate(self, name, citing=None):
        """The file a citation ``name`` refers to, or None."""
        if "/" in name:
            for base in ([citing.parent] if citing is not None else []) + [self.root]:
                p = (base / name).resolve()
                if p.is_file():
                    return p
            return None
        if citing is not None and (citing.parent / name).is_file():
            return (citing.parent / name).resolve()
        found = self._by_name.get(name, [])
        return found[0].resolve() if len(found) == 1 else (self._prefer_docs(found) if found else None)

    def _prefer_docs(self, found):
        docs = [p for p in found if "docs" in p.relative_to(self.root).parts]
        return (docs or found)[0].resolve()

    def defined(self, path):
        if path not in self._cache:
            labels, sections = definitions(Path(path).read_text(encoding="utf-8"))
            self._cache[path] = (set(labels), sections)
        return self._cache[path]


# ----------------------------------------------------------------------------------------------------------
# what a text cites
# ----------------------------------------------------------------------------------------------------------

def problems(text, citing, docs, science):
    """Unresolved citations of ``text`` (a file ``citing`` of the repository) as readable strings."""
    out = []
    rel = _relative(citing, docs.root)
    is_doc = citing.suffix == ".md"
    science_labels = docs.defined(science)[0] if science.is_file() else set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = _NOQA.sub("", raw)
        where = f"{rel}:{lineno}"
        # files
        for m in _MD.finditer(line):
            name = m.group(1)
            if docs.locate(name, citing) is None and not _pending_link(name, citing, docs.root):
                out.append(f"{where}: {name} is not in the repository")
        # equations of SCIENCE.md
        cited = set()
        for m in _E_RANGE.finditer(line):
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                out.append(f"{where}: empty range E{a}-E{b}")
            cited.update(range(a, b + 1))
        cited.update(int(n) for n in _E_SINGLE.findall(line))
        for n in sorted(cited):
            if f"E{n}" not in science_labels:
                out.append(f"{where}: E{n} is not defined in {_relative(science, docs.root)}")
        # equations of the area documents
        for m in _AREA.finditer(line):
            target = docs.locate(m.group(1), citing)
            if target is None:
                continue  # reported above as a missing file
            labels = docs.defined(target)[0]
            for label in _expand(m.group(2)):
                if label not in labels:
                    out.append(f"{where}: {label} is not defined in {m.group(1)}")
        # sections
        for m in _SECTION.finditer(line):
            doc = _section_document(line[:m.start()], citing, is_doc, docs, science)
            if doc is None:
                continue  # the document itself is reported missing above
            if m.group(1) not in docs.defined(doc)[1]:
                out.append(f"{where}: §{m.group(1)} is not a section of {_relative(doc, docs.root)}")
    return out


def _expand(labels):
    """'P1, P3-P5' -> ['P1', 'P3', 'P4', 'P5']."""
    out = []
    for part in re.split(r"\s*,\s*", labels):
        r = re.fullmatch(r"([A-Z])(\d+)\s*(?:--|-|–)\s*([A-Z])(\d+)", part)
        if r and r.group(1) == r.group(3):
            out.extend(f"{r.group(1)}{n}" for n in range(int(r.group(2)), int(r.group(4)) + 1))
        else:
            out.append(part)
    return out


def _section_document(before, citing, is_doc, docs, science):
    names = _MD.findall(before)
    if names:
        return docs.locate(names[-1], citing)
    if is_doc:
        return citing.resolve()
    return science


def _pending_link(name, citing, root):
    """A link of docs/SCIENCE.md's index to an area document that is not in the repository yet."""
    if citing.resolve() != (root / "docs" / "SCIENCE.md").resolve():
        return False
    targets = {(citing.parent / name).resolve(), (root / name).resolve()}
    return any((root / p).resolve() in targets for p in PENDING)


def _relative(path, root):
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def _text(path):
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n".join("".join(c.get("source", [])) for c in nb.get("cells", []))
    return path.read_text(encoding="utf-8")


def scanned_files(root):
    for entry in SCAN:
        p = Path(root) / entry
        if p.is_file():
            yield p
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                if (f.is_file() and f.suffix in SUFFIXES and f.resolve() != SELF
                        and "__pycache__" not in f.parts and ".ipynb_checkpoints" not in f.parts):
                    yield f


# ----------------------------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------------------------

def test_every_citation_resolves():
    docs = Documents(ROOT)
    found, files = [], 0
    for f in scanned_files(ROOT):
        files += 1
        found.extend(problems(_text(f), f, docs, SCIENCE))
    assert files > 50, f"only {files} files scanned: the scan does not see the repository"
    assert not found, "unresolved citations:\n  " + "\n  ".join(found)


def test_the_code_cites_the_science_document():
    # the scan above is only meaningful if the citations it checks are there
    hits = sum(len(_E_SINGLE.findall(_text(f))) for f in scanned_files(ROOT) if "snt" in f.parts)
    assert hits > 50


def test_science_document_numbers_every_equation_once_in_order():
    labels, sections = definitions(SCIENCE.read_text(encoding="utf-8"))
    eqs = [x for x in labels if x.startswith("E")]
    assert eqs == [f"E{n}" for n in range(1, len(eqs) + 1)], eqs
    assert len(eqs) >= 13
    assert {str(n) for n in range(8)} <= sections


def test_pending_area_documents():
    missing = [p for p in PENDING if not (ROOT / p).is_file()]
    if missing:
        pytest.skip("linked from docs/SCIENCE.md but not in the repository yet: " + ", ".join(missing))
    for p in PENDING:
        labels, _ = definitions((ROOT / p).read_text(encoding="utf-8"))
        assert labels, f"{p} defines no equation label"


# the checker itself must be able to fail -------------------------------------------------------------------

@pytest.fixture
def tiny_repo(tmp_path):
    (tmp_path / "docs" / "science").mkdir(parents=True)
    (tmp_path / "docs" / "SCIENCE.md").write_text(
        "# Title\n\n## 1. Model\n\n**(E1)** the map\n\n### 1.2 Transfer\n\n**(E2)** the Jacobian\n\n"
        "$$\nx = 1\n$$ (E3)\n", encoding="utf-8")
    (tmp_path / "docs" / "OTHER.md").write_text("## 2. Part\n### 2.1 Sub\n", encoding="utf-8")
    (tmp_path / "docs" / "science" / "area.md").write_text("# Area\n\n**(P1)** rule\n\n- (P2) other\n",
                                                           encoding="utf-8")
    return tmp_path


def _check(repo, text, name="snt/x.py"):
    citing = repo / name
    citing.parent.mkdir(parents=True, exist_ok=True)
    return problems(text, citing, Documents(repo), repo / "docs" / "SCIENCE.md")


def test_checker_accepts_defined_citations(tiny_repo):
    text = ("SCIENCE.md (E1), E2, E1-E3, E1--E2, E1..E3, SCIENCE.md §1 and §1.2; OTHER.md §2.1;\n"
            "docs/science/area.md (P1, P2) and docs/science/area.md (P1-P2)  # noqa: E402\n")
    assert _check(tiny_repo, text) == []


@pytest.mark.parametrize("text, expected", [
    ("SCIENCE.md (E4)", "E4 is not defined"),
    ("E2--E4", "E4 is not defined"),
    ("SCIENCE.md §3", "§3 is not a section of docs/SCIENCE.md"),
    ("see §1.3", "§1.3 is not a section of docs/SCIENCE.md"),
    ("OTHER.md §1", "§1 is not a section of docs/OTHER.md"),
    ("MISSING.md §1", "MISSING.md is not in the repository"),
    ("docs/science/area.md (P3)", "P3 is not defined in docs/science/area.md"),
    ("docs/science/none.md (P1)", "docs/science/none.md is not in the repository"),
    ("E3-E1", "empty range"),
])
def test_checker_reports_undefined_citations(tiny_repo, text, expected):
    found = _check(tiny_repo, text)
    assert len(found) == 1 and expected in found[0], found


def test_checker_tolerates_pending_area_links_only_from_the_index(tiny_repo):
    link = "[plasticity](science/plasticity.md)"
    assert _check(tiny_repo, link, "docs/SCIENCE.md") == []
    assert "not in the repository" in _check(tiny_repo, link, "docs/OTHER.md")[0]
    assert "not in the repository" in _check(tiny_repo, "docs/science/plasticity.md (P1)")[0]


def test_checker_fails_on_the_real_repository_with_an_undefined_citation():
    docs = Documents(ROOT)
    assert problems("see SCIENCE.md (E99) and §9", ROOT / "snt" / "x.py", docs, SCIENCE) == [
        "snt/x.py:1: E99 is not defined in docs/SCIENCE.md", "snt/x.py:1: §9 is not a section of docs/SCIENCE.md"]
