"""Keep the UI thread responsive while the engine thread and the metrics work beside it.

Two process-wide settings, applied once by ``run_tui`` as the app starts (the TUI is the
process; a test or a program that embeds the app leaves them alone):

- The garbage collector. convscope's heap holds a few hundred thousand long-lived
  objects (numpy, scipy, the metrics, Textual). A full collection walks all of them:
  measured at 130-230 ms in the UI thread, every second or so with eight panes
  streaming. Freezing the heap once it is built (after a last collection, so no garbage
  is kept) hides those objects from the collector, and full collections are spaced ten
  times further apart; the rare one left costs 30-80 ms.
- The GIL switch interval. The UI thread waits for the GIL whenever the engine thread
  runs Python code; by default the holder gives it up every 5 ms, and a frame needs the
  GIL many times. At 1 ms the worst UI stall with agents streaming flat out fell from
  about 140 ms to under 30 ms on the 2-core test machine.
"""

from __future__ import annotations

import gc
import sys

FULL_COLLECTION_THRESHOLD = 100  # Python's default is 10 middle-generation collections
SWITCH_INTERVAL_S = 0.001


def keep_ui_responsive() -> None:
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, max(old, FULL_COLLECTION_THRESHOLD))
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
