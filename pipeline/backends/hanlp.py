"""HanLP as an optional backend for tokens and named entities.

Two ways in, both configured in ``params.yaml`` (``extract.hanlp``): a local model
directory loaded with ``hanlp.load`` (the ``hanlp`` extra, which needs torch), or a
HanLP RESTful endpoint (``POST {url}/parse`` with ``Authorization: Basic {auth}``,
answering a ``hanlp_common`` Document as JSON). Nothing here downloads a model: a
missing directory or an unreachable endpoint is a clear error.

``document_spans`` turns HanLP's Document (sentences of tokens, NER tuples over token
indices) into character spans of the analysed text, which is what the entity
component consumes.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from ..errors import ConfigError
from ..resources import read_yaml

Token = tuple[str, int, int, str]


@dataclass(frozen=True)
class HanLPMapping:
    token_tasks: tuple[str, ...]
    ner_tasks: tuple[str, ...]
    labels: dict[str, str]


def load_mapping(path: Path) -> HanLPMapping:
    try:
        data = read_yaml(path)
        return HanLPMapping(tuple(data["token_tasks"]), tuple(data["ner_tasks"]), dict(data["labels"]))
    except (OSError, KeyError, TypeError) as exc:
        raise ConfigError(path, f"bad HanLP mapping ({type(exc).__name__}: {exc})") from None


def _first(doc: Mapping[str, Any], keys: Sequence[str]) -> Any:
    return next((doc[k] for k in keys if k in doc), None)


def document_spans(
    doc: Mapping[str, Any], text: str, mapping: HanLPMapping
) -> tuple[list[Token], list[tuple[int, int, str]]]:
    """Tokens ``(word, start, end, tag)`` and entities ``(start, end, label)`` in ``text``.

    HanLP gives a list of sentences of tokens (or one flat list) and NER entries
    ``[text, label, first_token, end_token]``; tokens are aligned to ``text`` left to right.
    """
    sents = _first(doc, mapping.token_tasks)
    if sents is None:
        raise ConfigError("HanLP output", f"no tokens under any of {list(mapping.token_tasks)}")
    if sents and isinstance(sents[0], str):
        sents = [sents]
    ner = _first(doc, mapping.ner_tasks) or []
    if ner and ner[0] and not isinstance(ner[0][0], (list, tuple)):
        ner = [ner]
    tokens: list[Token] = []
    entities: list[tuple[int, int, str]] = []
    pos = 0
    for k, sent in enumerate(sents):
        offsets = []
        for word in sent:
            start = text.find(word, pos)
            if start < 0:
                raise ConfigError("HanLP output", f"token {word!r} not found in the text after offset {pos}")
            pos = start + len(word)
            offsets.append((start, pos))
            tokens.append((word, start, pos, "x"))
        for entry in ner[k] if k < len(ner) else []:
            _, label, first, end = entry[:4]
            ours = mapping.labels.get(label)
            if ours and 0 <= first < end <= len(offsets):
                entities.append((offsets[first][0], offsets[end - 1][1], ours))
    return tokens, entities


class HanLPBackend:
    """Analyses text with a local HanLP model or a RESTful endpoint."""

    def __init__(
        self,
        mapping: HanLPMapping,
        *,
        model: str | None = None,
        url: str | None = None,
        auth_env: str = "HANLP_AUTH",
        tasks: Sequence[str] = ("tok/fine", "ner/msra"),
        timeout: float = 30.0,
    ) -> None:
        if not model and not url:
            raise ConfigError("settings.yaml:extract.hanlp", "set a local model directory or a REST url")
        self.mapping = mapping
        self.tasks = list(tasks)
        self.url = url.rstrip("/") if url else None
        self.auth = os.environ.get(auth_env) if auth_env else None
        self.timeout = timeout
        self._local = None
        if model:
            if not Path(model).is_dir():
                raise ConfigError("settings.yaml:extract.hanlp.model", f"{model}: no such model directory")
            try:
                import hanlp  # type: ignore[import-not-found]
            except ImportError:
                raise ConfigError("settings.yaml:extract.hanlp", "hanlp is not installed (pip install '.[hanlp]')") from None
            self._local = hanlp.load(model)  # a local directory: hanlp does not download it

    def parse(self, text: str) -> Mapping[str, Any]:
        if self._local is not None:
            return self._local(text)
        body = json.dumps({"text": text, "tasks": self.tasks, "language": "zh"}).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/parse", data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        if self.auth:
            request.add_header("Authorization", f"Basic {self.auth}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310 (configured endpoint)
                return json.loads(resp.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ConfigError(f"HanLP endpoint {self.url}", f"request failed ({exc})") from None

    def analyse(self, text: str) -> tuple[list[Token], list[tuple[int, int, str]]]:
        return document_spans(self.parse(text), text, self.mapping)
