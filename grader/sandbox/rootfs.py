"""An allowlisted root for a sandbox: a fresh tmpfs holding only what the harness needs, entered
with pivot_root, so that nothing else of the host (no /run with its unix sockets, no /home,
/root, /var, data dir or project folders) exists inside.

Inside: the Python install, the venv and grader/ (read-only, at their host paths); the system
library folders the interpreter and the frameworks load from (read-only); a minimal /dev (null,
zero, full, random, urandom, plus the GPU's nodes for a GPU sandbox); the new pid namespace's
/proc; a private writable /tmp holding the work dir; and a few files under /etc (the loader cache
and a passwd with the sandbox user). Runs in the launcher's init, as root, inside its new mount
namespace; never imported by the grader's long-lived processes for anything else.
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine(), 155)

# Read-only system folders: the loader, libc, libstdc++, libgomp and friends. Symlinks (merged
# /usr) are recreated as symlinks.
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
# CPU topology that torch's cpuinfo and OpenMP read (no secret in it).
SYSTEM_EXTRA = ("/sys/devices/system/cpu",)
DEVICES = ("null", "zero", "full", "random", "urandom")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")

_libc = ctypes.CDLL(None, use_errno=True)


def check(ret: int, what: str) -> None:
    """Raise OSError with errno when a libc call returned non-zero."""
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str, target: str, fstype: str, flags: int, data: str = "") -> None:
    check(
        _libc.mount(
            source.encode(), target.encode(), fstype.encode() or None, ctypes.c_ulong(flags), data.encode() or None
        ),
        f"mount {target}",
    )


def _bind(path: str, root: str, *, writable: bool = False) -> None:
    """Bind `path` at the same path under `root` (read-only unless writable); symlinks are copied."""
    target = root + path
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if os.path.islink(path):
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        open(target, "a").close()
    mount(path, target, "", MS_BIND | MS_REC)
    if not writable:
        mount(
            "none",
            target,
            "",
            MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | (0 if path.startswith("/dev/") else MS_NODEV),
        )


def build(cfg: dict, root: str) -> None:
    """Populate a fresh tmpfs at `root` (its mount point must exist) with the allowlist."""
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    # The only writable places: a private /tmp, and the work dir inside it, owned by the sandbox
    # uid. Mounted first, so that a venv or project that lives under the host's /tmp is bound
    # on top of it rather than hidden by it.
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['tmp_mb']}m,mode=1777")
    for path in SYSTEM_DIRS:
        if os.path.lexists(path):
            _bind(path, root)
    for path in sorted(set(cfg["expose"])):  # Python install, venv, grader/
        if os.path.exists(path) and not os.path.lexists(root + path):
            _bind(path, root)
    if cfg["env"].get("CUDA_VISIBLE_DEVICES") and os.path.isdir("/sys"):
        _bind("/sys", root)  # the CUDA driver and NVML read the PCI topology (read-only)
    for path in SYSTEM_EXTRA + ETC_FILES:
        if os.path.exists(path) and not os.path.lexists(root + path):
            _bind(path, root)
    _etc(cfg, root)
    _dev(cfg, root)
    os.makedirs(root + "/proc", mode=0o555, exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    work = root + cfg["workdir"]
    if not cfg["workdir"].startswith("/tmp/"):
        os.makedirs(work, exist_ok=True)
        mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['tmp_mb']}m,mode=0700")
    os.makedirs(work, mode=0o700, exist_ok=True)
    os.chown(work, cfg["uid"], cfg["gid"])
    os.chmod(work, 0o700)


def _etc(cfg: dict, root: str) -> None:
    os.makedirs(root + "/etc", mode=0o755, exist_ok=True)
    uid, gid = cfg["uid"], cfg["gid"]
    files = {
        "passwd": (
            "root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"sandbox:x:{uid}:{gid}:sandbox:{cfg['workdir']}:/usr/sbin/nologin\n"
        ),
        "group": f"root:x:0:\nsandbox:x:{gid}:\n",
        "hosts": "127.0.0.1 localhost\n::1 localhost\n",
    }
    for name, text in files.items():
        with open(f"{root}/etc/{name}", "w") as fh:
            fh.write(text)


def _dev(cfg: dict, root: str) -> None:
    dev = root + "/dev"
    os.makedirs(dev, mode=0o755, exist_ok=True)
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    nodes = [f"/dev/{n}" for n in DEVICES]
    if cfg["env"].get("CUDA_VISIBLE_DEVICES"):
        nodes += sorted(glob.glob("/dev/nvidia*"))
    for node in nodes:
        if os.path.exists(node) and not os.path.isdir(node):
            _bind(node, root, writable=True)
    if cfg["env"].get("CUDA_VISIBLE_DEVICES") and os.path.isdir("/dev/nvidia-caps"):
        _bind("/dev/nvidia-caps", root, writable=True)
    os.makedirs(dev + "/shm", mode=0o1777, exist_ok=True)
    mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{dev}/{name}")


def enter(root: str) -> None:
    """pivot_root into `root` and detach the host's tree, so that no path leads back to it."""
    os.chdir(root)
    check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    mount("none", "/", "", MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
