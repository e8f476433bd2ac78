"""The layout the README and docs/architecture.md promise, read from the source (no imports run):
the product imports nothing from train/, eval/ or bench/; eval/ (measurement) imports nothing from train/ or bench/;
the documentation's relative links resolve."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("ingest", "index", "qa", "ui", "app.py", "settings.py", "errors.py")


def _modules(*parts: str) -> list[Path]:
    paths: list[Path] = []
    for part in parts:
        path = ROOT / part
        paths.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return paths


def imported_packages(path: Path) -> set[str]:
    """The top-level names a module imports, at any depth (inside functions too); relative imports stay inside
    the module's own package and are left out."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _offenders(parts: tuple[str, ...], forbidden: set[str]) -> dict[str, list[str]]:
    found = {}
    for path in _modules(*parts):
        bad = sorted(imported_packages(path) & forbidden)
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_imported_packages_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os.path\nfrom . import sibling\ndef f():\n    from train.fit import fit\n")
    assert imported_packages(module) == {"os", "train"}


def test_eval_measures_only_it_imports_nothing_from_train_or_bench():
    assert _modules("eval"), "eval/ has no modules"
    assert _offenders(("eval",), {"train", "bench"}) == {}


def test_the_product_imports_nothing_from_train_eval_or_bench():
    assert _offenders(PRODUCT, {"train", "eval", "bench"}) == {}


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _documentation() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", _documentation(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_in_the_documentation_resolve(page):
    missing = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses and links within the page
        file, _, anchor = target.partition("#")
        linked = page.parent / file
        if not linked.exists() or (anchor and anchor not in _anchors(linked)):
            missing.append(target)
    assert missing == []


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation other than hyphens dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_where_to_find_names_files_that_exist():
    """docs/architecture.md's map for newcomers (chunking, ranking, answer wording, training, measurement...)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Where to find", 1)[1].split("\n## ", 1)[0]
    paths = set(re.findall(r"`((?:ingest|index|qa|ui|train|eval|bench)/[\w./-]*)`", table))
    assert {"ingest/passages.py", "qa/evidence.py", "qa/answer.py", "train/", "eval/"} <= paths
    assert sorted(p for p in paths if not (ROOT / p).exists()) == []


@pytest.mark.parametrize("page", _documentation(), ids=lambda p: str(p.relative_to(ROOT)))
def test_code_fences_in_the_documentation_are_closed(page):
    fences = [line for line in page.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("```")]
    assert len(fences) % 2 == 0


def test_every_data_file_of_the_product_is_in_the_package_data():
    """A non-editable install (pip install .) ships only what [tool.setuptools.package-data] names."""
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    left_out = []
    for package in ("ingest", "index", "qa", "ui"):
        base = ROOT / package
        for path in sorted(base.rglob("*")):
            if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            if not any(path.relative_to(base).match(g) for g in globs.get(package, [])):
                left_out.append(str(path.relative_to(ROOT)))
    assert left_out == []


def _table(text: str, first_header: str) -> list[dict[str, str]]:
    """The markdown table whose header row starts with `first_header`, as one dict per row."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(header, (c.strip() for c in line.strip().strip("|").split("|")))))
    return rows


def _latest() -> dict[tuple[str, str], dict[str, str]]:
    rows = _table((ROOT / "eval" / "reports" / "latest.md").read_text(encoding="utf-8"), "system")
    return {(r["system"], r["split"]): r for r in rows if r["group"] == "all"}


def _assert_rows_are_the_latest(rows: list[dict[str, str]], systems: dict[str, str], columns: dict[str, str]) -> None:
    """Each row's figures (`columns`: its header -> the report's) equal eval/reports/latest.md's for its system."""
    latest = _latest()
    for row in rows:
        report = latest[(systems[row["system"]], row["split"])]
        assert {c: row[c] for c in columns} == {c: report[r] for c, r in columns.items()}, row["system"]


def test_docs_evaluation_figures_are_the_latest_report():
    """docs/evaluation.md's current table is copied by hand from eval/reports/latest.md: they must agree."""
    systems = {"product": "product", "LangChain FAISS (1000/200, top 4)": "langchain-faiss",
               "BM25 (same chunks, top 4)": "bm25"}
    columns = {"ev@1": "ev@1", "ev@3": "ev@3", "answer ev": "ans-ev", "hit@1": "hit@1", "hit@3": "hit@3",
               "MRR@5": "MRR@5", "near ref": "near ref", "far ref": "far ref", "false ref": "false ref",
               "title-only": "title-only", "support": "support"}
    rows = _table((ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8"), "system")
    assert len(rows) == 6
    _assert_rows_are_the_latest(rows, systems, columns)


def test_readme_headline_figures_are_the_latest_report():
    systems = {"lac-guide": "product", "LangChain FAISS recipe": "langchain-faiss", "BM25": "bm25"}
    columns = {"evidence@1": "ev@1", "answer evidence": "ans-ev", "hit@1": "hit@1", "hit@3": "hit@3",
               "near refusal": "near ref", "false refusal": "false ref"}
    rows = [r for r in _table((ROOT / "README.md").read_text(encoding="utf-8"), "system") if r["system"] in systems]
    assert len(rows) == 4  # lac-guide on dev and test, the two baselines on test (the older row is history)
    _assert_rows_are_the_latest(rows, systems, columns)
