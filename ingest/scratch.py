"""Scratch folders for a load (a big file's UTF-8 copy, its spooled rejected rows).

Each folder is named after the process that made it, so a load killed outright
(kill -9, a power cut), whose folder nothing removed, is found by the next one: a
folder whose process is gone is deleted when a new folder is made. This module never
touches a folder of a process that is still running, nor anything not named by it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

_PREFIX = "chuanhuo-"
_OWNED = re.compile(rf"^{_PREFIX}(\d+)-")


def scratch_folder(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A new scratch folder for `kind` of work, after removing those of dead loads."""
    sweep(Path(tempfile.gettempdir()))
    return tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-{kind}-")


def sweep(folder: Path) -> int:
    """Delete the scratch folders under `folder` whose process is gone; how many."""
    removed = 0
    for entry in folder.glob(f"{_PREFIX}*"):
        owner = _OWNED.match(entry.name)
        if owner is None or not entry.is_dir() or _alive(int(owner.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        log.info("removed %s, left by a load that was stopped", entry)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
