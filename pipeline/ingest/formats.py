"""Bytes of a file -> raw text, one reader per format, with encoding detection."""

from __future__ import annotations

import codecs
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# GB2312 and GBK are subsets of GB18030: decode the whole family with the superset.
_GB_FAMILY = ("gb2312", "gbk", "gb18030", "cp936")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "pre", "dd", "dt", "dl", "td", "th", "center",
)
_NOISE_TAGS = (
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
    "button", "select", "svg", "template", "head",
)


def _check_text(text: str, path: Path) -> str:
    controls = len(_CONTROL_RE.findall(text))
    if controls > max(2, len(text) // 200):
        raise InputError(path, "binary or undecodable file (control characters in the text)")
    return text


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Detect the encoding of ``data`` and decode it; return ``(text, encoding)``."""
    if not data.strip():
        raise InputError(path, "empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(enc).lstrip("\ufeff"), path), enc
            except UnicodeDecodeError:
                raise InputError(path, f"undecodable file (starts with a {enc} BOM)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" not in text:
            return _check_text(text, path), "utf-8"
    best = from_bytes(data).best()
    if best is None:
        raise InputError(path, "binary or undecodable file (no text encoding fits)")
    enc = "gb18030" if best.encoding.lower().replace("_", "") in _GB_FAMILY else best.encoding
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise InputError(path, f"undecodable file (detected {best.encoding})") from None
    return _check_text(text, path), enc


def read_plain(data: bytes, path: Path) -> tuple[str, str]:
    return decode(data, path)


def read_html(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a web page: block elements on lines of their own, no scripts or menus.

    One pass over lxml's tree (linear in the page, whatever its nesting or number of
    ``<br>``); libxml2 caps the nesting depth, so a hostile page cannot exhaust the stack.
    """
    from lxml import etree, html

    text, enc = decode(data, path)
    try:
        root = html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(path, f"not a readable HTML page ({exc})") from None
    body = root.find("body")
    parts: list[str] = []
    walker = etree.iterwalk(body if body is not None else root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event in ("comment", "pi"):
            if el.tail:
                parts.append(el.tail)
            continue
        if event == "start":
            if tag in _NOISE_TAGS:
                walker.skip_subtree()  # its "end" event still comes, with the tail
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not body:
                parts.append(el.tail)
    out = "".join(parts)
    if not out.strip():
        raise InputError(path, "HTML page has no body text")
    return out, enc


def read_docx(data: bytes, path: Path) -> tuple[str, str]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile, KeyError, lxml errors… on bad input
        raise InputError(path, f"not a readable .docx file ({type(exc).__name__})") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                lines.append("\t".join(cell.text for cell in row.cells))
        else:
            lines.append(block.text)
    return "\n".join(lines), "docx"


def read_pdf(data: bytes, path: Path) -> tuple[str, str]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(path, "encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many types on malformed files
        raise InputError(path, f"not a readable PDF file ({type(exc).__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(path, "PDF has no text layer (a scanned image?); OCR it first")
    return text, "pdf"


READERS: dict[str, Callable[[bytes, Path], tuple[str, str]]] = {
    ".txt": read_plain,
    ".md": read_plain,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}


ARCHIVES = (".docx",)
MAX_RATIO = 200  # an archive member this many times larger than its compressed size is a bomb


def check_archive(data: bytes, path: Path, max_unpacked: int) -> None:
    """Refuse a zip whose members unpack to more than ``max_unpacked`` bytes in all, or one
    that inflates more than ``MAX_RATIO`` times (a zip bomb), before anything is unpacked."""
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(path, f"not a readable {path.suffix} file ({type(exc).__name__})") from None
    total = sum(m.file_size for m in members)
    if total > max_unpacked:
        raise InputError(path, f"archive unpacks to {total:,} bytes, over the limit of {max_unpacked:,} "
                               "(ingest.max_unpacked_bytes)")
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise InputError(path, f"archive member {m.filename} inflates {m.file_size // max(m.compress_size, 1):,} "
                                   "times (a zip bomb?); refused")


def read_bytes(data: bytes, path: Path, max_unpacked: int = 100_000_000) -> tuple[str, str, str]:
    """Return ``(raw_text, format, encoding)`` of a file's bytes; the extension picks the reader.

    Archives (.docx) are checked against ``max_unpacked`` before they are opened."""
    ext = path.suffix.lower()
    reader = READERS.get(ext)
    if reader is None:
        supported = " ".join(sorted(READERS))
        raise InputError(path, f"unsupported file type '{ext or '(none)'}' (supported: {supported})")
    if not data.strip():
        raise InputError(path, "empty file")
    if ext in ARCHIVES:
        check_archive(data, path, max_unpacked)
    text, enc = reader(data, path)
    return text, ext.lstrip("."), enc
