"""A fake Gemini HTTP API on 127.0.0.1 that the real google-genai client talks to; scriptable per test.

In a test::

    with start_fake_gemini() as gemini:
        gemini.script(Fail(status=429, retry_delay_s=0.1), Reply(text='Hello [1]'))
        ...  # point Settings(gemini_base_url=gemini.url, gemini_api_key=gemini.api_key) at it
        assert len(gemini.requests) == 2

Beside a subprocess app: ``python -m tests.fakes.gemini_server --port 8765 --key test-gemini-key`` prints
``FAKE_GEMINI_URL=http://127.0.0.1:8765`` once it listens. From another process, script it with
``POST /_fake/script`` (a JSON list such as ``[{"kind": "fail", "status": 503}]``), read ``GET /_fake/requests``
and clear it with ``POST /_fake/reset``.

Served for ``v1``, ``v1beta`` and ``v1alpha`` alike (the SDK calls ``/{api_version}/models/{model}:{method}``):
``generateContent``, ``streamGenerateContent?alt=sse`` and ``batchEmbedContents``. Every request is recorded with its
headers (the API key left out) and JSON body. A request without the right ``x-goog-api-key`` gets the 400/403 the
real service sends. With nothing scripted the answer quotes the question and cites ``[1]``; in JSON mode it is the
smallest instance of the request's schema.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import re
import signal
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_KEY = 'test-gemini-key'
EMBED_DIM = 768
_MODEL_PATH = re.compile(r'^/(v1|v1beta|v1alpha)/(?:models|tunedModels)/([^/:]+):([A-Za-z]+)$')
_STATUS_NAMES = {
    400: 'INVALID_ARGUMENT',
    403: 'PERMISSION_DENIED',
    404: 'NOT_FOUND',
    429: 'RESOURCE_EXHAUSTED',
    500: 'INTERNAL',
    502: 'UNAVAILABLE',
    503: 'UNAVAILABLE',
    504: 'DEADLINE_EXCEEDED',
}


# --- what a test can script: each item answers the next request(s), in order ---


@dataclass
class Reply:
    """Answer with `text` (or `chunks`, which are streamed one SSE event each)."""

    text: str | None = None
    chunks: list[str] | None = None
    delay_per_chunk: float = 0.0
    first_token_delay: float = 0.0
    finish_reason: str = 'STOP'

    def pieces(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return _split_words(self.text or '', per_piece=3)


@dataclass
class Fail:
    """Answer the next `times` requests with an HTTP error; a 429 can carry a RetryInfo delay."""

    status: int = 503
    times: int = 1
    retry_delay_s: float | None = None
    message: str | None = None


@dataclass
class Stall:
    """Go quiet for `seconds` (streaming: after `after_chunks` events), then carry on with `then` or the default."""

    seconds: float
    after_chunks: int = 0
    then: Reply | None = None


@dataclass
class CutStream:
    """Send `after_chunks` events of the reply, then drop the connection without ending the stream."""

    after_chunks: int = 1
    text: str | None = None


@dataclass
class BadJson:
    """Answer with text that is not valid JSON (or not valid for the schema): the model got it wrong."""

    text: str = '{"title": "unfinished'


Behaviour = Reply | Fail | Stall | CutStream | BadJson
_KINDS: dict[str, type] = {'reply': Reply, 'fail': Fail, 'stall': Stall, 'cut': CutStream, 'bad_json': BadJson}


def behaviour_from_json(data: dict[str, Any]) -> Behaviour:
    """`{"kind": "fail", "status": 503, "times": 2}` -> Fail(503, times=2) (for scripting over HTTP)."""
    data = dict(data)
    kind = _KINDS[data.pop('kind')]
    if kind is Stall and isinstance(data.get('then'), dict):
        data['then'] = Reply(**data['then'])
    return kind(**data)


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: str
    api_version: str | None
    model: str | None
    action: str | None  # generateContent | streamGenerateContent | batchEmbedContents
    headers: dict[str, str]  # lowercased names; x-goog-api-key is left out
    body: Any
    key_ok: bool
    status: int = 0
    client_disconnected: bool = False  # the client went away before the answer was complete
    sent: list[str] = field(default_factory=list)  # the streamed text pieces written to the socket, in order
    ended: bool = False  # the fake is done with it: answered, failed, or the client went away

    @property
    def json_mode(self) -> bool:
        config = (self.body or {}).get('generationConfig') or {}
        return config.get('responseMimeType') == 'application/json'

    @property
    def last_user_text(self) -> str:
        for content in reversed((self.body or {}).get('contents') or []):
            if content.get('role', 'user') == 'user':
                return ' '.join(p.get('text', '') for p in content.get('parts') or [] if 'text' in p)
        return ''


@dataclass
class _State:
    api_key: str
    queue: deque = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    script_embeddings: bool = False

    def next_behaviour(self) -> Behaviour | None:
        with self.lock:
            if not self.queue:
                return None
            item = self.queue[0]
            if isinstance(item, Fail) and item.times > 1:
                item.times -= 1
                return Fail(item.status, 1, item.retry_delay_s, item.message)
            return self.queue.popleft()


class FakeGemini:
    """The running fake: `url` for Settings.gemini_base_url, `api_key` it accepts, `requests` it has seen."""

    def __init__(self, host: str = '127.0.0.1', port: int = 0, api_key: str = DEFAULT_KEY) -> None:
        self._state = _State(api_key=api_key)
        handler = type('Handler', (_Handler,), {'state': self._state})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={'poll_interval': 0.05}, name='fake-gemini', daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}'

    @property
    def api_key(self) -> str:
        return self._state.api_key

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    def model_requests(self, action: str | None = None) -> list[RecordedRequest]:
        """Requests to a model endpoint (optionally one action), leaving out /_fake/ control calls."""
        return [r for r in self.requests if r.action and (action is None or r.action == action)]

    def script(self, *behaviours: Behaviour) -> FakeGemini:
        with self._state.lock:
            self._state.queue.extend(behaviours)
        return self

    def reset(self) -> None:
        with self._state.lock:
            self._state.queue.clear()
            self._state.requests.clear()

    def wait_for(self, predicate, timeout: float = 2.0) -> bool:
        """Poll until `predicate(self)` is true (the server runs in its own thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.01)
        return bool(predicate(self))

    def stop(self) -> None:
        self._state.stopping.set()  # ends any Stall at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeGemini:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_fake_gemini(port: int = 0, api_key: str = DEFAULT_KEY) -> FakeGemini:
    """Start the fake on 127.0.0.1 (a free port unless `port` is given), serving from a background thread."""
    return FakeGemini(port=port, api_key=api_key)


