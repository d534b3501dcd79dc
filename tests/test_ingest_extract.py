"""Extraction from real documents in tests/data and from hostile ones made on the fly."""

from __future__ import annotations

import ctypes
import zipfile
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from pypdf import PdfReader, PdfWriter

from aurenlm.ingest.checks import check_zip
from aurenlm.ingest.errors import IngestError
from aurenlm.ingest.extract import extract, extract_text_string

DATA = Path(__file__).parent / 'data'


def make_pdf(path: Path, pages: list[list[tuple[str, float, bool]]], gap: float = 1.25) -> Path:
    """A PDF without bookmarks: each line is (text, size, bold); an empty text leaves a blank line."""
    pdf = pdfium.PdfDocument.new()
    fonts = {
        False: raw.FPDFText_LoadStandardFont(pdf.raw, b'Helvetica'),
        True: raw.FPDFText_LoadStandardFont(pdf.raw, b'Helvetica-Bold'),
    }
    for lines in pages:
        page = pdf.new_page(612, 792)
        y = 740.0
        for text, size, bold in lines:
            y -= size * gap
            if not text:
                continue
            obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, fonts[bold], size)
            buffer = (ctypes.c_ushort * (len(text) + 1))(*[ord(c) for c in text], 0)
            raw.FPDFText_SetText(obj, buffer)
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 72, y)
            raw.FPDFPage_InsertObject(page.raw, obj)
        raw.FPDFPage_GenerateContent(page.raw)
        page.close()
    pdf.save(path)
    pdf.close()
    return path


# --- PDF -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def libtasn1():
    return extract(DATA / 'libtasn1.pdf', 'pdf')


def test_pdf_text_per_page(libtasn1) -> None:
    assert len(libtasn1.pages) == 36
    assert [p.number for p in libtasn1.pages] == list(range(1, 37))
    page5 = libtasn1.pages[4].text
    assert 'The parser is case sensitive.' in page5
    assert '2.1 ASN.1 syntax' in page5
    assert '\r' not in page5 and '\ufffe' not in page5
    assert all(line == line.rstrip() for line in page5.split('\n'))


def test_pdf_hyphenation_is_joined(libtasn1) -> None:
    assert 'Distinguished Encoding Rules (DER) manipulation.' in libtasn1.pages[1].text


def test_pdf_keeps_paragraph_breaks(libtasn1) -> None:
    page5 = libtasn1.pages[4].text
    # a paragraph wraps over lines, and a blank line separates it from the next
    assert 'comments begin with -- and end either with another --,\nor at the end' in page5
    assert 'are not supported.\n\nFor an example of the syntax' in page5


def test_pdf_drops_page_numbers_and_running_headers(libtasn1) -> None:
    assert libtasn1.pages[4].text.startswith('2 ASN.1 structure handling')  # not with the page number "2"
    assert libtasn1.pages[11].text.startswith('asn1 array2tree')  # not with "Chapter 4: Function reference 9"
    assert not any(page.text.startswith('Chapter 4:') for page in libtasn1.pages)


def test_pdf_outline_tree(libtasn1) -> None:
    top = [(entry.title, entry.page) for entry in libtasn1.outline]
    assert top == [
        ('1 Introduction', 4),
        ('2 ASN.1 structure handling', 5),
        ('3 Utilities', 8),
        ('4 Function reference', 11),
        ('A Copying Information', 27),
        ('Concept Index', 35),
        ('Function and Data Index', 36),
    ]
    structure = libtasn1.outline[1]
    assert [c.title for c in structure.children][:2] == ['ASN.1 syntax', 'Naming']
    assert structure.children[0].level == 2 and structure.children[0].page == 5
    assert structure.to_dict()['children'][0]['title'] == 'ASN.1 syntax'


def test_pdf_headings_found_in_page_text(libtasn1) -> None:
    page5 = libtasn1.pages[4]
    titles = [(h.level, h.title) for h in page5.headings]
    assert titles == [(1, '2 ASN.1 structure handling'), (2, '2.1 ASN.1 syntax')]
    for page in libtasn1.pages:
        for heading in page.headings:
            assert page.text[heading.offset :].startswith(heading.title)
    assert libtasn1.title == 'Libtasn1'


