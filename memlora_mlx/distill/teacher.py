"""A large teacher behind any OpenAI-compatible endpoint labels the user's own conversations.

Same prompts as runtime (`ops.*.build_messages`); every label is validated with the op's parser and dropped
(and counted) if invalid; responses are cached on disk by a hash of the request, so a rerun costs nothing.
Nothing is contacted unless the user passes an endpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..locomo import session_windows
from . import DistillError, chat_example
from .locomo_source import Fact, conversation_facts, decision_json


@dataclass
class Teacher:
    url: str  # base url, e.g. http://localhost:8080/v1
    model: str
    api_key: str | None = None
    cache_dir: Path | None = None
    temperature: float = 0.0
    max_tokens: int = 512
    timeout: float = 120.0
    retries: int = 2
    stats: Counter = field(default_factory=Counter)

    def _key(self, messages) -> str:
        req = {"url": self.url, "model": self.model, "messages": messages, "temperature": self.temperature,
               "max_tokens": self.max_tokens}
        return hashlib.sha256(json.dumps(req, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def complete(self, messages: list[dict]) -> str | None:
        """The teacher's reply text (cached), or None after failures (counted in `stats`)."""
        key = self._key(messages)
        path = self.cache_dir / key[:2] / f"{key}.json" if self.cache_dir else None
        if path and path.exists():
            self.stats["cache_hits"] += 1
            return json.loads(path.read_text())["content"]
        body = json.dumps({"model": self.model, "messages": messages, "temperature": self.temperature,
                           "max_tokens": self.max_tokens}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        endpoint = self.url.rstrip("/") + "/chat/completions"
        for attempt in range(self.retries + 1):
            try:
                req = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    data = json.loads(r.read().decode())
                content = data["choices"][0]["message"]["content"]
                if not isinstance(content, str):
                    raise TypeError("message.content is not a string")
                break
            except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as e:
                self.stats["request_errors"] += 1
                if isinstance(e, urllib.error.HTTPError) and e.code in (400, 401, 403, 404):
                    raise DistillError(f"teacher {endpoint} refused the request: HTTP {e.code} {e.reason}") from None
                if attempt == self.retries:
                    return None
                time.sleep(0.5 * 2**attempt)
        self.stats["requests"] += 1
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"content": content, "model": self.model}))
            tmp.replace(path)
        return content


def teacher_from_args(args) -> Teacher:
    if not args.teacher_url or not args.teacher_model:
        raise DistillError("--source teacher needs --teacher-url and --teacher-model (nothing is contacted otherwise)")
    from ..paths import cache_dir

    cache = Path(args.teacher_cache) if args.teacher_cache else cache_dir() / "teacher"
    return Teacher(args.teacher_url, args.teacher_model, api_key=os.environ.get(args.api_key_env) or None,
                   cache_dir=cache)


# ---- labelling per op ------------------------------------------------------------------------------


def label_extract(teacher: Teacher, conv, sessions, *, window=4, progress=None) -> list[dict]:
    from ..ops import extract as op

    rows = []
    for s, turns in session_windows(conv, window, sessions):
        msgs = op.build_messages(turns, s.date_time)
        reply = teacher.complete(msgs)
        if progress is not None:
            progress.update(1)
        facts, _rejects = op.parse_facts(reply) if reply is not None else (None, None)
        if reply is None or facts is None or not _valid_facts_json(reply):
            teacher.stats["dropped_invalid"] += 1
            continue
        target = json.dumps({"facts": facts}, ensure_ascii=False)
        rows.append(chat_example(msgs, target, op="extract", conv=conv.sample_id, session=s.index,
                                 dia_ids=[t.dia_id for t in turns], n_facts=len(facts), facts=facts))
    return rows


def _valid_facts_json(text: str) -> bool:
    from ..ops.parsing import parse_json_object

    obj = parse_json_object(text)
    return isinstance(obj, dict) and isinstance(obj.get("facts"), list)


def label_update(teacher: Teacher, conv, sessions, embedder, *, per_session=8, n_memories=4, seed=0,
                 progress=None) -> list[dict]:
    """Each fact (LoCoMo observations, or facts the teacher extracted) vs its nearest earlier facts."""
    from ..ops import update as op

    facts = conversation_facts(conv)
    if len(facts) < 2:
        return []
    rng = random.Random(seed)
    vec = embedder.embed([f.text for f in facts])
    rows = []
    for s in sorted(sessions):
        cand = [i for i, f in enumerate(facts) if f.session == s and i > 0]
        rng.shuffle(cand)
        for i in cand[:per_session]:
            earlier = list(range(i))
            near = sorted(earlier, key=lambda j: -float(vec[i] @ vec[j]))[:n_memories]
            mems = [facts[j].text for j in near]
            msgs = op.build_messages(facts[i].text, mems)
            reply = teacher.complete(msgs)
            if progress is not None:
                progress.update(1)
            d = op.parse_decision(reply, len(mems)) if reply is not None else None
            if d is None:
                teacher.stats["dropped_invalid"] += 1
                continue
            target = decision_json(d.event, d.index if d.event in ("UPDATE", "DELETE") else None,
                                   d.text if d.event == "UPDATE" else None)
            rows.append(chat_example(msgs, target, op="update", conv=conv.sample_id, session=s, event=d.event,
                                     fact=facts[i].text, memories=mems, gold=target))
    return rows


def label_answer(teacher: Teacher, conv, qas, embedder, *, n_memories=6, progress=None) -> list[dict]:
    """Questions (LoCoMo qa) answered by the teacher from retrieved memories."""
    from ..ops import answer as op

    facts: list[Fact] = conversation_facts(conv)
    if not facts or not qas:
        return []
    fvec = embedder.embed([f.text for f in facts])
    qvec = embedder.embed([q.question for q in qas])
    rows = []
    for q, qv in zip(qas, qvec):
        top = (-(fvec @ qv)).argsort()[:n_memories]
        mems = [{"text": facts[int(i)].text, "date": facts[int(i)].date, "speaker": facts[int(i)].speaker} for i in top]
        msgs = op.build_messages(q.question, mems)
        reply = teacher.complete(msgs)
        if progress is not None:
            progress.update(1)
        text = (reply or "").strip()
        if not text or len(text) > 400 or text.startswith("{"):
            teacher.stats["dropped_invalid"] += 1
            continue
        rows.append(chat_example(msgs, text, op="answer", conv=conv.sample_id, category=q.category,
                                 evidence=list(q.evidence), answer=text))
    return rows
