"""Sources: every format goes in, is searchable, and hostile input is refused clearly, leaving nothing behind."""

import io
import zipfile

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from sqlmodel import func, select

from aurenlm import db, repos
from aurenlm.ingest import IngestError
from aurenlm.models import Job, Source, SourceChunk, SourcePage
from aurenlm.search import fulltext
from aurenlm.sources import service as sources
from tests.helpers import person
from tests.sourcekit import DATA, drain, ready_source, stored_files, upload

LIBTASN1 = (DATA / 'libtasn1.pdf').read_bytes()


def count(model) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def nothing_left() -> None:
    assert count(Source) == 0 and count(SourceChunk) == 0 and count(SourcePage) == 0 and count(Job) == 0
    assert stored_files() == []


async def test_pdf_page_text_and_search_on_this_database(ann, notebook) -> None:
    source = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    assert source.kind == 'pdf' and source.page_count == 36 and source.word_count > 5000
    page5 = repos.sources.page(ann, source.id, 5)
    assert 'The parser is case sensitive' in page5.text
    hits = fulltext.search('Is the parser sensitive to case?', [source.id])
    assert hits and hits[0].page == 5
    assert '\u27e6' in hits[0].snippet  # highlighted terms
    chunk = repos.sources.chunk(ann, hits[0].chunk_id)
    assert page5.text[chunk.char_start : chunk.char_end] == chunk.text
    assert source.guide['summary'] and source.guide['topics'] and 3 <= len(source.guide['questions']) <= 5
    assert [entry['title'] for entry in source.outline][:2] == ['1 Introduction', '2 ASN.1 structure handling']


async def test_every_format(ann, notebook) -> None:
    document = docx.Document()
    document.add_heading('Pond ecology', level=1)
    document.add_paragraph('Dragonfly larvae hunt tadpoles among the reeds of shallow ponds.')
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = 'Species', 'Anax imperator'
    buffer = io.BytesIO()
    document.save(buffer)
    docx_source = await upload(ann, notebook.id, 'ponds.docx', buffer.getvalue())
    html_source = await upload(ann, notebook.id, 'python-policy.html')
    md_source = await upload(ann, notebook.id, 'shared-mime-info-README.md')
    txt_source = await upload(ann, notebook.id, 'gpl-3.txt')
    latin = await upload(
        ann, notebook.id, 'café.txt', 'Crème brûlée is a custard dessert from France.'.encode('cp1252')
    )
    pasted = await sources.add_text(ann, notebook.id, 'Pasted', '# Heading\n\nSome pasted words about otters.')
    await drain()
    by_id = {s.id: s for s in repos.sources.list_for(ann, notebook.id)}
    assert all(s.status == 'ready' for s in by_id.values()), [(s.title, s.error) for s in by_id.values()]
    assert by_id[docx_source.id].kind == 'docx'
    assert 'Anax imperator' in repos.sources.page(ann, docx_source.id, 1).text
    assert by_id[html_source.id].kind == 'html'
    assert by_id[md_source.id].kind == 'markdown' and by_id[txt_source.id].kind == 'text'
    assert 'Crème brûlée' in repos.sources.page(ann, latin.id, 1).text
    assert 'otters' in repos.sources.page(ann, pasted.id, 1).text
    hits = fulltext.search('dragonfly larvae', list(by_id))
    assert hits[0].source_id == docx_source.id


async def test_html_scripts_are_dropped(ann, notebook) -> None:
    html = (
        b'<html><head><script>alert("pwned")</script></head><body><h1>Safe</h1><p>Visible text here.</p></body></html>'
    )
    source = await ready_source(ann, notebook.id, 'page.html', html)
    text = repos.sources.page(ann, source.id, 1).text
    assert 'Visible text here.' in text and 'alert' not in text and '<' not in text


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(LIBTASN1)).pages[:2]:
        writer.add_page(page)
    writer.encrypt('secret-password')
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', '<Types/>')
        with z.open('word/document.xml', 'w', force_zip64=True) as member:
            block = b'\0' * (1024 * 1024)
            for _ in range(300):
                member.write(block)
    return out.getvalue()


