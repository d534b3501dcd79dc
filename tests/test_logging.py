"""Logs carry request ids and never carry secrets."""

import io
import logging

from loguru import logger

from aurenlm.config import Settings
from aurenlm.log import request_id_var, setup_logging


def capture(settings: Settings) -> io.StringIO:
    setup_logging(settings)
    buffer = io.StringIO()
    logger.add(buffer, format='{extra[request_id]} {message}', level='DEBUG')
    return buffer


def test_secrets_never_reach_the_log(tmp_path):
    key = 'AIzaSy' + 'Q' * 33
    settings = Settings(data_dir=tmp_path, secret_key='s' * 40, gemini_api_key=key, log_level='DEBUG')
    buffer = capture(settings)
    logger.info(f'calling gemini with {key}')
    logger.info('login password=violet-harbour-lantern token: aur_abcdefghijklmnopqrstuvwxyz012345')
    logger.info('header Authorization: Bearer abc.def.ghi')
    logging.getLogger('uvicorn.error').warning('secret_key=%s', 's' * 40)
    out = buffer.getvalue()
    for secret in (key, 'violet-harbour-lantern', 'aur_abcdefghijklmnopqrstuvwxyz012345', 'abc.def.ghi', 's' * 40):
        assert secret not in out
    assert out.count('***') >= 5


def test_sign_in_tickets_and_session_cookies_never_reach_the_log(tmp_path):
    buffer = capture(Settings(data_dir=tmp_path, secret_key='s' * 40, _env_file=None))
    ticket = 'Zk3-8QvR_x1YtP0aLm9nWc2Eb5Hd7Jf4Gs6Ku8Io0Ue'
    logging.getLogger('uvicorn.access').info(
        '%s - "%s %s HTTP/%s" %d', '127.0.0.1:5000', 'GET', f'/auth/complete?ticket={ticket}&next=%2F', '1.1', 303
    )
    logger.info('cookie: aurenlm_session=cookie-value-1234567; session=eyJpZCI6ICJhYmMifQ==.signature')
    out = buffer.getvalue()
    assert ticket not in out and 'ticket=***&next=%2F' in out
    assert 'cookie-value-1234567' not in out and 'eyJpZCI6ICJhYmMifQ' not in out


def test_request_id_is_on_every_line(tmp_path):
    buffer = capture(Settings(data_dir=tmp_path, secret_key='s' * 40, _env_file=None))
    token = request_id_var.set('req-123456')
    try:
        logger.info('inside a request')
        logging.getLogger('sqlalchemy').warning('from the standard library')
    finally:
        request_id_var.reset(token)
    lines = buffer.getvalue().splitlines()
    assert lines == ['req-123456 inside a request', 'req-123456 from the standard library']


def test_production_logs_are_json(tmp_path, capsys):
    setup_logging(Settings(environment='production', data_dir=tmp_path, secret_key='s' * 40, log_level='INFO'))
    logger.info('hello json')
    err = capsys.readouterr().err.strip().splitlines()[-1]
    import json

    record = json.loads(err)
    assert record['message'] == 'hello json' and record['level'] == 'INFO' and 'request_id' in record
