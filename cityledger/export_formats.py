"""The file formats a table exports to: names, media types and file extensions.

Apart from cityledger.export so that the command line lists them without loading the read side.
"""

from __future__ import annotations

MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "markdown": "text/markdown",
    "svg": "image/svg+xml",
    "html": "text/html",
}
EXTENSIONS = {"csv": "csv", "json": "json", "markdown": "md", "svg": "svg", "html": "html"}
FORMATS = tuple(MEDIA_TYPES)
