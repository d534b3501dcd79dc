"""detect_kind: the kind comes from the bytes, on an allow-list, and must agree with the name people gave."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

from aurenlm.ingest.errors import IngestError
from aurenlm.ingest.sniff import detect_kind

DATA = Path(__file__).parent / 'data'


def stored(tmp_path: Path, data: bytes) -> Path:
    """Uploads are stored under a random name without an extension; the original name travels separately."""
    path = tmp_path / 'f3a9c1d2'
    path.write_bytes(data)
    return path


def refused(path: Path, filename: str | None) -> IngestError:
    with pytest.raises(IngestError) as error:
        detect_kind(path, filename)
    return error.value


@pytest.mark.parametrize(
    'name, kind',
    [
        ('libtasn1.pdf', 'pdf'),
        ('shared-mime-info-spec.pdf', 'pdf'),
        ('python-policy.html', 'html'),
        ('gpl-3.txt', 'text'),
        ('shared-mime-info-README.md', 'markdown'),
    ],
)
def test_real_documents(name: str, kind: str) -> None:
    assert detect_kind(DATA / name) == kind
    assert detect_kind(DATA / name, name) == kind


def test_kind_comes_from_content_not_name(tmp_path: Path) -> None:
    pdf = stored(tmp_path, (DATA / 'libtasn1.pdf').read_bytes())
    assert detect_kind(pdf, 'report') == 'pdf'
    assert detect_kind(pdf, None) == 'pdf'
    html = stored(tmp_path, (DATA / 'python-policy.html').read_bytes())
    assert detect_kind(html, 'page.txt') == 'html'  # a whole HTML document, whatever the text-like name
    assert detect_kind(html, 'index.php') == 'html'


def test_markdown_or_text_is_chosen_by_name(tmp_path: Path) -> None:
    readme = stored(tmp_path, (DATA / 'shared-mime-info-README.md').read_bytes())
    assert detect_kind(readme, 'README.md') == 'markdown'
    assert detect_kind(readme, 'README.markdown') == 'markdown'
    assert detect_kind(readme, 'README') == 'text'
    assert detect_kind(readme, 'README.txt') == 'text'
    # a README that opens with an HTML block is still markdown when named so
    fancy = stored(tmp_path, b'<div align="center"><img src="logo.png"></div>\n\n# Project\n\nText.\n')
    assert detect_kind(fancy, 'README.md') == 'markdown'
    assert detect_kind(fancy, 'fragment') == 'html'
    script = stored(tmp_path, b'#!/bin/sh\necho "MZ is not a program here"\n')
    assert detect_kind(script, 'run.sh') == 'text'


def test_docx_is_a_zip_with_word_parts(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph('Hello')
    document.save(buffer)
    path = stored(tmp_path, buffer.getvalue())
    assert detect_kind(path, 'letter.docx') == 'docx'
    assert detect_kind(path, None) == 'docx'


def test_empty_and_blank_files(tmp_path: Path) -> None:
    error = refused(stored(tmp_path, b''), 'notes.txt')
    assert error.code == 'empty' and 'empty' in error.message
    assert refused(stored(tmp_path, b' \n\t\n'), 'notes.txt').code == 'empty'


def test_pdf_name_with_html_inside(tmp_path: Path) -> None:
    path = stored(tmp_path, b'<!DOCTYPE html><html><head><title>Login</title></head><body>Sign in</body></html>')
    error = refused(path, 'paper.pdf')
    assert error.code == 'mismatch'
    assert error.message.startswith('This file is named .pdf but contains HTML')
    assert '.html' in error.message


def test_other_name_mismatches(tmp_path: Path) -> None:
    pdf = stored(tmp_path, (DATA / 'shared-mime-info-spec.pdf').read_bytes())
    assert 'named .docx but contains a PDF' in refused(pdf, 'spec.docx').message
    assert 'named .html but contains a PDF' in refused(pdf, 'spec.html').message
    assert refused(pdf, 'photo.png').code == 'mismatch'
    text = stored(tmp_path, b'just some words\n')
    assert 'named .docx but contains text' in refused(text, 'memo.docx').message


@pytest.mark.parametrize(
    'data, words',
    [
        (b'\x89PNG\r\n\x1a\n' + bytes(100), 'PNG image'),
        (b'\xff\xd8\xff\xe0' + bytes(100), 'JPEG image'),
        (b'GIF89a\x01\x00\x01\x00' + bytes(100), 'GIF image'),
        (b'MZ\x90\x00\x03\x00' + bytes(100), 'Windows program'),
        (b'\x7fELF\x02\x01\x01' + bytes(100), 'program'),
        (b'\x1f\x8b\x08\x00' + bytes(100), 'gzip'),
        (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + bytes(100), 'old-format or password-protected Office'),
        (b'{\\rtf1\\ansi Hello}', 'RTF'),
        (b'RIFF\x24\x00\x00\x00WEBPVP8 ' + bytes(100), 'WebP'),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>Hi</text></svg>', 'SVG image'),
    ],
)
def test_binary_formats_are_named(tmp_path: Path, data: bytes, words: str) -> None:
    error = refused(stored(tmp_path, data), None)
    assert error.code == 'unsupported'
    assert words in error.message and 'PDF, Word (.docx), HTML, Markdown and plain text' in error.message


def test_binary_named_txt(tmp_path: Path) -> None:
    path = stored(tmp_path, bytes(range(256)) * 64)
    error = refused(path, 'notes.txt')
    assert error.code == 'not_text'
    assert 'binary' in error.message


def test_other_zips(tmp_path: Path) -> None:
    def zipped(names: dict[str, bytes]) -> Path:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, 'w') as zf:
            for name, content in names.items():
                zf.writestr(name, content)
        return stored(tmp_path, buffer.getvalue())

    sheet = zipped({'[Content_Types].xml': b'<x/>', 'xl/workbook.xml': b'<x/>'})
    assert 'Excel spreadsheet' in refused(sheet, 'book.xlsx').message
    slides = zipped({'[Content_Types].xml': b'<x/>', 'ppt/presentation.xml': b'<x/>'})
    assert 'PowerPoint' in refused(slides, None).message
    book = zipped({'mimetype': b'application/epub+zip', 'content.opf': b'<x/>'})
    assert 'EPUB' in refused(book, 'novel.epub').message
    macros = zipped({'[Content_Types].xml': b'<x ct="macroEnabled.main+xml"/>', 'word/document.xml': b'<x/>'})
    assert 'Word document with macros' in refused(macros, 'memo.docm').message
    archive = zipped({'a.txt': b'hello'})
    assert 'zip archive' in refused(archive, 'files.zip').message
    broken = stored(tmp_path, b'PK\x03\x04' + bytes(200))
    assert refused(broken, 'x.docx').code == 'corrupt'


def test_text_in_legacy_and_utf16_encodings(tmp_path: Path) -> None:
    assert detect_kind(stored(tmp_path, 'café crème brûlée'.encode('cp1252')), 'menu.txt') == 'text'
    assert detect_kind(stored(tmp_path, '\ufeff# Titre\n\nDéjà'.encode('utf-16-le')), 'notes.md') == 'markdown'
    assert detect_kind(stored(tmp_path, '<html><body>Hi</body></html>'.encode('utf-16')), 'p.html') == 'html'


def test_large_utf8_file_cut_inside_a_character(tmp_path: Path) -> None:
    # the sniffer reads only the head; a multi-byte character split at that boundary is not an error
    path = stored(tmp_path, ('a' * 65535 + 'é' * 1000).encode('utf-8'))
    assert detect_kind(path, 'long.txt') == 'text'


def test_original_path_name_is_used_without_a_filename(tmp_path: Path) -> None:
    path = tmp_path / 'README.md'
    shutil.copy(DATA / 'shared-mime-info-README.md', path)
    assert detect_kind(path) == 'markdown'
