"""Turn the bytes of a text file into str: BOMs, UTF-8, UTF-16 without a BOM, then the legacy code pages."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .errors import IngestError

NOT_TEXT = (
    'This file does not contain readable text (it looks like binary data). '
    'Upload a PDF, Word (.docx), HTML, Markdown or plain text file.'
)

_BOMS = (
    (codecs.BOM_UTF32_LE, 'utf-32-le'),
    (codecs.BOM_UTF32_BE, 'utf-32-be'),
    (codecs.BOM_UTF8, 'utf-8'),
    (codecs.BOM_UTF16_LE, 'utf-16-le'),
    (codecs.BOM_UTF16_BE, 'utf-16-be'),
)
# Code pages that charset-normalizer confuses with Windows-1252 on short Western-European texts.
_LATIN_LOOKALIKES = re.compile(
    r'^(cp125[02478]|iso8859_(1|2|3|4|9|10|13|14|15|16)|latin_1|mac_.*|hp_roman8|cp437|cp850)$'
)
_WESTERN = set(
    'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŸŒœŠšŽž'
    '€£¥¢©®°±§¶·«»¿¡½¼¾ªº×÷µ–—‘’‚“”„†‡•…‰‹›™´¨¸¯¬\u00a0'
)
_CONTROL = re.compile(r'[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]')


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark announces, and the mark's length."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text with no BOM shows NUL in every other byte for ASCII-range characters."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.05 * len(even):
        return 'utf-16-le'
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.05 * len(odd):
        return 'utf-16-be'
    return None


def _decode(data: bytes, encoding: str, partial: bool) -> str:
    # partial: the data was cut from a longer file, so a sequence split at the end is not an error
    decoder = codecs.getincrementaldecoder(encoding)(errors='strict')
    return decoder.decode(data, final=not partial)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a file cut and pasted together): keep it, with U+FFFD for the bad bytes.
    Real UTF-8 shows many valid multi-byte characters; a legacy code page shows almost none."""
    text = data.decode('utf-8', errors='replace')
    bad = text.count('\ufffd')
    wide = sum(1 for c in text if ord(c) > 127) - bad
    return text if wide >= 20 * bad and bad <= 0.001 * len(text) + 1 else None


def _legacy(data: bytes) -> str | None:
    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is None:
        return None
    encoding = best.encoding
    # prefer Windows-1252 when it is a candidate too and every accented character it gives is a Western one;
    # a Polish or Czech text in cp1250 does not list cp1252 as a candidate at all
    candidates = {match.encoding for match in matches}
    if _LATIN_LOOKALIKES.match(encoding) and encoding != 'cp1252' and 'cp1252' in candidates:
        try:
            western = data.decode('cp1252')
        except UnicodeDecodeError:
            western = None
        if western is not None:
            high = [c for c in western if ord(c) > 127]
            if high and sum(c in _WESTERN for c in high) >= 0.95 * len(high):
                return western
    try:
        # the guess comes from a sample; a stray undefined byte later on becomes U+FFFD rather than a refusal
        return data.decode(encoding, errors='replace')
    except LookupError:
        return None


def decode_text(data: bytes, *, partial: bool = False) -> str:
    """Decode a text file, or raise IngestError when it is not text. `partial` is for a file's first bytes only."""
    text: str | None = None
    found = bom_encoding(data)
    if found:
        encoding, skip = found
        try:
            text = _decode(data[skip:], encoding, partial)
        except UnicodeDecodeError:
            raise IngestError(
                f'This file says it is {encoding.upper()} text but is not valid {encoding.upper()}. '
                'Save it again as UTF-8 and upload it again.',
                code='not_text',
            ) from None
    if text is None:
        encoding = _utf16_without_bom(data)
        if encoding:
            try:
                text = _decode(data, encoding, partial)
            except UnicodeDecodeError:
                text = None
    if text is None:
        try:
            text = _decode(data, 'utf-8', partial)
        except UnicodeDecodeError:
            if b'\x00' in data[:8192]:
                raise IngestError(NOT_TEXT, code='not_text') from None
            text = _mostly_utf8(data) or _legacy(data)
    if text is None or looks_binary(text):
        raise IngestError(NOT_TEXT, code='not_text')
    return text


def looks_binary(text: str) -> bool:
    """NUL characters, or more than a few control characters, mean binary data that happened to decode."""
    sample = text[:65536]
    if not sample:
        return False
    if '\x00' in sample:
        return True
    controls = len(_CONTROL.findall(sample))
    replacements = sample.count('\ufffd')
    return controls + replacements > max(2, 0.02 * len(sample))
