"""Disguised copies of a solution, made deterministically (seeded) with `ast` transforms, for the
evaluation: what a candidate who copies does to hide it. Each function takes source and returns
source; `DISGUISES` names them. The API the task's tests call (names the starter defines at the top
level, and the parameters of those functions and methods) is left alone, so a disguise still fits
the task; the copies are checked to compile, not graded.
"""

from __future__ import annotations

import ast
import builtins
import random
from collections.abc import Callable

KEEP = frozenset(dir(builtins)) | {"self", "cls", "_"}
WORDS = ("val", "tmp", "res", "acc", "item", "data", "buf", "cur", "out", "aux", "node", "part", "thing", "elem")


def api_names(starter: str | None) -> set[str]:
    """Names the starter defines at the top level (the functions and classes the tests call)."""
    if not starter:
        return set()
    try:
        tree = ast.parse(starter)
    except SyntaxError:
        return set()
    out = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Assign):
            out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return out


def _imported(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                out.add(a.asname or a.name.split(".")[0])
    return out


def _api_functions(tree: ast.Module, api: set[str]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions in the API, and every method of a class in the API."""
    out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in api:
            out.append(node)
        elif isinstance(node, ast.ClassDef) and node.name in api:
            out += [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


def rename(code: str, api: set[str], rng: random.Random) -> str:
    """Every name the code binds (variables, helpers, parameters of non-API functions) renamed."""
    tree = ast.parse(code)
    keep = KEEP | api | _imported(tree)
    for f in _api_functions(tree, api):
        keep |= {a.arg for a in f.args.args + f.args.kwonlyargs + f.args.posonlyargs}
        keep |= {a.arg for a in (f.args.vararg, f.args.kwarg) if a}
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
    names = sorted(bound - keep)
    new = {n: f"{rng.choice(WORDS)}_{i}{rng.randint(0, 99)}" for i, n in enumerate(names)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in new:
            node.id = new[node.id]
        elif isinstance(node, ast.arg) and node.arg in new:
            node.arg = new[node.arg]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in new:
            node.name = new[node.name]
        elif isinstance(node, ast.keyword) and node.arg in new:
            node.arg = new[node.arg]  # a call to a renamed helper by keyword
    return ast.unparse(tree)


def _chains(node: ast.AST, ctx: type) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ctx):
            out.add(n.id)
        elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ctx):
            parts = []
            cur: ast.expr = n
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                out.add(".".join([cur.id, *reversed(parts)]))
    return out


def _independent(a: ast.stmt, b: ast.stmt) -> bool:
    """Two assignments that neither read nor write what the other writes."""
    movable = (ast.Assign, ast.AnnAssign, ast.AugAssign)
    if not isinstance(a, movable) or not isinstance(b, movable):
        return False
    wa, wb = _chains(a, ast.Store), _chains(b, ast.Store)
    ra, rb = _chains(a, ast.Load), _chains(b, ast.Load)

    def clash(w: set[str], other: set[str]) -> bool:
        return any(x == y or y.startswith(x + ".") or x.startswith(y + ".") for x in w for y in other)

    return not clash(wa, rb | wb) and not clash(wb, ra | wa)


def reorder(code: str, api: set[str], rng: random.Random) -> str:
    """Adjacent independent assignments swapped (each pair with probability 0.7); imports shuffled."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or len(block) < 2:
                continue
            i = 0
            while i < len(block) - 1:
                if _independent(block[i], block[i + 1]) and rng.random() < 0.7:
                    block[i], block[i + 1] = block[i + 1], block[i]
                    i += 2
                else:
                    i += 1
    for node in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]:
        _shuffle_defs(node.body, rng)  # type: ignore[attr-defined]
    imports = [i for i, n in enumerate(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))]
    if imports and imports == list(range(len(imports))):
        head = tree.body[: len(imports)]
        rng.shuffle(head)
        tree.body[: len(imports)] = head
    return ast.unparse(tree)


