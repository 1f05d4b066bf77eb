"""A real Asterisk 22.10.1 for the live tier: its own folder, its own ports, started and stopped by PID.

Theory of operation: ``../shared/asterisk-src/build.sh`` builds Asterisk once per machine into a cached
prefix (``CC_ASTERISK_PREFIX``, else ``~/.cache/callcenter/asterisk-22.10.1``). A test run writes a
config folder (``asterisk.conf`` pointing every directory into it), the files ``callcenter
asterisk-config`` renders from the test's settings, and a test overlay (phones that answer, never
answer or are busy; the callers' handsets). Asterisk runs in the foreground (``-f``) so the PID we hold
is Asterisk itself; it is ready when an AMI login sees ``FullyBooted``. Everything it logs goes to
``DIR/log/messages`` (verbose 3: the files it plays, with their language).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from callcenter.simulator.testing import AmiClient

SHARED_BUILD = Path(__file__).resolve().parents[2].parent / "shared" / "asterisk-src" / "build.sh"


def prefix() -> Path | None:
    """Where the built Asterisk lives, or None when it has not been built on this machine."""
    env = os.environ.get("CC_ASTERISK_PREFIX")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) \
        / "callcenter" / "asterisk-22.10.1"
    return base if (base / "sbin" / "asterisk").is_file() and (base / ".built-from").is_file() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _asterisk_conf(folder: Path, modules: Path) -> str:
    dirs = {"astetcdir": folder, "astmoddir": modules, "astdatadir": folder / "data",
            "astvarlibdir": folder / "lib", "astdbdir": folder / "db", "astkeydir": folder,
            "astspooldir": folder / "spool", "astrundir": folder / "run", "astlogdir": folder / "log"}
    lines = ["[directories]", *(f"{k} => {v}" for k, v in dirs.items()),
             "[options]", "verbose = 3", "maxfiles = 4096", ""]
    return "\n".join(lines)


# Modules a test Asterisk does without: no config for them here, and nothing of ours uses them.
_NOLOAD = ("res_config_sqlite3", "res_statsd", "res_geolocation", "cdr_sqlite3_custom", "cel_sqlite3_custom",
           "res_phoneprov", "res_pjsip_phoneprov_provider", "chan_iax2", "chan_unistim", "chan_mgcp",
           "chan_skinny", "res_hep", "res_hep_pjsip", "res_hep_rtcp", "res_smdi", "res_calendar",
           "res_xmpp", "chan_motif", "res_snmp", "res_config_ldap", "res_config_pgsql", "res_fax")

SUPPORT_FILES = {
    "modules.conf": "[modules]\nautoload = yes\n" + "".join(f"noload => {m}.so\n" for m in _NOLOAD),
    "logger.conf": "[general]\n[logfiles]\nmessages => notice,warning,error,verbose\n",
    "cdr.conf": "[general]\nenable = no\n",
    "cel.conf": "[general]\nenable = no\n",
}


class AsteriskProcess:
    """One running Asterisk. ``files`` are written into *folder* before it starts."""

    def __init__(self, install: Path, folder: Path, ami_port: int, username: str, secret: str) -> None:
        self.install, self.folder = install, folder
        self.ami_port, self.username, self.secret = ami_port, username, secret
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def binary(self) -> str:
        return str(self.install / "sbin" / "asterisk")

    @property
    def conf(self) -> Path:
        return self.folder / "asterisk.conf"

    @property
    def log(self) -> Path:
        return self.folder / "log" / "messages"

    def write(self, files: dict[str, str]) -> None:
        for sub in ("data", "lib", "db", "spool", "run", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(_asterisk_conf(self.folder, self.install / "lib" / "asterisk" / "modules"))
        for name, text in {**SUPPORT_FILES, **files}.items():
            (self.folder / name).write_text(text, encoding="utf-8")

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until booted (synchronous: a session fixture calls it outside any loop)."""
        out = open(self.folder / "log" / "console.log", "ab")
        self.process = subprocess.Popen([self.binary, "-C", str(self.conf), "-f", "-n"], stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout
        while not self._booted():
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk exited with {self.process.returncode}; see {self.folder}/log")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"Asterisk did not boot within {timeout}s; see {self.folder}/log")
            time.sleep(0.2)

    def _booted(self) -> bool:
        login = f"Action: Login\r\nUsername: {self.username}\r\nSecret: {self.secret}\r\n\r\n".encode()
        try:
            with socket.create_connection(("127.0.0.1", self.ami_port), timeout=5) as conn:
                conn.sendall(login)
                seen = b""
                while b"Event: FullyBooted" not in seen:
                    chunk = conn.recv(65536)
                    if not chunk or b"Authentication failed" in seen:
                        return False
                    seen += chunk
                return True
        except OSError:
            return False

    async def wait_booted(self, timeout: float = 60.0) -> None:
        """Until an AMI login works and ``FullyBooted`` arrives (what a fresh session always gets)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Asterisk exited with {self.process.returncode}; see {self.folder}/log")
            with contextlib.suppress(OSError, ConnectionError, PermissionError, asyncio.TimeoutError):
                async with AmiClient.logged_in(self.ami_port, self.username, self.secret) as client:
                    await client.event("FullyBooted", timeout=max(0.5, deadline - loop.time()))
                    return
            if loop.time() > deadline:
                raise TimeoutError(f"Asterisk did not boot within {timeout}s; see {self.folder}/log")
            await asyncio.sleep(0.2)

    async def cli(self, command: str) -> str:
        """``asterisk -rx``: the CLI of the running instance (tests use it only to look and to clean up)."""
        proc = await asyncio.create_subprocess_exec(self.binary, "-C", str(self.conf), "-rx", command,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 15)
        return out.decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(Exception):
            subprocess.run([self.binary, "-C", str(self.conf), "-rx", "core stop now"], capture_output=True, timeout=15)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def build() -> Path:
    """Build (or reuse) Asterisk with the shared script; CI calls build.sh itself beforehand."""
    out = subprocess.run(["bash", str(SHARED_BUILD)], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])
