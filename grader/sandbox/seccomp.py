"""The sandbox's seccomp filter, installed by the launcher as the last step before the harness
starts, so it binds the harness and the candidate (and survives exec).

Everything is allowed except what no grading needs and what would reach past the namespaces:
at least what Docker's default profile denies (kernel keyrings, ptrace and cross-process memory,
mounts, namespaces, BPF, perf, userfaultfd, kexec, kernel modules, file handles, swap, reboot,
clock setting, personality changes), answered with EPERM; clone3 answers ENOSYS so that libc
falls back to clone, whose namespace flags the filter can see.
"""

from __future__ import annotations

import errno

DENIED = (
    "keyctl", "add_key", "request_key",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "unshare", "setns", "chroot",
    "bpf", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "name_to_handle_at",
    "swapon", "swapoff", "reboot",
    "clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "stime",
    "acct", "quotactl", "lookup_dcookie", "syslog", "vhangup", "iopl", "ioperm",
    "uselib", "ustat", "sysfs", "nfsservctl", "_sysctl", "fanotify_init",
)
# clone() flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
PERSONALITY_QUERY = 0xFFFFFFFF


def install() -> list[str]:
    """Load the filter into this process (after no_new_privs); the names of the denied syscalls
    this kernel and libseccomp know. Raises when libseccomp is unavailable."""
    import pyseccomp as sc

    f = sc.SyscallFilter(sc.ALLOW)
    denied = []
    for name in DENIED:
        try:
            f.add_rule(sc.ERRNO(errno.EPERM), name)
            denied.append(name)
        except (RuntimeError, ValueError, OSError):
            pass  # a syscall this architecture does not have
    for flag in NAMESPACE_FLAGS:
        f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    f.add_rule(sc.ERRNO(errno.EPERM), "personality", sc.Arg(0, sc.NE, PERSONALITY_QUERY))
    try:
        f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    except (RuntimeError, ValueError, OSError):
        pass
    f.load()
    return denied
