"""The terminal UI (Textual): a thin view of the review model; it computes no KPI numbers.

Imported only by the `tui` command, so the core modules never load Textual.
"""

import gc

# Start-up makes many objects that live as long as the app; collecting garbage among them while
# starting is wasted work (about a tenth of the start-up time). Collection resumes, with those
# objects frozen out of it, once the first review is on screen (kpireview.tui.app.started).
gc.disable()
