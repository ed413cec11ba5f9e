"""Word transcripts (.docx): what Teams' "Download as .docx" and a Meet transcript saved from Google
Docs give. The paragraphs are read from the document's XML and parsed as the .txt layouts are
(Teams writes `Name  0:03` with the text below; Meet `Name: text` under lone time marks)."""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

from ..errors import MalformedTranscript
from . import txt

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Word saves a document with a password or a sensitivity label as an OLE compound file holding an
# "EncryptedPackage" stream, the format .doc files have always had (their text is in "WordDocument").
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def paragraphs(raw: bytes, source: str) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, EOFError, zlib.error):
        if raw.startswith(b"PK\x03\x04"):   # a zip archive's first bytes: a .docx that is damaged or incomplete
            raise MalformedTranscript("is a damaged or incomplete Word (.docx) document: was it copied or downloaded "
                                      "to the end?", path=source) from None
        if raw.startswith(_OLE2):
            if "EncryptedPackage".encode("utf-16-le") in raw:
                raise MalformedTranscript("is a password-protected or encrypted Word document: save a copy without "
                                          "the protection and give talkscan that", path=source) from None
            if "WordDocument".encode("utf-16-le") in raw:
                raise MalformedTranscript("is an old-format Word (.doc) document: save it as .docx", path=source) from None
        raise MalformedTranscript("is not a Word (.docx) document", path=source) from None
    out = []
    for p in root.iter(_W + "p"):
        parts = []
        for el in p.iter():
            if el.tag == _W + "t":
                parts.append(el.text or "")
            elif el.tag == _W + "tab":
                parts.append("\t")
            elif el.tag in (_W + "br", _W + "cr"):
                parts.append("\n")
        out.append("".join(parts))
    return out


def parse(raw: bytes, source: str):
    return txt.parse("\n".join(paragraphs(raw, source)), source)
