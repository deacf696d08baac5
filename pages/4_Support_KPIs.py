"""Support KPIs."""

import ui

f, con = ui.frame("Support KPIs")
