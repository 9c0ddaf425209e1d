"""``ftzkg backup`` and ``ftzkg restore`` for the on-disk store.

A backup is pyoxigraph's own (``Store.backup``: a consistent RocksDB checkpoint, hard-linked
where the file system allows, so it is fast and safe while the store is in use) taken from a
read-only handle, so it can run beside a live server, plus the store's metadata file.
Restoring never opens the target for writing in place: the backup is copied next to it and
swapped in with two renames, so an interrupted restore leaves either the old store or the
new one, never a mixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

from ftzkg.errors import BadRequest
from ftzkg.store_metadata import METADATA_FILE


def backup_store(store_path: Path, target: Path) -> int:
    """Write a backup of the store at ``store_path`` into the new directory ``target``.

    Returns the number of quads backed up.
    """
    if not store_path.is_dir():
        raise BadRequest(f"there is no on-disk store at {store_path} (set --store or FTZKG_STORE)")
    if target.exists():
        raise BadRequest(f"{target} already exists; a backup goes into a new directory")
    try:
        store = ox.Store.read_only(str(store_path))
        store.backup(str(target))
        # Copied after the data: a write bumps the version before it changes the data, so the
        # copy's version is never older than the data it describes (see store_metadata).
        metadata = store_path / METADATA_FILE
        if metadata.is_file():
            shutil.copy2(metadata, target / METADATA_FILE)
        return len(ox.Store.read_only(str(target)))
    except OSError as error:
        raise BadRequest(f"cannot back up {store_path}: {error}") from None


def restore_store(backup: Path, store_path: Path) -> int:
    """Replace the store at ``store_path`` (the server must be stopped) with ``backup``.

    Returns the number of quads in the restored store.
    """
    if not backup.is_dir():
        raise BadRequest(f"there is no backup directory at {backup}")
    try:
        quads = len(ox.Store.read_only(str(backup)))
    except OSError as error:
        raise BadRequest(f"{backup} is not an ftzkg backup: {error}") from None
    incoming = store_path.with_name(store_path.name + ".restoring")
    outgoing = store_path.with_name(store_path.name + ".replaced")
    for leftover in (incoming, outgoing):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(backup, incoming)
    try:
        ox.Store(str(incoming)).flush()
    except OSError as error:
        shutil.rmtree(incoming, ignore_errors=True)
        raise BadRequest(f"cannot open the copied backup: {error}") from None
    if store_path.exists():
        try:
            # Fails while a server holds the store's lock: a restore needs it stopped.
            ox.Store(str(store_path)).flush()
        except OSError as error:
            shutil.rmtree(incoming, ignore_errors=True)
            raise BadRequest(
                f"cannot restore into {store_path}: stop the server first ({error})"
            ) from None
        store_path.rename(outgoing)
    incoming.rename(store_path)
    shutil.rmtree(outgoing, ignore_errors=True)
    return quads
