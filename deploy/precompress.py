"""Copy Streamlit's static folder and write a .gz and a .br file beside every compressible file.

    python -m deploy.precompress DEST [--source DIR] [--brotli-quality Q]

The proxy (deploy/nginx.conf: gzip_static, brotli_static) then sends the smallest version the
browser accepts straight from disk, without compressing anything per request: Streamlit's server
sends its static files uncompressed on purpose and leaves compression to a proxy, and compressing
on the fly costs the CPU the app's reruns need. The Dockerfile's `static` stage runs this on the
exact Streamlit the app image installs, so the proxy's copy always matches the app's bundles
(file names are content hashes; a file the proxy lacks is fetched from the app instead).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
from pathlib import Path

# Text formats compress 3-5x; images, woff2 and the like are compressed already.
COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".json", ".map", ".svg", ".txt", ".wasm", ".ttf",
                ".otf", ".eot", ".xml", ".webmanifest"}
# Below this the headers cost more than compression saves (nginx's own gzip_min_length default).
MIN_BYTES = 1024


def streamlit_static() -> Path:
    import streamlit

    return Path(streamlit.__file__).resolve().parent / "static"


def precompress(dest: Path, source: Path | None = None, brotli_quality: int = 11) -> dict:
    """Copy `source` (Streamlit's static folder) to `dest` and compress; return byte counts."""
    import brotli

    source = Path(source or streamlit_static())
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest)
    totals = {"files": 0, "raw": 0, "gzip": 0, "br": 0}
    for path in sorted(dest.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            continue
        data = path.read_bytes()
        if len(data) < MIN_BYTES:
            continue
        stat = path.stat()
        packed = {".gz": gzip.compress(data, compresslevel=9, mtime=0),
                  ".br": brotli.compress(data, quality=brotli_quality)}
        for suffix, body in packed.items():
            if len(body) >= len(data):
                continue  # nginx then sends the original
            out = path.with_name(path.name + suffix)
            out.write_bytes(body)
            # Same times as the original: nginx's ETag and Last-Modified then describe one file.
            os.utime(out, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            totals["gzip" if suffix == ".gz" else "br"] += len(body)
        totals["files"] += 1
        totals["raw"] += len(data)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.precompress", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path, help="folder to create (replaced if it exists)")
    parser.add_argument("--source", type=Path, default=None,
                        help="Streamlit's static folder (default: the installed Streamlit's)")
    parser.add_argument("--brotli-quality", type=int, default=11, choices=range(12),
                        metavar="0-11", help="11 (default) is smallest and slowest")
    args = parser.parse_args(argv)
    totals = precompress(args.dest, args.source, args.brotli_quality)
    print(f"{totals['files']} files, {totals['raw'] / 1e6:.1f} MB raw -> "
          f"{totals['gzip'] / 1e6:.1f} MB gzip, {totals['br'] / 1e6:.1f} MB brotli "
          f"in {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
