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
- assignments in a function to names the code never reads (padding such as `unused = 0`): dropped;
- accumulating loops read as the comprehension they equal: `x = []` followed by
  `for t in it: [if c:] x.append(e)` reads as `x = [e for t in it if c]` (nested loops as more
  `for` clauses; `set()`/`.add` as a set comprehension, `{}`/`x[k] = v` as a dict comprehension,
  `0`/`x += e` as `x = sum(e for t in it)`), so turning one into the other changes nothing.

Never raises: code that does not parse is normalised from its tokens alone (nothing is dropped by
structure), and a tokenizer error ends the stream where it happened.
"""

from __future__ import annotations

import ast
import bisect
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


# A rewrite: the source span of the statements it replaces, and what it reads as instead: literal
# tokens (text, line) and source spans whose normalised tokens are taken as they are.
Piece = tuple[str, int] | Span
Rewrite = tuple[Span, list[Piece]]

_EMPTY = {"list": "[", "set": "{", "dict": "{", "sum": "("}
_CLOSE = {"[": "]", "{": "}", "(": ")"}


def _accumulator(stmt: ast.stmt) -> tuple[str, str] | None:
    """(name, kind) for `name = []` / `set()` / `{}` / `0`: a value a loop may accumulate into."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    v, name = stmt.value, stmt.targets[0].id
    if isinstance(v, ast.List) and not v.elts:
        return name, "list"
    if isinstance(v, ast.Dict) and not v.keys:
        return name, "dict"
    if (
        isinstance(v, ast.Call)
        and isinstance(v.func, ast.Name)
        and v.func.id == "set"
        and not v.args
        and not v.keywords
    ):
        return name, "set"
    if isinstance(v, ast.Constant) and type(v.value) in (int, float) and v.value == 0:
        return name, "sum"
    return None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _accumulated(stmt: ast.stmt, name: str, kind: str) -> list[ast.expr] | None:
    """The element expression(s) `stmt` adds to `name` (kind as _accumulator), or None."""
    if kind in ("list", "set") and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        c, f = stmt.value, stmt.value.func
        method = "append" if kind == "list" else "add"
        if isinstance(f, ast.Attribute) and f.attr == method and _is_name(f.value, name):
            if len(c.args) == 1 and not c.keywords and not isinstance(c.args[0], ast.Starred):
                return [c.args[0]]
    elif kind == "dict" and isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        t = stmt.targets[0]
        if isinstance(t, ast.Subscript) and _is_name(t.value, name) and not isinstance(t.slice, ast.Slice):
            return [t.slice, stmt.value]
    elif kind == "sum" and isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add):
        if _is_name(stmt.target, name):
            return [stmt.value]
    return None


def _reads(nodes: list[ast.expr], name: str) -> bool:
    return any(_is_name(n, name) for e in nodes for n in ast.walk(e))


def _loop_rewrite(acc: ast.stmt, loop: ast.stmt) -> Rewrite | None:
    """`x = []` + an accumulating (nested) loop -> the tokens of the comprehension it equals."""
    found = _accumulator(acc)
    if found is None or not isinstance(loop, ast.For):
        return None
    name, kind = found
    clauses: list[Piece] = []
    tests: list[ast.expr] = []
    node: ast.stmt = loop
    while True:
        if isinstance(node, ast.For) and not node.orelse and len(node.body) == 1:
            clauses += [("for", node.lineno), _span(node.target), ("in", node.lineno), _span(node.iter)]
            tests += [node.target, node.iter]
            node = node.body[0]
        elif isinstance(node, ast.If) and not node.orelse and len(node.body) == 1 and clauses:
            clauses += [("if", node.lineno), _span(node.test)]
            tests.append(node.test)
            node = node.body[0]
        else:
            break
    elts = _accumulated(node, name, kind) if clauses else None
    if elts is None or _reads(elts + tests, name):
        return None  # not an accumulation, or one that reads what it accumulates
    opener = _EMPTY[kind]
    line = node.lineno
    head: list[Piece] = [_span(acc.targets[0]), ("=", acc.lineno)]  # type: ignore[attr-defined]
    if kind == "sum":
        head.append(("sum", acc.lineno))
    body: list[Piece] = [_span(elts[0])]
    if kind == "dict":
        body += [(":", line), _span(elts[1])]
    pieces = head + [(opener, acc.lineno)] + body + clauses + [(_CLOSE[opener], line)]
    return (_span(acc)[0], _span(loop)[1]), pieces


def _rewrites(tree: ast.Module | None) -> list[Rewrite]:
    out: list[Rewrite] = []
    if tree is None:
        return out
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for a, b in zip(block, block[1:], strict=False):
                if isinstance(a, ast.stmt) and isinstance(b, ast.stmt) and (r := _loop_rewrite(a, b)) is not None:
                    out.append(r)
    out.sort(key=lambda r: r[0])
    # Two rewrites never overlap (one replaces statements, the pieces are expressions); keep it so.
    kept: list[Rewrite] = []
    for r in out:
        if not kept or r[0][0] >= kept[-1][0][1]:
            kept.append(r)
    return kept


def _apply(toks: list[tuple[tuple[int, int], Token]], rewrites: list[Rewrite]) -> list[Token]:
    """The tokens with each rewrite's span replaced by its pieces (a span dropped entirely stays so)."""
    if not rewrites:
        return [t for _, t in toks]
    starts = [p for p, _ in toks]

    def within(span: Span) -> list[Token]:
        return [t for _, t in toks[bisect.bisect_left(starts, span[0]) : bisect.bisect_left(starts, span[1])]]

    out: list[Token] = []
    i = 0
    for (start, end), pieces in rewrites:
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        if lo < i or lo == hi:
            continue
        out += [t for _, t in toks[i:lo]]
        for piece in pieces:
            if isinstance(piece[0], str) and isinstance(piece[1], int):
                out.append(Token(piece[0], piece[1]))
            elif isinstance(piece[0], tuple) and isinstance(piece[1], tuple):
                out += within((piece[0], piece[1]))
        i = hi
    out += [t for _, t in toks[i:]]
    return out


def normalise(code: str) -> list[Token]:
    """The normalised tokens of `code` (see the module docstring), each with its source line."""
    try:
        tree: ast.Module | None = ast.parse(code)
    except (SyntaxError, ValueError):
        tree = None
    s = _structure(tree)
    out: list[tuple[tuple[int, int], Token]] = []
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
        out.append((tok.start, Token(text, tok.start[0])))
        prev, prev_type = tok.string, tok.type
    return _apply(out, _rewrites(tree))
