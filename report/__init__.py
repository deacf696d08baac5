"""The board pack: `python -m report --out FILE.html ...`, or from the app:

    html = report.board_pack(con, filters, grain="month", basis="logo")
"""

from report.pack import board_pack, file_name

__all__ = ["board_pack", "file_name"]