def _shuffle_defs(block: list[ast.stmt], rng: random.Random) -> None:
    """Runs of consecutive function definitions in a block put in a random order (`__init__` first)."""
    i = 0
    while i < len(block):
        j = i
        while j < len(block) and isinstance(block[j], ast.FunctionDef) and block[j].name != "__init__":  # type: ignore[attr-defined]
            j += 1
        if j - i > 1:
            run = block[i:j]
            rng.shuffle(run)
            block[i:j] = run
        i = max(j, i + 1)


COMMENTS = (
    "# compute the result",
    "# TODO: clean up",
    "# this follows the statement",
    "# note: shapes checked above",
    "# main logic here",
    "# handle the general case",
)


def comments_and_prints(code: str, api: set[str], rng: random.Random) -> str:
    """A print of a local value after some assignments, and comment lines sprinkled in."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        for i in range(len(body) - 1, -1, -1):
            stmt = body[i]
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and rng.random() < 0.6:
                name = stmt.targets[0].id
                call = ast.parse(f"print({f'debug {name}:'!r}, {name})").body[0]
                body.insert(i + 1, call)
        if rng.random() < 0.5:
            body.insert(0, ast.parse(f"print('entering {node.name}')").body[0])
    lines = ast.unparse(tree).splitlines()
    out = []
    for line in lines:
        if line.strip() and rng.random() < 0.3:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + rng.choice(COMMENTS))
        out.append(line)
    return "\n".join(out) + "\n"


def dead_code(code: str, api: set[str], rng: random.Random) -> str:
    """Unused assignments in function bodies, an unused helper function, and an `if False:` block."""
    tree = ast.parse(code)
    n = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            for _ in range(rng.randint(1, 2)):
                n += 1
                stmt = ast.parse(
                    rng.choice(
                        [
                            f"unused_{n} = {rng.randint(2, 9)} * 0.5",
                            f"scratch_{n} = []",
                            f"counter_{n} = 0",
                            f"flag_{n} = len([]) > 0",
                        ]
                    )
                ).body[0]
                body = node.body
                lo = 1 if isinstance(body[0], ast.Expr) else 0
                at = rng.randint(lo, max(lo, len(body) - 1))
                body.insert(at, stmt)
    tree.body.append(
        ast.parse(
            "def _unused_helper(values, scale=2):\n"
            "    total = 0\n"
            "    for v in values:\n"
            "        total += v * scale\n"
            "    return total\n"
        ).body[0]
    )
    first_fn = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)), None)
    if first_fn is not None:
        first_fn.body.insert(len(first_fn.body) - 1, ast.parse("if False:\n    raise RuntimeError('never')").body[0])
    return ast.unparse(tree)


class _LoopToComp(ast.NodeTransformer):
    """`x = []` then `for t in it: x.append(e)` -> `x = [e for t in it]` (and the dict/sum forms)."""

    def __init__(self) -> None:
        self.done = 0

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                setattr(node, field, self._block(block))
        return node

    def _block(self, block: list) -> list:
        out: list = []
        i = 0
        while i < len(block):
            a = block[i]
            b = block[i + 1] if i + 1 < len(block) else None
            comp = self._comp(a, b)
            if comp is not None:
                out.append(comp)
                self.done += 1
                i += 2
                continue
            out.append(a)
            i += 1
        return out

    def _comp(self, a: ast.stmt, b: ast.stmt | None) -> ast.stmt | None:
        if not (
            isinstance(a, ast.Assign)
            and len(a.targets) == 1
            and isinstance(a.targets[0], ast.Name)
            and isinstance(a.value, ast.List)
            and not a.value.elts
            and isinstance(b, ast.For)
            and not b.orelse
            and len(b.body) == 1
            and isinstance(b.body[0], ast.Expr)
            and isinstance(b.body[0].value, ast.Call)
        ):
            return None
        call = b.body[0].value
        f = call.func
        name = a.targets[0].id
        if not (
            isinstance(f, ast.Attribute)
            and f.attr == "append"
            and isinstance(f.value, ast.Name)
            and f.value.id == name
            and len(call.args) == 1
        ):
            return None
        gen = ast.comprehension(target=b.target, iter=b.iter, ifs=[], is_async=0)
        return ast.Assign(targets=[ast.Name(name, ast.Store())], value=ast.ListComp(call.args[0], [gen]), lineno=0)


class _CompToLoop(ast.NodeTransformer):
    """`x = [e for t in it]` -> `x = []` + `for t in it: x.append(e)` (the other direction)."""

    def __init__(self) -> None:
        self.done = 0

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.stmt]:
        v = node.value
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(v, ast.ListComp)
            and len(v.generators) == 1
            and not v.generators[0].ifs
        ):
            name, g = node.targets[0].id, v.generators[0]
            self.done += 1
            return [
                ast.parse(f"{name} = []").body[0],
                ast.For(
                    target=g.target,
                    iter=g.iter,
                    body=[ast.Expr(ast.Call(ast.parse(f"{name}.append").body[0].value, [v.elt], []))],  # type: ignore[attr-defined]
                    orelse=[],
                    lineno=0,
                ),
            ]
        return node


def loop_to_comprehension(code: str, api: set[str], rng: random.Random) -> str:
    """An append loop turned into a list comprehension; where there is none, a comprehension into a
    loop; where there is neither, the code unchanged (the evaluation counts how often)."""
    tree = ast.parse(code)
    t = _LoopToComp()
    tree = t.visit(tree)
    if not t.done:
        c = _CompToLoop()
        tree = c.visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def wrap_in_helper(code: str, api: set[str], rng: random.Random) -> str:
    """Each API function's (and API method's) body moved into a helper it calls."""
    tree = ast.parse(code)
    new_body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in api and len(node.body) > 1:
            helper = _helper_of(node, f"_{node.name}_impl_{rng.randint(1, 99)}", method=False)
            new_body += [helper, node]
        elif isinstance(node, ast.ClassDef) and node.name in api:
            body: list[ast.stmt] = []
            for m in node.body:
                if isinstance(m, ast.FunctionDef) and len(m.body) > 1 and m.name != "__init__":
                    body += [_helper_of(m, f"_{m.name.strip('_')}_impl", method=True), m]
                else:
                    body.append(m)
            node.body = body
            new_body.append(node)
        else:
            new_body.append(node)
    tree.body = new_body
    return ast.unparse(ast.fix_missing_locations(tree))


def _helper_of(f: ast.FunctionDef, name: str, *, method: bool) -> ast.FunctionDef:
    """Move f's body into a new function `name` with the same parameters; f calls it."""
    helper = ast.FunctionDef(name=name, args=f.args, body=f.body, decorator_list=[], returns=None, lineno=0)
    args = [a.arg for a in f.args.posonlyargs + f.args.args]
    call_args = args[1:] if method else args
    star = ([f"*{f.args.vararg.arg}"] if f.args.vararg else []) + [f"{a.arg}={a.arg}" for a in f.args.kwonlyargs]
    star += [f"**{f.args.kwarg.arg}"] if f.args.kwarg else []
    callee = f"self.{name}" if method and args else name
    f.body = [ast.parse(f"return {callee}({', '.join(call_args + star)})").body[0]]
    return helper


Disguise = Callable[[str, set[str], random.Random], str]
DISGUISES: dict[str, Disguise] = {
    "rename": rename,
    "reorder": reorder,
    "comments_prints": comments_and_prints,
    "dead_code": dead_code,
    "loop_comprehension": loop_to_comprehension,
    "wrap_helper": wrap_in_helper,
}


def combined(code: str, api: set[str], rng: random.Random) -> str:
    """Every disguise, one after the other."""
    for d in DISGUISES.values():
        code = d(code, api, rng)
    return code


ALL: dict[str, Disguise] = {**DISGUISES, "combined": combined}


def disguise(code: str, kind: str, *, starter: str | None = None, seed: int = 0) -> str:
    """A disguised copy of `code` (kind: a name in ALL); deterministic for a seed."""
    out = ALL[kind](code, api_names(starter), random.Random(f"{kind}:{seed}"))
    compile(out, "<disguised>", "exec")
    return out
