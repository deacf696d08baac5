"""Support × retention."""

import ui

f, con = ui.frame("Support × retention")
