"""Step 4 of a migration: copy the named volumes in two passes, and verify the copy.

Each volume travels one of two ways, chosen per volume when the first pass starts
(`hostaccess` checks the conditions):

- Host copy: both engines keep the volume as a folder on this machine, and crank copies it
  in Python (`hostcopy`). The first pass stores a hash of every file by its lstat key. The
  final pass, with the source stopped, reads and sends only the files whose lstat changed.
  Then it compares full manifests of both sides, built from an lstat walk and those hashes.
  Its cost follows what changed, not the size of the volume.
- Helper containers: a tar stream from a container on the source into one on the target.
  The final pass reads the checksum manifests of both sides at once (content, type, mode,
  owner, times, symlink target), sends only the paths that differ and checks those again.
  Its cost follows the size of the volume.

A host copy that fails in the first pass falls back to helper containers; the final pass
uses the method of the first.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from crank_cli.errors import EngineError
from crank_cli.operations.events import Events
from crank_cli.operations.migrate import hostaccess, hostcopy
from crank_cli.operations.migrate.describe import copy_method_text, human_size
from crank_cli.operations.migrate.manifest import (
    Manifest,
    changes,
    compare,
    read_tar_stream,
    subset,
    with_ancestors,
)
from crank_cli.operations.migrate.record import MigrationRecord
from crank_cli.render import counted
from crank_cli.runtime import transfer
from crank_cli.runtime.compatible import DockerCompatibleEngine

# Above this many bytes of path names, the final pass copies the whole volume again instead
# of naming the changed paths on the helper's command line.
MAX_DELTA_ARGUMENT_BYTES = 100_000


class VerificationError(EngineError):
    """A copied volume differs from its source."""

    def __init__(self, volume: str, problems: list[str]) -> None:
        summary = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(["verify", volume], 1, f"the copy of volume {volume} differs from the source: {summary}")
        self.message = f"the copy of volume {volume} differs from the source: {summary}"
        self.args = (self.message,)


class VolumePasses:
    """Copies volumes from `source` to `target`, storing the chosen methods and hashes in the record."""

    def __init__(self, source: DockerCompatibleEngine, target: DockerCompatibleEngine, helper: transfer.Helper | None,
                 record: MigrationRecord, events: Events) -> None:
        self.source, self.target = source, target
        self._helper = helper
        self.record = record
        self.events = events

    @property
    def helper(self) -> transfer.Helper:
        # A plan with volumes always has a helper image: inventory makes its absence a blocking finding.
        assert self._helper is not None
        return self._helper

    # The method of each volume and the folders of a host copy, as the first pass chose them.

    def _methods(self) -> dict[str, dict[str, str | None]]:
        return self.record.document.setdefault("volume_methods", {})

    def _choose(self, volume: str) -> hostaccess.CopyMethod:
        method = hostaccess.copy_method(self.source, self.target, self.helper, volume)
        self._methods()[volume] = {"method": method.method, "reason": method.reason,
                                   "source_folder": method.source_folder, "target_folder": method.target_folder}
        self.record.save()
        return method

    def _chosen(self, volume: str) -> hostaccess.CopyMethod:
        stored = self._methods().get(volume) or {"method": hostaccess.CONTAINERS}
        return hostaccess.CopyMethod(str(stored["method"]), stored.get("reason"), stored.get("source_folder"),
                                     stored.get("target_folder"))

    # Passes

    def first_pass(self, volume: str) -> None:
        """Copy everything while the source runs."""
        method = self._choose(volume)
        self.events.emit(f"volume {volume}", f"copy {copy_method_text(method.method, method.reason)}")
        started = time.monotonic()
        if method.method == hostaccess.HOST:
            try:
                copied = self._host_pass(volume, method, source_may_change=True)[0].bytes_sent
            except hostcopy.HostCopyError as error:
                # The tar copy below empties the target volume first, so nothing the host copy
                # wrote remains. Its stored hashes stay, but the new files' ctimes no longer match them.
                method = hostaccess.CopyMethod(hostaccess.CONTAINERS, f"the host copy failed: {error}")
                self._methods()[volume] = {"method": method.method, "reason": method.reason}
                self.record.save()
                self.events.emit(f"volume {volume}", f"{method.reason}; copying through helper containers")
        if method.method == hostaccess.CONTAINERS:
            copied = self._full_tar_copy(volume, source_may_change=True).total_bytes
        seconds = time.monotonic() - started
        self.events.emit(f"volume {volume}", f"first pass ({describe(method)}): {human_size(copied)} in {seconds:.1f} s")

    def final_pass(self, volume: str) -> None:
        """Bring the copy up to date with the stopped source and verify every path."""
        method = self._chosen(volume)
        started = time.monotonic()
        if method.method == hostaccess.HOST:
            paths, total = self._host_final(volume, method)
        else:
            sent = self._tar_changes(volume)
            if sent is None:
                sent = self._full_tar_copy(volume, source_may_change=False)
                verify_copy(self.target, self.helper, volume, sent)
            paths, total = len(sent.entries), sent.total_bytes
        seconds = time.monotonic() - started
        self.events.emit(f"volume {volume}", f"final pass ({describe(method)}): {paths} paths, "
                                             f"{human_size(total)}; manifests match, in {seconds:.2f} s")

    # Host copy

    def _host_pass(self, volume: str, method: hostaccess.CopyMethod, *,
                   source_may_change: bool) -> tuple[hostcopy.SyncResult, hostcopy.HashIndex]:
        """Run one host copy pass, and store the hash index even when the pass fails part way."""
        hashes = self.record.load_hashes()
        index = hostcopy.HashIndex.from_json(hashes.get(volume))
        try:
            result = hostcopy.sync(Path(method.source_folder or ""), Path(method.target_folder or ""), index,
                                   source_may_change=source_may_change)
        finally:
            hashes[volume] = index.as_json()
            self.record.save_hashes(hashes)
        return result, index

    def _host_final(self, volume: str, method: hostaccess.CopyMethod) -> tuple[int, int]:
        with host_copy_errors(volume):
            result, index = self._host_pass(volume, method, source_may_change=False)
        self._report_changes(volume, len(result.changed), len(result.deleted), len(result.reread))
        return verify_on_host(volume, Path(method.source_folder or ""), Path(method.target_folder or ""), index)

    def _report_changes(self, volume: str, changed: int, deleted: int, reread: int = 0) -> None:
        if changed or deleted:
            status = f"{counted(changed, 'path')} changed and {deleted} deleted since the first pass"
        else:
            status = "unchanged since the first pass"
        if reread:
            # Files written shortly before the first pass read them may have changed unseen.
            status += f"; {reread} recently written files read again and found unchanged"
        self.events.emit(f"volume {volume}", status)

    # Helper containers

    def _full_tar_copy(self, volume: str, *, source_may_change: bool) -> Manifest:
        transfer.empty_volume(self.target, self.helper, volume)
        return transfer.copy_volume(self.source, self.target, self.helper, volume, read_tar_stream,
                                    source_may_change=source_may_change)

    def _tar_changes(self, volume: str) -> Manifest | None:
        """Bring the target's copy up to date and verify it; return None if a full copy is needed.

        Both sides are read at once, and their manifests show what changed since the first
        pass. Only those paths are sent or deleted, then read back and checked. So every file
        is compared without a third full read of the volume.
        """
        helper = self.helper
        with ThreadPoolExecutor(max_workers=2) as pool:
            reads = [pool.submit(transfer.read_volume, engine, helper, volume, read_tar_stream)
                     for engine in (self.source, self.target)]
            source_manifest, target_manifest = (read.result() for read in reads)
        kept_fields = {"mtime_types": kept_mtime_types(helper), "xattrs": helper.keeps_xattrs}
        changed, deleted = changes(target_manifest, source_manifest, **kept_fields)  # type: ignore[arg-type]
        if not changed and not deleted:
            self._report_changes(volume, 0, 0)
            return source_manifest
        resend = with_ancestors(changed + deleted, source_manifest)
        if not delta_possible(resend + deleted):
            self.events.emit(f"volume {volume}", f"{counted(len(changed), 'path')} changed; copying everything again")
            return None
        self._report_changes(volume, len(changed), len(deleted))
        if deleted:
            transfer.remove_paths(self.target, helper, volume, deleted)
        names = [f"./{path}" if path else "." for path in resend]
        transfer.copy_volume(self.source, self.target, helper, volume, read_tar_stream, paths=names)
        arrived = transfer.read_volume(self.target, helper, volume, read_tar_stream, paths=names)
        problems = compare(subset(source_manifest, resend), arrived, **kept_fields)  # type: ignore[arg-type]
        if problems:
            self.events.emit(f"volume {volume}", f"{VerificationError(volume, problems).message}; "
                                                 "copying everything again")
            return None
        return source_manifest


def copy_back_on_host(record: MigrationRecord, moved_to: DockerCompatibleEngine, moved_from: DockerCompatibleEngine,
                      helper: transfer.Helper, volume: str, events: Events) -> bool:
    """Copy a volume back for a rollback through the host folders; return False when that is not possible.

    The migration's hash index serves in reverse: its target side now describes the folder
    read, and its source side the folder written. So only files changed since the migration
    are read and sent.
    """
    method = hostaccess.copy_method(moved_to, moved_from, helper, volume)
    if method.method != hostaccess.HOST:
        events.emit(f"volume {volume}", f"copy {copy_method_text(method.method, method.reason)}")
        return False
    stored = hostcopy.HashIndex.from_json(record.load_hashes().get(volume))
    index = hostcopy.HashIndex(source=stored.target, target=stored.source)
    source, target = Path(method.source_folder or ""), Path(method.target_folder or "")
    with host_copy_errors(volume):
        result = hostcopy.sync(source, target, index, source_may_change=False)
    paths, total = verify_on_host(volume, source, target, index)
    events.emit(f"volume {volume}", f"copied back on the host: {counted(len(result.changed), 'path')} changed and "
                                    f"{len(result.deleted)} deleted since the migration; {paths} paths, "
                                    f"{human_size(total)}; manifests match")
    return True


@contextmanager
def host_copy_errors(volume: str) -> Iterator[None]:
    """Turn a failed host copy into an `EngineError` that names the volume, path and system error."""
    try:
        yield
    except hostcopy.HostCopyError as error:
        raise EngineError(["host-copy", volume], 1, f"the host copy of volume {volume} failed: {error}") from None


def verify_on_host(volume: str, source: Path, target: Path, index: hostcopy.HashIndex) -> tuple[int, int]:
    """Compare both folders in full; raise `VerificationError` on a difference, else return paths and bytes."""
    with host_copy_errors(volume):
        problems, paths, total = hostcopy.verify(source, target, index)
    if problems:
        raise VerificationError(volume, problems)
    return paths, total


def describe(method: hostaccess.CopyMethod) -> str:
    if method.method == hostaccess.HOST:
        return "host copy"
    return "helper containers"


def verify_copy(engine: DockerCompatibleEngine, helper: transfer.Helper, volume: str, sent: Manifest) -> None:
    """Read the copied volume back and raise `VerificationError` unless it matches what was sent."""
    arrived = transfer.read_volume(engine, helper, volume, read_tar_stream)
    problems = compare(sent, arrived, mtime_types=kept_mtime_types(helper), xattrs=helper.keeps_xattrs)
    if problems:
        raise VerificationError(volume, problems)


def kept_mtime_types(helper: transfer.Helper) -> tuple[str, ...]:
    """Return the entry types whose modification time the helper's tar restores on extraction."""
    return ("file", "directory", "symlink") if helper.tar == transfer.GNU_TAR else ("file",)


def delta_possible(paths: list[str]) -> bool:
    """Tell whether these paths can be named on a tar command line.

    BusyBox tar reads no list of names from a file, so the names are arguments: a name with
    a newline, one that is not valid UTF-8, or a list too long for one command line means a
    full copy instead.
    """
    if sum(len(path) + 3 for path in paths) > MAX_DELTA_ARGUMENT_BYTES:
        return False
    try:
        "".join(paths).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any("\n" in path for path in paths)
