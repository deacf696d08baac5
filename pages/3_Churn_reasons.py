"""Churn reasons."""

import ui

f, con = ui.frame("Churn reasons")