def test_pdf_second_document() -> None:
    spec = extract(DATA / 'shared-mime-info-spec.pdf', 'pdf')
    assert spec.title == 'Shared MIME-info Database'
    assert [entry.title for entry in spec.outline] == ['1. Introduction', '2. Unified system', '3. Contributors']
    page2 = spec.pages[1]
    assert [h.title for h in page2.headings] == [
        '1.3. Language used in this specification',
        '2. Unified system',
        '2.1. Directory layout',
    ]
    assert spec.word_count > 4000


def test_pdf_without_bookmarks_gets_headings_from_type(tmp_path: Path) -> None:
    body = 'This sentence is ordinary body text that goes on for a while.'
    path = make_pdf(
        tmp_path / 'plain.pdf',
        [
            [('Field Guide to Owls', 22, True), ('', 10, False), ('Introduction', 15, True)]
            + [(body, 10, False)] * 4
            + [('', 10, False)]
            + [(body, 10, False)] * 3
            + [('', 10, False), ('Barn owls', 15, True)]
            + [(body, 10, False)] * 5,
            [('Habitat', 15, True)] + [(body, 10, False)] * 6,
        ],
    )
    result = extract(path, 'pdf')
    assert result.title == 'Field Guide to Owls'
    first = result.pages[0]
    assert [(h.level, h.title) for h in first.headings] == [
        (1, 'Field Guide to Owls'),
        (2, 'Introduction'),
        (2, 'Barn owls'),
    ]
    assert [(e.title, [c.title for c in e.children]) for e in result.outline] == [
        ('Field Guide to Owls', ['Introduction', 'Barn owls', 'Habitat'])
    ]
    assert f'{body}\n{body}' in first.text  # lines of a paragraph stay together
    assert first.text.count('\n\n') >= 4  # the extra space before a paragraph or heading breaks it


def encrypted_spec(folder: Path, user_password: str) -> Path:
    """The MIME spec PDF, AES-encrypted with an owner password and this password to open it ('': none needed)."""
    writer = PdfWriter(clone_from=PdfReader(DATA / 'shared-mime-info-spec.pdf'))
    writer.encrypt(user_password=user_password, owner_password='owner', algorithm='AES-128')
    path = folder / 'encrypted.pdf'
    with path.open('wb') as f:
        writer.write(f)
    return path


def test_pdf_encrypted_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as error:
        extract(encrypted_spec(tmp_path, 'open sesame'), 'pdf')
    assert error.value.code == 'encrypted'
    assert 'password-protected' in str(error.value) and 'Remove the password' in str(error.value)


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    assert 'Shared MIME-info Database' in extract(encrypted_spec(tmp_path, ''), 'pdf').pages[0].text


@pytest.mark.parametrize('fraction', [0.05, 0.5, 0.97])
def test_pdf_truncated_is_refused(tmp_path: Path, fraction: float) -> None:
    data = (DATA / 'libtasn1.pdf').read_bytes()
    path = tmp_path / 'cut.pdf'
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(IngestError) as error:
        extract(path, 'pdf')
    assert error.value.code == 'corrupt'
    assert 'damaged or incomplete' in str(error.value)


def test_pdf_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'junk.pdf'
    path.write_bytes(b'%PDF-1.7\n' + bytes(range(256)) * 50)
    with pytest.raises(IngestError) as error:
        extract(path, 'pdf')
    assert error.value.code == 'corrupt'


def test_pdf_without_text_suggests_ocr(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / 'scan.pdf', [[('', 10, False)]] * 3)
    with pytest.raises(IngestError) as error:
        extract(path, 'pdf')
    assert error.value.code == 'no_text'
    assert 'OCR' in str(error.value)


