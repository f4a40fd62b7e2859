"""Source code -> the token stream that fingerprints are taken from.

What a disguise changes is dropped or made canonical; what carries meaning is kept:

- comments, docstrings, blank lines, indentation and line breaks: dropped;
- import statements: dropped, and each name they bind becomes the module path it stands for
  (`import torch.nn.functional as F` makes `F` read `torch.nn.functional`), so aliases do not matter;
- print/log/warn calls, `pass`, bare constants, `if False:` / `while 0:` blocks and statements after a
  `return`/`raise`/`break`/`continue` in the same block: dropped (padding and dead code);
- identifiers the candidate chose (variables, parameters, function and class names, and the attributes
  they set on `self`): one placeholder each kind (`V`, `A`), so renaming changes nothing and statement
  order does not shift a numbering;
- builtins, keywords, keyword-argument names in calls and other attribute names (`.backward`,
  `nn.Linear`, `axis=`): kept as written, they are the API the code uses;
- numbers and strings: `N` and `S`;
- grouping parentheses (not those of a call, a definition or a subscript): dropped, so
  `for (a, b) in x` and `return (a, b)` read as `for a, b in x` and `return a, b`;
- assignments in a function to names the code never reads (padding such as `unused = 0`): dropped.

Never raises: code that does not parse is normalised from its tokens alone (nothing is dropped by
structure), and a tokenizer error ends the stream where it happened.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import tokenize
from dataclasses import dataclass

VAR, ATTR, NUM, STR = "V", "A", "N", "S"
BUILTINS = frozenset(dir(builtins)) - {"self"}
LOG_ROOTS = frozenset({"logging", "logger", "log", "LOGGER", "LOG", "_log", "_logger", "warnings", "pprint"})
OUTPUT_CALLS = frozenset({"print", "pprint", "breakpoint"})
_SKIP = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
    }
)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised token and the source line it came from (1-based)."""

    text: str
    line: int


Span = tuple[tuple[int, int], tuple[int, int]]  # (start (line, col), end (line, col)), end exclusive


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_output(stmt: ast.stmt) -> bool:
    """A statement that only prints or logs (its result unused)."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    f = stmt.value.func
    if isinstance(f, ast.Name):
        return f.id in OUTPUT_CALLS
    return isinstance(f, ast.Attribute) and _root(f) in LOG_ROOTS


def _never_runs(stmt: ast.stmt) -> bool:
    """`if False:` / `if 0:` / `while False:` with no else."""
    return (
        isinstance(stmt, (ast.If, ast.While))
        and isinstance(stmt.test, ast.Constant)
        and not stmt.test.value
        and not stmt.orelse
    )


def _dead_store(stmt: ast.stmt, loaded: set[str]) -> bool:
    """`name = value` where no name assigned is ever read (the value's calls go with it)."""
    if isinstance(stmt, ast.Assign):
        targets: list[ast.expr] = list(stmt.targets)
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets = [stmt.target]
    else:
        return False
    names = [n for t in targets for n in ast.walk(t)]
    return all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Store)) for n in names) and not any(
        isinstance(n, ast.Name) and n.id in loaded for n in names
    )


def _span(node: ast.AST) -> Span:
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]
    return start, end


@dataclass
class _Structure:
    dropped: list[Span]
    aliases: dict[str, str]  # name bound by an import -> the module path it stands for
    keywords: set[tuple[int, int]]  # positions of keyword-argument names in calls
    self_attrs: set[str]  # attribute names the code assigns on self
    loaded: set[str]  # names the code reads somewhere


def _structure(tree: ast.Module | None) -> _Structure:
    s = _Structure([], {}, set(), set(), set())
    if tree is None:
        return s
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            s.loaded.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            s.loaded.update(node.names)
    # Names bound at the top level may be read by whoever imports the module: only locals are dead.
    local = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for n in ast.walk(f)
    }
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            dead = False
            for stmt in block:
                if not isinstance(stmt, ast.stmt):
                    continue
                if (
                    dead
                    or isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass))
                    or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
                    or _is_output(stmt)
                    or _never_runs(stmt)
                    or (id(node) in local and _dead_store(stmt, s.loaded))
                ):
                    s.dropped.append(_span(stmt))
                if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                    dead = True
        if isinstance(node, ast.Import):
            for a in node.names:
                s.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name != "*":
                    s.aliases[a.asname or a.name] = f"{'.' * node.level}{node.module or ''}.{a.name}".strip(".")
        elif isinstance(node, ast.keyword) and node.arg is not None:
            s.keywords.add((node.lineno, node.col_offset))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            s.self_attrs.add(node.attr)
    s.dropped.sort()
    return s


def _raw_tokens(code: str) -> list[tokenize.TokenInfo]:
    out: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            out.append(tok)
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # keep what came before the error
    return out


def normalise(code: str) -> list[Token]:
    """The normalised tokens of `code` (see the module docstring), each with its source line."""
    try:
        tree: ast.Module | None = ast.parse(code)
    except (SyntaxError, ValueError):
        tree = None
    s = _structure(tree)
    out: list[Token] = []
    drop_i = 0
    prev = ""
    prev_type = -1
    parens: list[bool] = []  # for each open "(": whether it is kept (a call or definition)
    for tok in _raw_tokens(code):
        if tok.type in _SKIP:
            continue
        while drop_i < len(s.dropped) and s.dropped[drop_i][1] <= tok.start:
            drop_i += 1
        if any(start <= tok.start < end for start, end in s.dropped[drop_i : drop_i + 8]):
            continue
        text = tok.string
        if tok.type == tokenize.OP and text == "(":
            keep = (
                prev in (")", "]")
                or prev_type == tokenize.STRING
                or (prev_type == tokenize.NAME and not keyword.iskeyword(prev))
            )
            parens.append(keep)
            if not keep:
                prev, prev_type = text, tok.type
                continue
        elif tok.type == tokenize.OP and text == ")" and parens and not parens.pop():
            prev, prev_type = text, tok.type
            continue
        if tok.type == tokenize.NAME:
            if prev == ".":
                text = ATTR if text in s.self_attrs else text
            elif keyword.iskeyword(text) or keyword.issoftkeyword(text) and text != "_":
                pass
            elif tok.start in s.keywords:
                pass
            elif text in s.aliases:
                text = s.aliases[text]
            elif text not in BUILTINS:
                text = VAR
        elif tok.type == tokenize.NUMBER:
            text = NUM
        elif tok.type == tokenize.STRING:
            text = STR
        out.append(Token(text, tok.start[0]))
        prev, prev_type = tok.string, tok.type
    return out
