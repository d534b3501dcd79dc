"""Logging: loguru for everything (stdlib loggers routed in), request ids, and secrets scrubbed from every line."""

from __future__ import annotations

import contextvars
import inspect
import json
import logging
import re
import sys
import uuid

from loguru import logger

from aurenlm.config import Settings

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar('request_id', default='-')

# key=value, "key": "value", Bearer tokens and Google API keys; the value is replaced, the key kept for context
_SECRET_PATTERNS = [
    re.compile(r'(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)'),
    re.compile(
        r'(?i)((?:password|passwd|secret|secret_key|api[_-]?key|token|authorization|x-goog-api-key|session_id)'
        r'["\']?\s*[:=]\s*["\']?)([^\s"\',}]+)'
    ),
    re.compile(r'()(AIza[0-9A-Za-z_-]{20,})'),
    # sign-in tickets in a URL (uvicorn's access log prints the path) and session cookies in a header dump
    re.compile(r'(?i)((?:ticket|session)=)([^\s&;"\']+)'),
    # an OpenID provider's authorization code in the callback's URL (single-use and PKCE-bound, still kept out)
    re.compile(r'(?i)([?&]code=)([^\s&;"\']+)'),
    re.compile(r'()(aur_[A-Za-z0-9_-]{20,})'),
]
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Scrub this exact value from every log line (API keys, SECRET_KEY)."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def redact(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, '***')
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + '***', text)
    return text


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def _patch(record) -> None:
    record['extra'].setdefault('request_id', request_id_var.get())
    record['message'] = redact(record['message'])


def _json_sink(message) -> None:
    record = message.record
    line = {
        'time': record['time'].isoformat(),
        'level': record['level'].name,
        'logger': record['name'],
        'message': record['message'],
        'request_id': record['extra'].get('request_id', '-'),
    }
    extra = {k: v for k, v in record['extra'].items() if k != 'request_id'}
    if extra:
        line['extra'] = json.loads(redact(json.dumps(extra, default=str)))
    if record['exception'] is not None:
        line['exception'] = redact(''.join(_format_exception(record['exception'])))
    sys.stderr.write(json.dumps(line) + '\n')


def _text_sink(message) -> None:
    # the formatted line includes any traceback, which may quote a secret: scrub it whole
    sys.stderr.write(redact(str(message)))


def _format_exception(exc) -> list[str]:
    import traceback

    return traceback.format_exception(exc.type, exc.value, exc.traceback)


class InterceptHandler(logging.Handler):
    """Send stdlib logging (uvicorn, sqlalchemy, httpx) through loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame, depth = inspect.currentframe(), 0
        while frame and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())


def setup_logging(settings: Settings) -> None:
    register_secret(settings.secret_key.get_secret_value() if settings.secret_key else None)
    register_secret(settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else None)
    register_secret(settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None)
    logger.remove()
    logger.configure(patcher=_patch)
    if settings.json_logs:
        logger.add(_json_sink, level=settings.log_level.upper(), backtrace=False, diagnose=False)
    else:
        logger.add(
            _text_sink,
            colorize=sys.stderr.isatty(),
            level=settings.log_level.upper(),
            format='<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> <cyan>{extra[request_id]}</cyan> '
            '{name}: <level>{message}</level>',
            backtrace=False,
            diagnose=False,  # diagnose prints local variables, which may hold secrets
        )
    logging.basicConfig(handlers=[InterceptHandler()], level=0, force=True)
    for name in ('uvicorn', 'uvicorn.error', 'uvicorn.access', 'sqlalchemy', 'httpx', 'nicegui', 'alembic'):
        std = logging.getLogger(name)
        std.handlers = [InterceptHandler()]
        std.propagate = False
    logging.getLogger('sqlalchemy.engine').setLevel(logging.WARNING)
    logging.getLogger('httpx').setLevel(logging.WARNING)
    logging.getLogger('alembic').setLevel(logging.WARNING)  # /ready checks the revision on every probe