class _ClientGone(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = 'HTTP/1.1'  # keep-alive and chunked streams, as the real service does

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests assert on `requests`, not on stderr

    def do_GET(self) -> None:
        path = self.path.split('?', 1)[0]
        if path == '/_fake/requests':
            with self.state.lock:
                body = [asdict(r) for r in self.state.requests]
            self._send_json(200, body)
        else:
            self._send_json(404, _error_body(404, f'No route for GET {path}.'))

    def do_POST(self) -> None:
        path, _, query = self.path.partition('?')
        raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if path.startswith('/_fake/'):
            self._control(path, body)
            return
        match = _MODEL_PATH.match(path)
        headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != 'x-goog-api-key'}
        key = self.headers.get('x-goog-api-key')
        record = RecordedRequest(
            method='POST',
            path=path,
            query=query,
            api_version=match.group(1) if match else None,
            model=match.group(2) if match else None,
            action=match.group(3) if match else None,
            headers=headers,
            body=body,
            key_ok=key == self.state.api_key,
        )
        with self.state.lock:
            self.state.requests.append(record)
        try:
            self._answer(record, key)
        except _ClientGone:
            record.client_disconnected = True
            self.close_connection = True
        finally:
            record.ended = True

    # --- answering ---

    def _answer(self, record: RecordedRequest, key: str | None) -> None:
        if not key:
            self._fail(record, 403, "Method doesn't allow unregistered callers. Please use an API key.")
            return
        if not record.key_ok:
            self._fail(record, 400, 'API key not valid. Please pass a valid API key.', reason='API_KEY_INVALID')
            return
        if record.action not in ('generateContent', 'streamGenerateContent', 'batchEmbedContents'):
            self._fail(record, 404, f'Method {record.action or record.path} is not found.')
            return
        # scripts are for answers; embeddings (ingestion, questions) always get the default unless asked
        scripted = record.action != 'batchEmbedContents' or self.state.script_embeddings
        behaviour = self.state.next_behaviour() if scripted else None
        if isinstance(behaviour, Fail):
            status = behaviour.status
            self._fail(record, status, behaviour.message or _default_message(status), behaviour.retry_delay_s)
            return
        if isinstance(behaviour, Stall) and not (record.action == 'streamGenerateContent' and behaviour.after_chunks):
            self._pause(behaviour.seconds)
            behaviour = behaviour.then
        if record.action == 'batchEmbedContents':
            self._embed(record)
        elif record.action == 'generateContent':
            self._generate(record, behaviour)
        else:
            self._stream(record, behaviour)

    def _generate(self, record: RecordedRequest, behaviour: Behaviour | None) -> None:
        reply = _reply_for(record, behaviour)
        if isinstance(behaviour, CutStream):
            payload = json.dumps(_response(''.join(reply.pieces()), reply.finish_reason, record)).encode()
            self._start(200, 'application/json', length=len(payload))
            self._write(payload[: len(payload) // 2])
            self._drop_connection()
            record.status = 200
            return
        self._pause(reply.first_token_delay)
        text = reply.text if reply.text is not None else ''.join(reply.pieces())
        self._send_json(200, _response(text, reply.finish_reason, record))
        record.status = 200

    def _stream(self, record: RecordedRequest, behaviour: Behaviour | None) -> None:
        reply = _reply_for(record, behaviour)
        pieces = reply.pieces() or ['']
        cut_after = behaviour.after_chunks if isinstance(behaviour, CutStream) else None
        stall = behaviour if isinstance(behaviour, Stall) else None
        self._start(200, 'text/event-stream', chunked=True)
        record.status = 200
        self._pause(reply.first_token_delay)
        for i, piece in enumerate(pieces):
            if cut_after is not None and i >= cut_after:
                self._drop_connection()
                return
            if stall is not None and i == stall.after_chunks:
                self._pause(stall.seconds)
            if i:
                self._pause(reply.delay_per_chunk)
            last = i == len(pieces) - 1
            event = _response(piece, reply.finish_reason if last else None, record, usage=last)
            self._write_chunk(f'data: {json.dumps(event)}\r\n\r\n'.encode())
            record.sent.append(piece)
        if cut_after is not None:
            self._drop_connection()
            return
        self._write(b'0\r\n\r\n')

    def _embed(self, record: RecordedRequest) -> None:
        vectors = []
        for request in (record.body or {}).get('requests') or []:
            text = ' '.join(p.get('text', '') for p in (request.get('content') or {}).get('parts') or [])
            dim = int(request.get('outputDimensionality') or EMBED_DIM)
            vectors.append({'values': pseudo_embedding(text, dim)})
        self._send_json(200, {'embeddings': vectors})
        record.status = 200

    def _fail(
        self,
        record: RecordedRequest,
        status: int,
        message: str,
        retry_delay_s: float | None = None,
        reason: str | None = None,
    ) -> None:
        body = _error_body(status, message, retry_delay_s, reason)
        self._send_json(status, body)
        record.status = status

    # --- plumbing ---

    def _control(self, path: str, body: Any) -> None:
        if path == '/_fake/script':
            items = body if isinstance(body, list) else [body]
            with self.state.lock:
                self.state.queue.extend(behaviour_from_json(item) for item in items)
            self._send_json(200, {'queued': len(items)})
        elif path == '/_fake/reset':
            with self.state.lock:
                self.state.queue.clear()
                self.state.requests.clear()
            self._send_json(200, {'reset': True})
        else:
            self._send_json(404, _error_body(404, f'No control route {path}.'))

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.state.stopping.wait(seconds)  # a stopping server ends the pause at once

    def _start(self, status: int, content_type: str, *, length: int | None = None, chunked: bool = False) -> None:
        try:
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            if chunked:
                self.send_header('Transfer-Encoding', 'chunked')
            else:
                self.send_header('Content-Length', str(length or 0))
            self.end_headers()
        except OSError as exc:
            raise _ClientGone from exc

    def _send_json(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        self._start(status, 'application/json; charset=UTF-8', length=len(payload))
        self._write(payload)

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError as exc:
            raise _ClientGone from exc

    def _write_chunk(self, data: bytes) -> None:
        self._write(f'{len(data):x}\r\n'.encode() + data + b'\r\n')

    def _drop_connection(self) -> None:
        # no terminating chunk: the client sees a stream that ends mid-answer
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _reply_for(record: RecordedRequest, behaviour: Behaviour | None) -> Reply:
    if isinstance(behaviour, Reply):
        return behaviour
    if isinstance(behaviour, BadJson):
        return Reply(text=behaviour.text)
    if isinstance(behaviour, CutStream) and behaviour.text is not None:
        return Reply(text=behaviour.text)
    if isinstance(behaviour, Stall) and behaviour.then is not None:
        return behaviour.then
    return Reply(text=default_answer(record))


def default_answer(record: RecordedRequest) -> str:
    """With nothing scripted: a JSON instance of the requested schema, or a short answer that cites [1]."""
    if record.json_mode:
        config = (record.body or {}).get('generationConfig') or {}
        schema = config.get('responseJsonSchema') or config.get('responseSchema')
        return json.dumps(example_for_schema(schema) if schema else {})
    question = ' '.join(record.last_user_text.split()[-30:])
    return f'This is the fake Gemini answering: {question} Your sources say so [1].'


def example_for_schema(schema: dict[str, Any], root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """The smallest value that satisfies a JSON schema (pydantic's model_json_schema(): $defs, anyOf, enums)."""
    root = root or schema
    if '$ref' in schema:
        name = schema['$ref'].rsplit('/', 1)[-1]
        return example_for_schema((root.get('$defs') or root.get('definitions') or {}).get(name, {}), root, depth)
    for key in ('anyOf', 'oneOf', 'allOf'):
        if key in schema:
            options = [o for o in schema[key] if o.get('type') != 'null'] or schema[key]
            return example_for_schema(options[0], root, depth)
    if 'enum' in schema:
        return schema['enum'][0]
    if 'const' in schema:
        return schema['const']
    kind = schema.get('type', 'object')
    if isinstance(kind, list):
        kind = next((k for k in kind if k != 'null'), 'null')
    if kind == 'object':
        props = schema.get('properties') or {}
        return {name: example_for_schema(sub, root, depth + 1) for name, sub in props.items()}
    if kind == 'array':
        # recursive schemas (a mind map's children) stop growing after a few levels
        count = schema.get('minItems', 1 if depth < 3 else 0)
        return [example_for_schema(schema.get('items') or {}, root, depth + 1) for _ in range(count)]
    if kind == 'string':
        return 'Example'[: schema['maxLength']] if 'maxLength' in schema else 'Example'
    if kind == 'integer':
        return int(schema.get('minimum', 1))
    if kind == 'number':
        return float(schema.get('minimum', 1.0))
    if kind == 'boolean':
        return True
    return None


def pseudo_embedding(text: str, dim: int = EMBED_DIM) -> list[float]:
    """A hashed bag of words, L2-normalised: the same text always gets the same vector, similar texts similar ones."""
    vector = [0.0] * dim
    for word in re.findall(r'\w+', text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], 'little') % dim
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0], norm = 1.0, 1.0
    return [v / norm for v in vector]


def _response(text: str, finish_reason: str | None, record: RecordedRequest, usage: bool = True) -> dict[str, Any]:
    candidate: dict[str, Any] = {'content': {'parts': [{'text': text}], 'role': 'model'}, 'index': 0}
    if finish_reason:
        candidate['finishReason'] = finish_reason
    out: dict[str, Any] = {'candidates': [candidate], 'modelVersion': record.model or 'fake', 'responseId': _rid()}
    if usage:
        prompt_tokens = len(json.dumps(record.body or {})) // 4
        answer_tokens = max(1, len(text) // 4)
        out['usageMetadata'] = {
            'promptTokenCount': prompt_tokens,
            'candidatesTokenCount': answer_tokens,
            'totalTokenCount': prompt_tokens + answer_tokens,
        }
    return out


def _error_body(
    status: int, message: str, retry_delay_s: float | None = None, reason: str | None = None
) -> dict[str, Any]:
    details: list[dict[str, Any]] = []
    if reason:
        details.append(
            {'@type': 'type.googleapis.com/google.rpc.ErrorInfo', 'reason': reason, 'domain': 'googleapis.com'}
        )
    if retry_delay_s is not None:
        details.append({'@type': 'type.googleapis.com/google.rpc.RetryInfo', 'retryDelay': f'{retry_delay_s:g}s'})
    error: dict[str, Any] = {'code': status, 'message': message, 'status': _STATUS_NAMES.get(status, 'UNKNOWN')}
    if details:
        error['details'] = details
    return {'error': error}


def _default_message(status: int) -> str:
    if status == 429:
        return 'Resource has been exhausted (e.g. check quota).'
    if status == 503:
        return 'The model is overloaded. Please try again later.'
    if status == 504:
        return 'Deadline expired before operation could complete.'
    return 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'


def _split_words(text: str, per_piece: int) -> list[str]:
    words = re.findall(r'\S+\s*', text)
    if not words:
        return [text] if text else []
    leading = text[: len(text) - len(text.lstrip())]
    pieces = [''.join(words[i : i + per_piece]) for i in range(0, len(words), per_piece)]
    pieces[0] = leading + pieces[0]
    return pieces


def _rid() -> str:
    return uuid.uuid4().hex[:16]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description='Run the fake Gemini API until interrupted.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--key', default=DEFAULT_KEY, help='the API key the fake accepts')
    args = parser.parse_args(argv)
    server = FakeGemini(host=args.host, port=args.port, api_key=args.key)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print(f'FAKE_GEMINI_URL={server.url}', flush=True)
    try:
        while not done.wait(0.2):  # a timed wait lets the signal handler run promptly
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
