"""The board pack: `python -m outputs.report --out FILE.html ...`, or from the app:

    html = report.board_pack(con, filters, grain="month", basis="logo")
"""

from outputs.report.pack import board_pack, file_name

__all__ = ["board_pack", "file_name"]
