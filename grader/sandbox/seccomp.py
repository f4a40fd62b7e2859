"""The sandbox's seccomp filter, installed by the launcher as the last step before the harness
starts, so it binds the harness and the candidate (and survives exec).

Everything is allowed except what no grading needs and what would reach past the namespaces:
at least what Docker's default profile denies (kernel keyrings, ptrace and cross-process memory,
mounts, namespaces, BPF, perf, userfaultfd, kexec, kernel modules, file handles, swap, reboot,
clock setting, personality changes), answered with EPERM; clone3 answers ENOSYS so that libc
falls back to clone, whose namespace flags the filter can see.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os

DENIED = (
    "keyctl",
    "add_key",
    "request_key",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    "chroot",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "clock_settime",
    "clock_adjtime",
    "settimeofday",
    "adjtimex",
    "stime",
    "acct",
    "quotactl",
    "lookup_dcookie",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "uselib",
    "ustat",
    "sysfs",
    "nfsservctl",
    "_sysctl",
    "fanotify_init",
)
# clone() flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
PERSONALITY_QUERY = 0xFFFFFFFF


@functools.cache
def program() -> bytes:
    """The filter compiled to classic BPF by libseccomp, once per process: the grader passes it
    to each sandbox (and a warm template's children inherit it), so a sandbox only loads it."""
    import pyseccomp as sc

    f = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        try:
            f.add_rule(sc.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            pass  # a syscall this architecture does not have
    for flag in NAMESPACE_FLAGS:
        f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    f.add_rule(sc.ERRNO(errno.EPERM), "personality", sc.Arg(0, sc.NE, PERSONALITY_QUERY))
    try:
        f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    except (RuntimeError, ValueError, OSError):
        pass
    r, w = os.pipe()
    try:
        with os.fdopen(w, "wb", closefd=True) as out:
            f.export_bpf(out)
        chunks = []
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
    finally:
        os.close(r)
    return b"".join(chunks)


def compiled() -> bytes | None:
    """program(), or None where libseccomp (or its binding) is not installed."""
    try:
        return program()
    except (ImportError, OSError, RuntimeError, AttributeError):
        return None


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


def install(bpf: bytes | None = None) -> None:
    """Load the filter into this process (no_new_privs must be set): the given compiled program,
    or this process's own. Raises OSError when the kernel refuses it."""
    bpf = program() if bpf is None else bpf
    if not bpf or len(bpf) % 8:
        raise OSError(errno.EINVAL, "seccomp: not a compiled BPF program")
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")
