"""Pure static scan of a submission for code that works on the grader rather than on the task.

The findings are integrity signals for the interviewer, shown with their line in every report
format; they never change the score (the sandbox and the judge already make such code gain
nothing), and a finding is a reason to read the code, not a verdict.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from grader.models import IntegrityFinding

FRAME_CALLS = {
    ("sys", "_getframe"),
    ("sys", "_current_frames"),
    ("inspect", "currentframe"),
    ("inspect", "stack"),
    ("inspect", "getouterframes"),
    ("inspect", "trace"),
    ("gc", "get_objects"),
    ("gc", "get_referrers"),
    ("gc", "get_referents"),
}
FRAME_ATTRS = {"f_back", "f_locals", "f_globals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "f_code"}
RAW_FD_CALLS = {
    ("os", n) for n in ("write", "writev", "pwrite", "dup", "dup2", "fdopen", "sendfile", "splice", "openpty")
}
PROCESS_CALLS = {
    ("os", n)
    for n in ("kill", "killpg", "fork", "forkpty", "system", "popen", "execv", "execve", "execvp", "setsid", "_exit")
}
SEARCH_CALLS = {("os", "walk"), ("os", "scandir"), ("os", "listdir"), ("glob", "glob"), ("glob", "iglob")}
LOW_LEVEL_MODULES = {"ctypes", "_ctypes", "cffi", "mmap", "_posixsubprocess", "resource"}
PROCESS_MODULES = {"subprocess", "pty", "signal", "multiprocessing", "socket", "http", "urllib", "requests"}
PATCHABLE_ROOTS = {
    "builtins",
    "__builtins__",
    "torch",
    "np",
    "numpy",
    "tf",
    "tensorflow",
    "keras",
    "math",
    "json",
    "os",
    "sys",
    "random",
    "operator",
    "inspect",
}
# Configuration a correct solution sets (reproducibility flags, the environment).
ALLOWED_ASSIGNMENTS = ("torch.backends.", "os.environ")
TENSOR_BASES = {"Tensor", "ndarray", "float", "int", "Variable", "bool", "str"}
COMPARISON_DUNDERS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__float__",
    "__bool__",
    "__abs__",
    "__sub__",
    "__array__",
    "__torch_function__",
    "allclose",
    "tolist",
    "item",
}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _pair(func: ast.AST) -> tuple[str, str] | None:
    name = _dotted(func)
    if "." not in name:
        return None
    head, _, tail = name.rpartition(".")
    return head.split(".")[-1], tail


class _Scanner(ast.NodeVisitor):
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.findings: list[IntegrityFinding] = []

    def flag(self, node: ast.AST, rule: str, what: str) -> None:
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1].strip()[:200] if 0 < line <= len(self.lines) else ""
        self.findings.append(IntegrityFinding(rule=rule, line=line, message=what, code=text))

    def _module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top == "grader":
            self.flag(node, "imports_grader", f"imports the grader's own package ({name})")
        elif top in LOW_LEVEL_MODULES:
            self.flag(node, "low_level", f"imports {name}: raw memory, syscalls or limits")
        elif top in PROCESS_MODULES:
            self.flag(node, "processes_or_network", f"imports {name}: processes, signals or the network")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._module(node, node.module or "")
        if node.module in ("sys", "inspect", "gc"):
            for alias in node.names:
                if (node.module, alias.name) in FRAME_CALLS:
                    self.flag(
                        node,
                        "frame_walking",
                        f"imports {node.module}.{alias.name}: reads the grader's frames or objects",
                    )
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        pair = _pair(node.func)
        if pair in FRAME_CALLS:
            self.flag(node, "frame_walking", f"calls {'.'.join(pair)}: reads the grader's frames or objects")
        elif pair in RAW_FD_CALLS:
            self.flag(node, "raw_descriptors", f"calls {'.'.join(pair)}: writes to or rewires raw file descriptors")
        elif pair in PROCESS_CALLS:
            self.flag(node, "processes_or_network", f"calls {'.'.join(pair)}: controls processes")
        elif pair in SEARCH_CALLS:
            self.flag(node, "filesystem_search", f"calls {'.'.join(pair)}: searches the file system")
        elif pair == ("ctypes", "CDLL") or (isinstance(node.func, ast.Name) and node.func.id in ("CDLL", "syscall")):
            self.flag(node, "low_level", "loads a C library or makes a raw syscall")
        if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr") and node.args:
            root = _dotted(node.args[0]).split(".")[0]
            if root in PATCHABLE_ROOTS:
                self.flag(
                    node,
                    "patches_library",
                    f"{node.func.id} on {_dotted(node.args[0])}: patches a builtin or framework object",
                )
        if isinstance(node.func, ast.Name) and node.func.id in ("__import__", "exec", "eval", "compile") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and node.func.id == "__import__":
                self._module(node, arg.value)
            elif node.func.id != "__import__":
                self.flag(node, "dynamic_code", f"calls {node.func.id}: runs code the scan cannot see")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FRAME_ATTRS:
            self.flag(node, "frame_walking", f"reads .{node.attr}: walks frames")
        self.generic_visit(node)

    def _assigned(self, targets: Sequence[ast.AST], node: ast.AST) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute):
                name = _dotted(target)
                if name.split(".")[0] in PATCHABLE_ROOTS and not name.startswith(ALLOWED_ASSIGNMENTS):
                    self.flag(node, "patches_library", f"assigns {name}: patches a builtin or framework function")
            elif isinstance(target, ast.Subscript) and _dotted(target.value) in (
                "sys.modules",
                "__builtins__",
                "builtins.__dict__",
            ):
                self.flag(node, "patches_library", f"assigns into {_dotted(target.value)}")

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned([node.target], node)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {_dotted(b).split(".")[-1] for b in node.bases}
        if bases & TENSOR_BASES:
            overridden = sorted(
                {s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
                & COMPARISON_DUNDERS
                | {
                    t.id
                    for s in node.body
                    if isinstance(s, ast.Assign)
                    for t in s.targets
                    if isinstance(t, ast.Name) and t.id in COMPARISON_DUNDERS
                }
            )
            if overridden:
                self.flag(
                    node,
                    "lying_value",
                    f"class {node.name} subclasses {', '.join(sorted(bases & TENSOR_BASES))} "
                    f"and overrides {', '.join(overridden)}",
                )
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            v = node.value
            if v.startswith(("/proc", "/dev/fd", "/sys/")):
                self.flag(node, "reads_proc", f"names {v[:60]!r}: reads process or kernel state")
        self.generic_visit(node)


def scan(code: str) -> list[IntegrityFinding]:
    """Integrity findings for a submission's source (none for a file that does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    scanner = _Scanner(code.splitlines())
    try:
        scanner.visit(tree)
    except RecursionError:
        scanner.findings.append(
            IntegrityFinding(rule="unscannable", line=0, message="nested too deeply to scan", code="")
        )
    seen, out = set(), []
    for f in sorted(scanner.findings, key=lambda f: (f.line, f.rule)):
        if (f.rule, f.line) not in seen:
            seen.add((f.rule, f.line))
            out.append(f)
    return out[:50]