def test_a_long_pdf_is_read_whole_in_one_process_or_several(tmp_path: Path) -> None:
    # its speed is a figure in bench/timings.py (pdf_pages_per_s), not a test
    line = 'The parser reads each definition and builds the structure in memory for later use.'
    path = make_pdf(
        tmp_path / 'long.pdf', [[(f'Sheet {n}.', 10, False)] + [(line, 10, False)] * 44 for n in range(240)]
    )
    for processes in (1, None):
        result = extract(path, 'pdf', processes=processes)
        assert [p.number for p in result.pages] == list(range(1, 241))
        assert all(p.text.startswith(f'Sheet {p.number - 1}.') and line in p.text for p in result.pages)


def test_pdf_parallel_read_matches_serial(tmp_path: Path) -> None:
    pages = [[(f'Line {i} on sheet {n} says something.', 10, False) for i in range(20)] for n in range(130)]
    path = make_pdf(tmp_path / 'many.pdf', pages)
    serial = extract(path, 'pdf', processes=1)
    parallel = extract(path, 'pdf', processes=2)
    assert [p.text for p in serial.pages] == [p.text for p in parallel.pages]
    assert 'Line 19 on sheet 129' in parallel.pages[-1].text


# --- DOCX ----------------------------------------------------------------------------------------------------------


