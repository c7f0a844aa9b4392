"""What every benchmark script measures of its own process: CPU seconds and peak memory.

A measurement helper for the scripts in benchmarks/, never imported by the product.
"""

from __future__ import annotations

import logging
import resource
from pathlib import Path

log = logging.getLogger(__name__)


def peak_mib() -> float:
    """Peak resident memory of this process since the last reset_peak, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start a new peak: writing 5 to clear_refs resets VmHWM (Linux 4.0+); elsewhere a no-op."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        log.debug("cannot reset the peak RSS: a peak is the peak so far")


def cpu_seconds(*, children: bool = False) -> float:
    """User + system CPU of this process (all threads), and of its waited-for children.

    Steadier than wall time on a shared machine, where other jobs stretch the seconds
    but not the work.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if children:
        waited = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += waited.ru_utime + waited.ru_stime
    return total
