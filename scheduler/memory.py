"""Keep a months-long daemon's memory from ratcheting up: hand large buffers back to the system.

glibc's malloc serves blocks of 128 KiB and more with their own ``mmap`` and returns them on
``free`` — until the first such block is freed, after which it raises that threshold to the
freed size (up to 32 MiB) and serves later ones from the heap. Every check allocates several
buffers of a page's size (the response body, its decoded text, lxml's copies: ~230 KiB each for
the corpus's pages), so after the first one they all land on the heap, interleaved with small
long-lived objects, and the heap can only grow to the worst mix it has ever held. Fixing the
thresholds (which turns the adjustment off) keeps page-sized buffers out of the heap and lets
it shrink from the top again.

Measured on ``python -m bench daemon``'s set-up (100,000 tracked, 16 concurrent churned pages;
the README's "Scale" table), back to back: the heap segment of the daemon's RSS (``/proc/<pid>/smaps``)
fell from 42 to 31 MiB and the peak by 5-7 MiB. A ``gc`` + ``malloc_trim`` per pass had made no measurable difference (the
freed memory was scattered, not at the heap's top). Other C libraries and platforms: no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks at least this large get their own mapping, returned to the system when freed: glibc's
#: own starting value, kept fixed (a page body is larger; the many small objects are not).
MMAP_THRESHOLD = 128 * 1024
#: Free memory at the top of the heap beyond this is given back (glibc's starting value, fixed).
TRIM_THRESHOLD = 128 * 1024


def release_large_buffers() -> bool:
    """Fix glibc's mmap and trim thresholds for this process; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return False
    done = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    logger.debug("malloc thresholds fixed at %d bytes: %s", MMAP_THRESHOLD, done)
    return done