def test_docx_headings_lists_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph('Quarterly Report', style='Title')
    document.add_heading('Summary', level=1)
    document.add_paragraph('Sales grew in every region.')
    document.add_paragraph('North grew most', style='List Bullet')
    document.add_heading('Numbers', level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = 'Region', 'Sales'
    table.cell(1, 0).text, table.cell(1, 1).text = 'North', '12|5'
    document.add_paragraph('After the table.')
    path = tmp_path / 'report.docx'
    document.save(path)

    result = extract(path, 'docx')
    assert len(result.pages) == 1
    text = result.pages[0].text
    assert text.startswith('# Quarterly Report\n\n# Summary\n\nSales grew in every region.\n\n- North grew most')
    assert '## Numbers\n\n| Region | Sales |\n| North | 12/5 |\n\nAfter the table.' in text
    assert [(h.level, h.title) for h in result.pages[0].headings] == [
        (1, 'Quarterly Report'),
        (1, 'Summary'),
        (2, 'Numbers'),
    ]
    for heading in result.pages[0].headings:
        assert text[heading.offset :].startswith('#')
    assert result.title == 'Quarterly Report'
    assert [e.title for e in result.outline] == ['Quarterly Report', 'Summary']
    assert result.outline[1].children[0].title == 'Numbers'


def write_docx_bomb(path: Path, megabytes: int, zip64: bool = True) -> Path:
    """A zip shaped like a DOCX whose document.xml inflates to `megabytes` of zeros; well under 1 MB on disk."""
    block = b'\0' * (1024 * 1024)
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(
            '[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
        )
        with zf.open('word/document.xml', 'w', force_zip64=zip64) as member:
            for _ in range(megabytes):
                member.write(block)
    return path


def test_docx_zip_bomb_is_refused_from_its_directory_without_inflating_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_docx_bomb(tmp_path / 'bomb.docx', 300)
    assert path.stat().st_size < 1024 * 1024  # deflate tops out near 1000:1
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def open_member(self, name, *args, **kwargs):
        opened.append(getattr(name, 'filename', name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, 'open', open_member)
    with pytest.raises(IngestError) as error:
        extract(path, 'docx')
    assert error.value.code == 'zip_bomb'
    assert 'expands to far more data' in str(error.value)
    assert opened == []  # refused from the sizes in the directory: not one byte inflated (bench/timings.py: time)


def test_docx_zip_bomb_with_lying_sizes_is_refused(tmp_path: Path) -> None:
    path = write_docx_bomb(tmp_path / 'liar.docx', 40, zip64=False)
    data = bytearray(path.read_bytes())
    # declare 1 KB in the central directory: only really inflating the member can tell the truth
    entry = data.rfind(b'PK\x01\x02')
    assert data[entry + 46 : entry + 46 + 17] == b'word/document.xml'
    data[entry + 24 : entry + 28] = (1024).to_bytes(4, 'little')
    path.write_bytes(bytes(data))
    with pytest.raises(IngestError) as error:
        check_zip(path, max_uncompressed_bytes=10 * 1024 * 1024, max_ratio=100)
    assert error.value.code in ('zip_bomb', 'corrupt')
    with pytest.raises(IngestError):
        extract(path, 'docx')


def test_docx_broken_package_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'broken.docx'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('[Content_Types].xml', 'not xml at all')
        zf.writestr('word/document.xml', '<w:document')
    with pytest.raises(IngestError) as error:
        extract(path, 'docx')
    assert error.value.code == 'corrupt'


# --- HTML ----------------------------------------------------------------------------------------------------------


def test_html_real_page() -> None:
    result = extract(DATA / 'python-policy.html', 'html')
    text = result.pages[0].text
    assert result.title == 'Debian Python Policy 0.12.0.0 documentation'
    assert 'This document describes the packaging of Python within the Debian GNU/Linux distribution' in text
    assert '<' not in text.replace('<nas@debian.org>', '').split('Authors:')[0]
    assert 'jquery' not in text.lower() and '¶' not in text
    assert 'Navigation' not in text  # role="navigation" chrome is dropped
    titles = [h.title for h in result.pages[0].headings]
    assert '2. Completing the move to Python 3' in titles
    assert '2.1. Removal of the unversioned packages' in titles
    nested = next(e for e in result.outline if e.title == 'Contents').children
    assert nested[0].title == '1. Copyright'


def test_html_drops_scripts_and_chrome(tmp_path: Path) -> None:
    path = tmp_path / 'page.html'
    path.write_text(
        '<!doctype html><html><head><title>Owls &amp; more</title><style>p{color:red}</style>'
        '<script>var secret = "do not index";</script></head><body>'
        '<header><nav><a href="/">Home</a></nav></header>'
        '<main><article><h1>Barn owls</h1><p>They hunt <b>at night</b>.<br>Quietly.</p>'
        '<noscript>Enable JS</noscript><svg><text>vector</text></svg>'
        '<ul><li>Mice</li><li>Voles</li></ul>'
        '<table><tr><th>Owl</th><th>Weight</th></tr><tr><td>Barn</td><td>500 g</td></tr></table>'
        '<h2>Range</h2><p>Everywhere but Antarctica.</p><form><input value="q"><button>Go</button></form>'
        '</article></main><footer>Copyright</footer><aside>Ads</aside></body></html>',
        encoding='utf-8',
    )
    result = extract(path, 'html')
    text = result.pages[0].text
    assert text == (
        '# Barn owls\n\nThey hunt at night.\nQuietly.\n\n- Mice\n\n- Voles\n\n'
        '| Owl | Weight |\n| Barn | 500 g |\n\n## Range\n\nEverywhere but Antarctica.'
    )
    for unwanted in ('do not index', 'color:red', 'Home', 'Enable JS', 'vector', 'Copyright', 'Ads', 'Go'):
        assert unwanted not in text
    assert result.title == 'Owls & more'
    assert [(h.level, h.title, h.offset) for h in result.pages[0].headings] == [
        (1, 'Barn owls', 0),
        (2, 'Range', text.index('## Range')),
    ]


def test_html_legacy_charset_and_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / 'old.html'
    html = '<html><head><meta charset="windows-1252"><title>Café</title></head><body>'
    html += '<div>' * 5000 + '<p>Crème brûlée – “déjà vu”</p>' + '</div>' * 5000 + '</body></html>'
    path.write_bytes(html.encode('cp1252'))
    result = extract(path, 'html')
    assert result.pages[0].text == 'Crème brûlée – “déjà vu”'
    assert result.title == 'Café'


def test_html_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'app.html'
    path.write_text('<html><body><div id="root"></div><script>render()</script></body></html>')
    with pytest.raises(IngestError) as error:
        extract(path, 'html')
    assert error.value.code == 'no_text'


# --- Markdown and text ---------------------------------------------------------------------------------------------


def test_markdown_headings() -> None:
    result = extract(DATA / 'shared-mime-info-README.md', 'markdown')
    page = result.pages[0]
    assert [(h.level, h.title) for h in page.headings] == [
        (1, 'Shared MIME Info'),
        (2, 'Installation'),
        (2, 'Useful reference links'),
    ]
    assert page.text[page.headings[1].offset :].startswith('## Installation')
    assert '$ meson _build -Dprefix=/usr' in page.text
    assert result.title == 'Shared MIME Info'
    assert [e.title for e in result.outline[0].children] == ['Installation', 'Useful reference links']


def test_markdown_setext_fences_and_front_matter() -> None:
    text = (
        '---\ntitle: "Field notes"\ntags: [owls]\n---\n\nOwls\n====\n\nIntro text.\n\n'
        '```python\n# not a heading\n```\n\nHabitat\n-------\n\nWoods.\n\nA paragraph\nover two lines\n---\n\n'
        '### Diet *(mostly)* [mice](http://example.com) ###\n'
    )
    result = extract_text_string(text)
    headings = [(h.level, h.title) for h in result.pages[0].headings]
    assert headings == [(1, 'Owls'), (2, 'Habitat'), (3, 'Diet (mostly) mice')]
    assert result.title == 'Field notes'
    assert extract_text_string('plain words', title='Pasted').title == 'Pasted'


def test_plain_text_headings_in_gpl() -> None:
    result = extract(DATA / 'gpl-3.txt', 'text')
    page = result.pages[0]
    titles = [(h.level, h.title) for h in page.headings]
    assert titles[:5] == [
        (1, 'GNU GENERAL PUBLIC LICENSE'),
        (1, 'Preamble'),
        (1, 'TERMS AND CONDITIONS'),
        (2, '0. Definitions'),
        (2, '1. Source Code'),
    ]
    assert (2, '17. Interpretation of Sections 15 and 16') in titles
    assert (1, 'END OF TERMS AND CONDITIONS') in titles
    # body lines that merely start with a number or are in capitals are not headings
    assert not any(t.startswith('7.  This requirement') or t.startswith('THERE IS NO WARRANTY') for _, t in titles)
    for heading in page.headings:
        assert page.text[heading.offset :].startswith(heading.title)
    assert result.title == 'GNU GENERAL PUBLIC LICENSE'
    assert 5000 < result.word_count < 6000


@pytest.mark.parametrize(
    'encoding, prefix',
    [
        ('utf-8', b''),
        ('utf-8', b'\xef\xbb\xbf'),
        ('cp1252', b''),
        ('latin-1', b''),
        ('utf-16-le', b'\xff\xfe'),
        ('utf-16-be', b'\xfe\xff'),
        ('utf-16-le', b''),
    ],
)
def test_text_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = 'Le café était très bon. Naïve façade, déjà vu.\n\nÀ bientôt, élève. Straße, Übermut.'
    if encoding == 'cp1252':
        text += ' “Quotes” – and … ellipsis €5.'
    path = tmp_path / 'notes.txt'
    path.write_bytes(prefix + text.encode(encoding))
    assert extract(path, 'text').pages[0].text == text


def test_text_mostly_utf8_keeps_its_accents(tmp_path: Path) -> None:
    path = tmp_path / 'joined.txt'
    path.write_bytes(('Grüße aus Köln, schön hier. ' * 20).encode() + b'one bad byte: \xe9.')
    text = extract(path, 'text').pages[0].text
    assert text.startswith('Grüße aus Köln') and text.endswith('one bad byte: \ufffd.')


@pytest.mark.parametrize(
    'encoding, text',
    [
        ('cp1251', 'Привет, как дела? Это тестовый текст на русском языке, и он довольно длинный.'),
        ('cp1250', 'Zażółć gęślą jaźń. Příliš žluťoučký kůň úpěl ďábelské ódy. Dzień dobry, jak się masz?'),
    ],
)
def test_text_other_legacy_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / 'legacy.txt'
    path.write_bytes(((text + '\n') * 5).encode(encoding))
    assert extract(path, 'text').pages[0].text == ((text + '\n') * 5).strip()


def test_binary_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'data.txt'
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError) as error:
        extract(path, 'text')
    assert error.value.code == 'not_text'
    empty = tmp_path / 'blank.md'
    empty.write_text('\n\n   \n')
    with pytest.raises(IngestError) as error:
        extract(empty, 'markdown')
    assert error.value.code == 'no_text'


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        extract(tmp_path / 'x', 'exe')
