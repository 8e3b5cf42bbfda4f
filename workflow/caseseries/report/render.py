"""Render a Quarto manuscript (.qmd) to HTML, PDF and DOCX.

Two engines render the same .qmd:
  * "quarto": `quarto render` (used when `quarto` is on PATH);
  * "embedded": pandoc (from pypandoc-binary) + typst (Python API), with the Lua filter
    report/filters/crossref.lua giving Quarto's numbering ("Figure 1", "Table 2",
    "Section 3"), cross-reference links and callout boxes, and the Lua filters the .qmd lists
    under `filters:` (as Quarto runs them).

Outputs are staged under temporary names and renamed only once every requested format
has rendered, so a failed render leaves no partial file behind. The embedded engine is
deterministic: two renders of the same input give byte-identical files.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pypandoc
import typst
import yaml

REPORT_DIR = Path(__file__).resolve().parents[3] / "report"
CROSSREF_FILTER = REPORT_DIR / "filters" / "crossref.lua"
TYPST_TABLES_FILTER = REPORT_DIR / "filters" / "typst-tables.lua"
TEMPLATES = REPORT_DIR / "templates"

FORMATS = ("html", "pdf", "docx")
ENGINES = ("auto", "quarto", "embedded")
# Quarto's name for each output: our "pdf" is Quarto's typst format.
QUARTO_FORMAT = {"html": "html", "pdf": "typst", "docx": "docx"}

# Build time written into PDF/DOCX metadata: SOURCE_DATE_EPOCH if set, else the document's own
# `date` (YYYY-MM-DD, so the metadata agree with the date printed), else 2024-01-01T00:00:00Z.
# Outputs must not depend on when they were rendered.
DEFAULT_EPOCH = 1704067200


class RenderError(RuntimeError):
    """A manuscript could not be rendered (bad input, unknown reference, missing tool)."""


# ----------------------------------------------------------------------------- public API


def render(
    qmd: Path,
    out_dir: Path,
    formats: tuple[str, ...] | list[str] = FORMATS,
    engine: str = "auto",
) -> dict[str, Path]:
    """Render `qmd` into `out_dir` as `<stem>.html/.pdf/.docx`; return {format: path}.

    Figures and other resources are resolved relative to the .qmd's folder.
    """
    qmd = Path(qmd).resolve()
    out_dir = Path(out_dir).resolve()
    if not qmd.is_file():
        raise RenderError(f"manuscript not found: {qmd}")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"unknown format(s) {unknown}; choose from {FORMATS}")
    engine = resolve_engine(engine)
    render_one = _render_with_quarto if engine == "quarto" else _render_embedded

    out_dir.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    try:
        for fmt in formats:
            staged[fmt] = out_dir / f".{qmd.stem}.{fmt}.partial"
            render_one(qmd, fmt, staged[fmt])
    except BaseException:
        for path in staged.values():
            path.unlink(missing_ok=True)
        raise
    outputs = {}
    for fmt, path in staged.items():
        outputs[fmt] = out_dir / f"{qmd.stem}.{fmt}"
        os.replace(path, outputs[fmt])
    return outputs


def resolve_engine(engine: str) -> str:
    """Engine "auto" means quarto if quarto is on PATH, else "embedded"; others are checked."""
    if engine not in ENGINES:
        raise RenderError(f"unknown render engine {engine!r}; choose from {ENGINES}")
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "embedded"
    if engine == "quarto" and not shutil.which("quarto"):
        raise RenderError(
            'render engine "quarto" requested but `quarto` is not on PATH; install Quarto '
            'or use engine "embedded" (pandoc + typst) or "auto"'
        )
    return engine


def engine_description(engine: str = "auto") -> str:
    """Name and versions of the engine, for the provenance appendix."""
    engine = resolve_engine(engine)
    if engine == "quarto":
        version = _run([shutil.which("quarto"), "--version"]).stdout.strip()
        return f"Quarto {version}"
    return f"embedded: pandoc {pypandoc.get_pandoc_version()} + typst {typst.__version__}"


# ----------------------------------------------------------------------------- Quarto


def _render_with_quarto(qmd: Path, fmt: str, dest: Path) -> None:
    """`quarto render` next to the .qmd, then move the file to `dest`.

    (`--output-dir` only works inside Quarto projects, and `--output` takes no folder.)
    """
    _run([shutil.which("quarto"), "render", qmd.name, "--to", QUARTO_FORMAT[fmt]], cwd=qmd.parent, epoch=build_epoch(qmd))
    produced = qmd.with_suffix(f".{fmt}")
    if not produced.is_file():
        raise RenderError(f"quarto render did not produce {produced.name} next to {qmd.name}")
    shutil.move(produced, dest)  # dest is a staging name: a copy across disks is fine


# ----------------------------------------------------------------------------- embedded


def _render_embedded(qmd: Path, fmt: str, dest: Path) -> None:
    options = format_options(qmd, fmt)
    args = _pandoc_common_args(qmd, options)
    epoch = build_epoch(qmd)
    if fmt == "html":
        _pandoc(qmd, "html5", dest, args + _html_args(options), epoch)
    elif fmt == "pdf":
        source = _pandoc(qmd, "typst", None, args + _typst_args(options), epoch)
        dest.write_bytes(_compile_typst(source, root=qmd.parent, epoch=epoch))
    else:
        with tempfile.TemporaryDirectory() as scratch:
            reference = build_reference_docx(Path(scratch) / "reference.docx")
            _pandoc(qmd, "docx", dest, args + [f"--reference-doc={reference}"], epoch)


def format_options(qmd: Path, fmt: str) -> dict:
    """Options for one output: _quarto.yml, then the front matter, then its `format:` entry.

    Later sources win, as in Quarto (`format: typst:` options override top-level ones).
    """
    merged: dict = {}
    quarto_name = QUARTO_FORMAT[fmt]
    for source in (_project_config(qmd), front_matter(qmd)):
        merged.update({k: v for k, v in source.items() if k != "format"})
        per_format = source.get("format") or {}
        if isinstance(per_format, dict):
            specific = per_format.get(quarto_name) or per_format.get(fmt) or {}
            if isinstance(specific, dict):
                merged.update(specific)
    return merged


def front_matter(qmd: Path) -> dict:
    """The YAML front matter of a .qmd (empty if there is none)."""
    text = qmd.read_text(encoding="utf-8")
    match = re.match(r"---\s*\n(.*?)\n(---|\.\.\.)\s*(\n|$)", text, re.DOTALL)
    return (yaml.safe_load(match.group(1)) or {}) if match else {}


def _project_config(qmd: Path) -> dict:
    config = qmd.parent / "_quarto.yml"
    return (yaml.safe_load(config.read_text(encoding="utf-8")) or {}) if config.is_file() else {}


def lua_filters(qmd: Path, options: dict) -> list[Path]:
    """The document's `filters:` (paths relative to the .qmd) around crossref.lua, which stands in
    for Quarto's own filters: as in Quarto, those listed after `quarto` run after it, the others
    before it."""
    listed = [str(f) for f in options.get("filters") or []]
    split = listed.index("quarto") if "quarto" in listed else len(listed)
    before, after = listed[:split], listed[split + 1 :]
    missing = [name for name in before + after if not (qmd.parent / name).is_file()]
    if missing:
        raise RenderError(f"{qmd.name}: filter(s) {missing} not found next to it")
    return [qmd.parent / name for name in before] + [CROSSREF_FILTER] + [qmd.parent / name for name in after]


def _pandoc_common_args(qmd: Path, options: dict) -> list[str]:
    args = [
        "--from=markdown",
        # Pipe tables keep natural column widths (no wrapped numbers) however long the lines.
        "--columns=10000",
        *(f"--lua-filter={path}" for path in lua_filters(qmd, options)),
        f"--metadata=number-sections:{str(bool(options.get('number-sections'))).lower()}",
        f"--resource-path={qmd.parent}",
    ]
    if options.get("toc"):
        args += ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"]
    if options.get("bibliography"):
        args.append("--citeproc")  # after the filter: cross-references are gone by then
    return args


def _html_args(options: dict) -> list[str]:
    return [
        "--standalone",
        "--embed-resources",
        "--mathml",  # MathJax/KaTeX would be fetched from a CDN
        f"--template={TEMPLATES / 'manuscript.html'}",
        f"--css={TEMPLATES / 'manuscript.css'}",
    ]


def _typst_args(options: dict) -> list[str]:
    args = [
        f"--lua-filter={TYPST_TABLES_FILTER}",
        "--standalone",
        f"--template={TEMPLATES / 'manuscript.typ'}",
        f"--variable=papersize:{options.get('papersize', 'a4')}",
    ]
    if options.get("fontsize"):
        args.append(f"--variable=fontsize:{options['fontsize']}")
    return args


def _compile_typst(source: str, root: Path, epoch: int) -> bytes:
    """typst source -> PDF bytes; embedded fonts only and a fixed timestamp (reproducible)."""
    try:
        return typst.compile(
            source.encode("utf-8"),
            root=str(root),
            format="pdf",
            ignore_system_fonts=True,
            timestamp=epoch,
        )
    except Exception as error:  # typst raises its own error types with the diagnostics
        raise RenderError(f"typst could not compile the manuscript:\n{error}") from error


def build_reference_docx(dest: Path) -> Path:
    """Pandoc's default reference.docx with the styles of report/templates/docx-styles.xml.

    Regenerated at every render, so no binary file lives in the repository.
    """
    default = dest.with_name("default-reference.docx")
    pandoc = pypandoc.get_pandoc_path()
    _run([pandoc, f"--output={default}", "--print-default-data-file=reference.docx"])
    ours = (TEMPLATES / "docx-styles.xml").read_text(encoding="utf-8")
    with zipfile.ZipFile(default) as source, zipfile.ZipFile(dest, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/styles.xml":
                data = _merge_styles(data.decode("utf-8"), ours).encode("utf-8")
            out.writestr(item, data)
    return dest


def _merge_styles(styles_xml: str, ours: str) -> str:
    """Replace (or add) each <w:style> of `ours` in styles.xml, matched by w:styleId."""
    for style in re.findall(r"<w:style .*?</w:style>", ours, re.DOTALL):
        style_id = re.search(r'w:styleId="([^"]+)"', style).group(1)
        existing = re.compile(rf'<w:style [^>]*w:styleId="{style_id}".*?</w:style>', re.DOTALL)
        if existing.search(styles_xml):
            styles_xml = existing.sub(lambda _: style, styles_xml, count=1)
        else:
            styles_xml = styles_xml.replace("</w:styles>", style + "\n</w:styles>")
    return styles_xml


# ----------------------------------------------------------------------------- helpers


def _pandoc(qmd: Path, to: str, dest: Path | None, args: list[str], epoch: int) -> str:
    """Run pandoc on `qmd` (in its folder); write `dest` or return the output text."""
    command = [pypandoc.get_pandoc_path(), qmd.name, f"--to={to}", *args]
    if dest is not None:
        command.append(f"--output={dest}")
    try:
        return _run(command, cwd=qmd.parent, epoch=epoch).stdout
    except RenderError as error:
        raise RenderError(f"{qmd.name} ({to}): {error}") from None


def _run(command: list[str], cwd: Path | None = None, epoch: int = DEFAULT_EPOCH) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        tool = Path(command[0]).name
        raise RenderError(f"{tool} failed (exit {result.returncode}):\n{result.stderr.strip()}")
    return result


def build_epoch(qmd: Path) -> int:
    """The build time for the metadata of `qmd`'s outputs (see DEFAULT_EPOCH)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    date = front_matter(qmd).get("date")
    try:  # YAML reads an unquoted ISO date as a date, a quoted one as text
        day = datetime.date.fromisoformat(str(date))
    except ValueError:
        return DEFAULT_EPOCH
    return int(datetime.datetime.combine(day, datetime.time(), datetime.UTC).timestamp())
