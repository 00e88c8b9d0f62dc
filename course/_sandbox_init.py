"""The first code that runs inside a grading sandbox, before the student's kernel.

It is passed to ``python -I -c`` by `course.sandbox` (never read from a folder the sandbox
can write), sets the resource limits, forbids gaining privileges, drops to the sandbox's
own user id when bubblewrap ran as root, and then becomes the kernel with ``execv``.
Standard library only.

    python -I -c <this file> MEMORY_MB CPU_S PROCESSES FILE_MB UID GID -- KERNEL_ARGV...
"""
import ctypes
import os
import resource
import signal
import sys

PR_SET_NO_NEW_PRIVS = 38
MIB = 1024 * 1024


def limit(what: int, value: int) -> None:
    """Lower both the soft and the hard limit (a hard limit can never be raised again)."""
    resource.setrlimit(what, (value, value))


def main(argv: list[str]) -> None:
    memory_mb, cpu_s, processes, file_mb, uid, gid = (int(a) for a in argv[:6])
    kernel = argv[argv.index("--") + 1:]
    limit(resource.RLIMIT_AS, memory_mb * MIB)
    # the soft CPU limit sends SIGXCPU (the kernel dies and is restarted); the hard one SIGKILL
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    limit(resource.RLIMIT_NPROC, processes)
    limit(resource.RLIMIT_FSIZE, file_mb * MIB)
    limit(resource.RLIMIT_CORE, 0)
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SystemExit("sandbox: cannot set no_new_privs")
    if os.getuid() == 0:           # bubblewrap ran as root: become the sandbox's own unprivileged user
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("sandbox: could not drop root")
    signal.signal(signal.SIGINT, signal.SIG_DFL)     # bubblewrap was started with SIGINT ignored
    os.execv(kernel[0], kernel)


main(sys.argv[1:])
