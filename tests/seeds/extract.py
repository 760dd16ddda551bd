"""Extract the code examples of the seed documents (``<repo>/../shared/seeds/``) as written.

The documents are plain text (rendered web pages): code is not fenced. The rules, applied
mechanically to every document:

1. The text is split into paragraphs (runs of lines separated by blank lines).
2. A paragraph is *code* when its first line starts like Python (``from``/``import``/``def``/
   ``class``/``@``/``#``/``print``/``try:``/``for``/``while``/``with``/``if``, an assignment, a
   call or attribute chain such as ``client.set(``), or ``>>>`` (an interactive session, whose
   ``>>>`` lines are the code and the rest its shown output); a paragraph indented under a
   code paragraph, or starting with a closing bracket or ``except``/``else``/``finally``, continues it.
   A rendered page glues the next heading to a code paragraph: a line that is a lone capitalised
   word ("Warning", "Returns"), an API signature, a bullet ("•") or, as the paragraph's last
   line, a lone lowercase name (a property heading such as "connected") ends the code there.
   Paragraphs that are JavaScript (``function (doc, meta)``), templates (``{%``, ``<``), shell
   (``shell>``), C or diffs are not Python.
3. Consecutive code paragraphs form one example; a prose paragraph ends it.
4. Lines that are printed output inside a code run (``ViewRow(key=...)``, ``Set item ...``,
   ``Callback invoked ...``: the result of the example shown right under it) are dropped, and a
   code-looking paragraph right after "Output(s):" / "Which then prints" is output, not an example.
5. Python 2 → 3, and nothing else: ``print x, y`` → ``print(x, y)`` (a trailing comma →
   ``end=" "``), ``unicode(`` → ``str(``, ``couchbase.async`` → ``couchbase.asynchronous``
   (``async`` is a keyword in Python 3.7+).

:func:`adapt` then points an example at the mock cluster (see its docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

CODE_START = re.compile(
    r"^(from \w|import \w|def \w|class \w|@\w|#|print\b|try:|for \w.* in |while |with \w|if \w|"
    r"return\b|>>> |[A-Za-z_][\w.]*\s*(\[[^\]]*\])?\s*(=|\+=|-=)\s*\S|[A-Za-z_][\w]*(\.\w+)*\(.*)"
)
CONTINUES = re.compile(r"^(\s+\S|[\)\]\}]|except\b|else:|elif |finally:)")
NOT_PYTHON = re.compile(r"^(•|function\s*\(|\{%|<|shell>|\$ |static |-std=|---|\+\+\+|@@|cbc |\(gdb\)|#\d+ )")
OUTPUT_LINE = re.compile(
    r"^(ViewRow\(key=|ValueResult<|OperationResult<|Set item |Got result |Callback invoked |Indexed Rows:|"
    r"Stored item |Got item |Couldn't fetch |I'm connected|Result OK)"
)
OUTPUT_INTRO = re.compile(r"^(Outputs?:?|Which then prints|Printing the exception object.*|Output)\s*$")
PROSE = re.compile(r"^[A-Z][a-z]+('s)? [a-z]+ [a-z]+.*[\.:]$")


@dataclass
class Example:
    doc: str
    line: int  # 1-based line of the first code line in the document
    source: str  # as extracted (Python 2 → 3 applied)
    original: str  # the document's text
    interactive: bool = False
    tags: List[str] = field(default_factory=list)

    @property
    def ident(self) -> str:
        return f"{self.doc[:3]}:{self.line}"


def _paragraphs(lines: List[str]) -> List[tuple]:
    out, start, cur = [], None, []
    for i, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = i
            cur.append(line)
        elif cur:
            out.append((start, cur))
            start, cur = None, []
    if cur:
        out.append((start, cur))
    return out


REFERENCE_HEADING = re.compile(r"(\[source\]\s*$|^class \w+(\.\w+)+|^_*\w+\([^()]*\)\s*$)")


def _is_code_start(first: str) -> bool:
    s = first.rstrip()
    if REFERENCE_HEADING.search(s):  # API-reference headings: "on_connect(self)[source]", "class a.b.C"
        return False
    if re.search(r"\)(,)? [A-Za-z][a-z]+ [a-z]+ ", s):  # inline code that runs into a sentence
        return False
    if NOT_PYTHON.match(s.lstrip()) or OUTPUT_LINE.match(s):
        return False
    if s.startswith(" ") or s.startswith("\t"):
        return False
    if PROSE.match(s) and not s.startswith(("print", "from ", "import ")):
        return False
    return bool(CODE_START.match(s))


def _balance(text: str) -> int:
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def _join_print_statements(src: str) -> str:
    """A Python 2 ``print x.format(`` statement continued on the next lines: one logical line."""
    lines = src.split("\n")
    out: List[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^\s*print\s+(?!\()", line) and _balance(line) > 0:
            while i + 1 < len(lines) and _balance(line) > 0:
                i += 1
                line = line + " " + lines[i].strip()
        out.append(line)
        i += 1
    return "\n".join(out)


def py2to3(src: str) -> str:
    """The mechanical Python 2 → 3 rewrite (rule 5)."""
    out = []
    for line in _join_print_statements(src).split("\n"):
        m = re.match(r"^(\s*)print\s+(?!\()(.*)$", line)
        if m is None:
            m2 = re.match(r"^(\s*)print\s*(\(.*\)),\s*$", line)  # print ("a" "b"), x  → continuation below
            if m2 is not None:
                line = f"{m2.group(1)}print({m2.group(2)}, end=' ')"
        else:
            indent, args = m.groups()
            args = args.rstrip()
            end = ""
            if args.endswith(",") and args.endswith("',") is not None:
                pass
            if args.endswith(","):
                args, end = args[:-1], ", end=' '"
            line = f"{indent}print({args}{end})"
        line = re.sub(r"\bunicode\(", "str(", line)
        line = line.replace("couchbase.async.", "couchbase.asynchronous.").replace(
            "couchbase.async ", "couchbase.asynchronous "
        )
        out.append(line)
    return "\n".join(out)


def _fix_print_continuations(src: str) -> str:
    # ``print ("a"\n       "b"), x`` : a parenthesised print spanning lines, then more args
    return re.sub(r"print \((\"[^\n]*\"\n\s+\"[^\n]*\")\), ([^\n]+)", r"print(\1, \2)", src)


def extract(path: Path) -> List[Example]:
    """Every example of one document, in order."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    paras = _paragraphs(lines)
    examples: List[Example] = []
    cur: Optional[List[tuple]] = None
    prev_text = ""
    for start, plines in paras:
        first = plines[0]
        if _is_code_start(first) or cur is not None:
            # rendered pages glue the next heading ("Warning", "Returns", a signature) to the code
            for i, ln in enumerate(plines[1:], 1):
                if (
                    re.match(r"^([A-Z][a-z]+:?|Example:)$", ln)
                    or ln.lstrip().startswith("•")
                    or (i == len(plines) - 1 and re.match(r"^[a-z_]+$", ln))
                    or REFERENCE_HEADING.search(ln)
                    and not ln.startswith((" ", "\t"))
                    and "=" not in ln
                ):
                    plines = plines[:i]
                    break
        if cur is not None and (
            CONTINUES.match(first)
            and not NOT_PYTHON.match(first.lstrip())
            and not PROSE.match(first.strip())
            or _is_code_start(first)
        ):
            cur.append((start, plines))
            continue
        if cur is not None:
            examples.append(_make(path.name, cur))
            cur = None
        if _is_code_start(first) and not OUTPUT_INTRO.match(prev_text.strip()):
            cur = [(start, plines)]
        prev_text = plines[-1] if len(plines) == 1 else ""
        if cur is None:
            prev_text = " ".join(plines)
    if cur is not None:
        examples.append(_make(path.name, cur))
    return [e for e in examples if e.source.strip()]


def _make(doc: str, paras: List[tuple]) -> Example:
    start = paras[0][0]
    original_lines: List[str] = []
    last_end = start
    for s, plines in paras:
        original_lines.extend([""] * (s - last_end))
        original_lines.extend(plines)
        last_end = s + len(plines)
    original = "\n".join(original_lines)
    interactive = original.lstrip().startswith(">>>")
    if interactive:
        code = [ln[4:] for ln in original_lines if ln.startswith(">>> ")]
    else:
        code = [ln for ln in original_lines if not OUTPUT_LINE.match(ln)]
    src = _fix_print_continuations(py2to3("\n".join(code)))
    return Example(doc, start + 1, src.strip("\n") + "\n", original, interactive)


def documents(seeds: Path) -> List[Path]:
    return sorted(p for p in seeds.glob("0*.txt"))
