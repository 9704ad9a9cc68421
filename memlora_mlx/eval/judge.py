"""Optional LLM judge (the "J" score of Mem0's LoCoMo protocol) over an OpenAI-compatible endpoint.

Contacted only when the user passes `--judge URL` (e.g. a local llama.cpp / LM Studio / vLLM server at
http://127.0.0.1:8080/v1). Plain urllib; the key, if any, comes from $MEMLORA_JUDGE_API_KEY.
"""

import json
import os
import re
import urllib.error
import urllib.request

JUDGE_PROMPT = """You are grading an answer to a question about a long conversation.
You get the question, the gold answer and the generated answer. Mark the generated answer CORRECT when it
refers to the same thing as the gold answer: be generous about wording and length, but strict about facts.
For time questions, a different format of the same date or period is CORRECT; a different date is WRONG.

Question: {question}
Gold answer: {gold}
Generated answer: {answer}

Reply with JSON only: {{"label": "CORRECT"}} or {{"label": "WRONG"}}"""


class JudgeError(RuntimeError):
    pass


def parse_label(text: str) -> bool | None:
    """True for CORRECT, False for WRONG, None if neither is found."""
    m = re.search(r"\b(CORRECT|WRONG)\b", str(text or "").upper())
    return None if m is None else m.group(1) == "CORRECT"


def judge_answer(url: str, question: str, gold: str, answer: str, *, model: str = "gpt-4o-mini",
                 timeout: float = 60.0) -> bool | None:
    """Ask the judge at `url` (base URL of an OpenAI-compatible API); None when it gives no label."""
    body = {
        "model": os.environ.get("MEMLORA_JUDGE_MODEL", model),
        "temperature": 0,
        "messages": [{"role": "user", "content": JUDGE_PROMPT.format(question=question, gold=gold, answer=answer)}],
    }
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/chat/completions"):
        endpoint += "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if key := os.environ.get("MEMLORA_JUDGE_API_KEY"):
        headers["Authorization"] = f"Bearer {key}"
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = json.loads(resp.read().decode())
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as e:
        raise JudgeError(f"judge at {endpoint} failed: {e}") from e
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as e:
        raise JudgeError(f"judge at {endpoint} returned no message: {str(data)[:200]}") from e
    return parse_label(content)