HOSTILE = {
    'empty': ('empty.pdf', b'', 'empty'),
    'html named pdf': ('report.pdf', b'<!doctype html><html><body><p>hi</p></body></html>', 'HTML'),
    'truncated pdf': ('cut.pdf', LIBTASN1[: len(LIBTASN1) // 3], 'damaged'),
    'binary named txt': ('notes.txt', bytes(range(256)) * 40, 'binary'),
    'image': ('photo.pdf', b'\x89PNG\r\n\x1a\n' + b'\0' * 100, 'PNG'),
}


@pytest.mark.parametrize('case', list(HOSTILE))
async def test_hostile_files_are_refused_and_leave_nothing(ann, notebook, case) -> None:
    name, data, words = HOSTILE[case]
    with pytest.raises(IngestError) as caught:
        await upload(ann, notebook.id, name, data)
    assert words.lower() in str(caught.value).lower()
    nothing_left()


async def test_encrypted_pdf_is_refused_with_a_clear_reason(ann, notebook) -> None:
    with pytest.raises(IngestError) as caught:
        await upload(ann, notebook.id, 'locked.pdf', encrypted_pdf())
    assert 'password' in str(caught.value).lower()
    nothing_left()


async def test_zip_bomb_docx_is_refused(ann, notebook) -> None:
    with pytest.raises(IngestError) as caught:
        await upload(ann, notebook.id, 'bomb.docx', zip_bomb_docx())
    assert 'expands to far more data' in str(caught.value)
    nothing_left()


async def test_size_and_word_limits(ann, notebook, settings_env) -> None:
    settings_env(MAX_UPLOAD_MB='1', MAX_WORDS_PER_SOURCE='1000')
    with pytest.raises(IngestError, match='MB'):
        await upload(ann, notebook.id, 'big.txt', b'word ' * 300_000)
    nothing_left()
    with pytest.raises(IngestError, match='words'):
        await upload(ann, notebook.id, 'long.txt', b'word ' * 2000)
    with pytest.raises(IngestError, match='words'):
        await sources.add_text(ann, notebook.id, 'Long', 'word ' * 2000)
    nothing_left()


async def test_the_same_file_twice_is_caught(ann, notebook) -> None:
    first = await upload(ann, notebook.id, 'gpl-3.txt')
    with pytest.raises(sources.SourceError, match='already in the notebook'):
        await upload(ann, notebook.id, 'copy-of-gpl.txt', (DATA / 'gpl-3.txt').read_bytes())
    assert [s.id for s in repos.sources.list_for(ann, notebook.id)] == [first.id]


async def test_source_count_limit(ann, notebook, settings_env) -> None:
    settings_env(MAX_SOURCES_PER_NOTEBOOK='1')
    await sources.add_text(ann, notebook.id, 'One', 'first text')
    with pytest.raises(sources.SourceError, match='limit of 1 sources'):
        await sources.add_text(ann, notebook.id, 'Two', 'second text')


async def test_private_addresses_are_refused(ann, notebook, settings_env) -> None:
    settings_env(ALLOW_PRIVATE_URLS='false')
    with pytest.raises(IngestError, match='(?i)private|local|not allowed|refused'):
        await sources.add_url(ann, notebook.id, 'http://127.0.0.1:9/secret')
    nothing_left()


async def test_delete_leaves_no_orphans(ann, notebook) -> None:
    source = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    assert stored_files() and count(SourceChunk) > 0
    assert fulltext.search('parser case sensitive', [source.id])
    assert sources.delete(ann, source.id)
    nothing_left()
    with db.engine().connect() as connection:
        if connection.dialect.name == 'sqlite':
            from sqlalchemy import text

            rows = connection.execute(
                text("SELECT count(*) FROM source_chunk_fts WHERE source_chunk_fts MATCH 'parser'")
            ).scalar()
            assert rows == 0, 'the full-text index forgot the chunks'


async def test_retry_after_a_failure(ann, notebook) -> None:
    source = await upload(ann, notebook.id, 'gpl-3.txt')
    sources.files_dir().joinpath(source.file_name).rename(sources.files_dir() / 'moved-away')
    await drain()
    failed = repos.sources.get(ann, source.id)
    assert failed.status == 'failed' and 'missing' in failed.error
    (sources.files_dir() / 'moved-away').rename(sources.files_dir() / source.file_name)
    sources.retry(ann, source.id)
    await drain()
    assert repos.sources.get(ann, source.id).status == 'ready'


async def test_nobody_reaches_another_persons_sources(ann, notebook) -> None:
    source = await ready_source(ann, notebook.id, 'gpl-3.txt')
    bob = person('bob@example.com')
    chunk_id = repos.sources.chunks_of(source.id)[0].id
    assert repos.sources.get(bob, source.id) is None
    assert repos.sources.list_for(bob, notebook.id) == []
    assert repos.sources.page(bob, source.id, 1) is None
    assert repos.sources.chunk(bob, chunk_id) is None
    assert not sources.delete(bob, source.id)
    with pytest.raises(sources.SourceError):
        await sources.add_text(bob, notebook.id, 'Sneaky', 'text')
    assert sources.retry(bob, source.id) is None


def test_orphan_files_are_swept() -> None:
    folder = sources.files_dir()
    orphan = folder / 'deadbeef'
    orphan.write_bytes(b'left by a crash')
    assert sources.sweep_orphan_files(min_age_s=0) == 1
    assert not orphan.exists()
