"""Data & definitions."""

import ui

f, con = ui.frame("Data & definitions")
