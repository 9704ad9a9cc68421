"""The engine: one resident base model, a bank of per-operation LoRA adapters, generation with a
prompt cache per adapter, all on the single MLX worker thread."""

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from .. import paths
from . import worker
from .adapters import DEFAULT_LORA, OPS, AdapterBank, AdapterError
from .batch import find_stop

log = logging.getLogger(__name__)


class GenerationError(RuntimeError):
    pass


class _PromptCache:
    """KV cache + the tokens it holds, for one adapter (a cache built under one adapter is wrong under another)."""

    def __init__(self, model):
        from mlx_lm.models.cache import make_prompt_cache

        self.cache = make_prompt_cache(model)
        self.tokens: list[int] = []

    def reuse(self, prompt: list[int]) -> list[int]:
        """Trim the cache to the longest common prefix with `prompt`; return the tokens still to feed."""
        from mlx_lm.models.cache import trim_prompt_cache

        n = min(_common_prefix(self.tokens, prompt), len(prompt) - 1)  # always feed at least one token to get logits
        held = self.cache[0].offset
        if held > n:
            trim_prompt_cache(self.cache, held - n)
        self.tokens = prompt[:n]
        return prompt[n:]


class Engine:
    def __init__(self, model: str | None = None, *, adapters: str | Path | None = "default", compute: str = "auto",
                 max_cache_tokens: int = 4096, draft_tokens: int = 8):
        self._listeners: list[Callable[[dict], None]] = []
        self._warned: set = set()
        self.max_cache_tokens = max_cache_tokens
        self.draft_tokens = draft_tokens  # prompt-lookup drafts per greedy step (0: plain decoding)
        self.last_stats: dict = {}
        self._caches: dict = {}
        self.adapter_configs: dict[str, dict] = {}  # name -> its adapter_config.json (what it was trained with)
        self._lock = threading.Lock()
        worker.run(self._load, model, compute)
        if adapters not in (None, "none"):
            self.load_adapter_dir(self.default_adapter_dir() if adapters == "default" else Path(adapters))

    # --- loading -------------------------------------------------------------------------------
    def _load(self, model, compute):
        from .models import default_compute, load_model, resolve_model
        from . import vlm as vlm_mod

        self.vlm = None  # an mlx-vlm model when the base is a VLM: then it serves every operation
        resolved = resolve_model(model, compute)
        if vlm_mod.is_vlm_dir(resolved.path):
            self.compute = default_compute() if compute == "auto" else compute
            self.vlm = vlm_mod._load(str(resolved.path), dict(DEFAULT_LORA), compute=self.compute)
            self.model = vlm_mod.TextView(self.vlm.model.language_model, self.vlm.config)
            self.tokenizer = vlm_mod.text_tokenizer(self.vlm.processor)
            self.bank = self.vlm.bank
        else:
            self.model, self.tokenizer, _, self.compute = load_model(str(resolved.path), compute)
            self.bank = AdapterBank(self.model, resolved.model_id)
        self.model_id, self.model_path = resolved.model_id, resolved.path
        cfg = getattr(self.model, "args", None)
        self.context_length = int(getattr(cfg, "max_position_embeddings", 0) or 2048)
        self.vocab_size = int(getattr(cfg, "vocab_size", 0) or len(self.tokenizer.vocab))

    def default_adapter_dir(self) -> Path:
        return paths.repo_adapters_dir() / self.model_id

    def load_adapter_dir(self, root: Path) -> list[str]:
        """Load every `<root>/<name>/` that holds an adapter (extract, update, answer, vqa, or user-trained)."""
        root = Path(root)
        loaded = []
        if not root.is_dir():
            return loaded
        for sub in sorted(root.iterdir()):
            if (sub / "adapters.safetensors").is_file():
                try:
                    self.load_adapter(sub.name, sub)
                    loaded.append(sub.name)
                except AdapterError as e:
                    log.warning("skipping adapter %s: %s", sub, e)
        return loaded

    def load_adapter(self, name: str, path: str | Path) -> dict:
        if self.vlm is not None:  # mlx-lm or mlx-vlm key names, matched on the layers.N.* tail
            from .vlm import _load_adapter

            cfg = worker.run(_load_adapter, self.vlm, name, Path(path))
        else:
            cfg = worker.run(self.bank.load, name, Path(path))
        self.adapter_configs[name] = cfg
        self._caches.pop(name, None)
        self._caches.pop(f"{name}@base", None)  # the cache it used while it ran on the bare base
        return cfg

    @property
    def adapter_names(self) -> list[str]:
        return sorted(self.bank.adapters)

    @property
    def active_adapter(self) -> str | None:
        return self.bank.active

    def use(self, name: str | None) -> None:
        worker.run(self._use, name)

    def _use(self, name):
        if name is not None and name not in self.bank.adapters:
            if name not in self._warned:
                log.info("adapter %r not installed; using the bare base", name)
                self._warned.add(name)
            name = None
        if name != self.bank.active:
            self.bank.use(name)
            self._emit({"type": "adapter", "name": name})
        return name

    # --- listeners -----------------------------------------------------------------------------
    def add_listener(self, cb: Callable[[dict], None]) -> None:
        self._listeners.append(cb)

    def remove_listener(self, cb: Callable[[dict], None]) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    def _emit(self, event: dict) -> None:
        for cb in list(self._listeners):
            try:
                cb(event)
            except Exception:  # noqa: BLE001 - a listener never breaks generation
                log.exception("engine listener failed")

    # --- tokens --------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        if self.vlm is not None:  # VLM templates (SmolVLM) expect content parts, not strings
            messages = [{**m, "content": [{"type": "text", "text": m["content"]}]}
                        if isinstance(m.get("content"), str) else m for m in messages]
        try:
            return list(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True))
        except Exception as e:  # noqa: BLE001
            raise GenerationError(f"cannot apply the chat template: {e}") from e

    # --- generation ----------------------------------------------------------------------------
    def _steps(self, messages, adapter, max_tokens, temperature, stop, json_schema=None, logit_bias=None, barred=None):
        """Generator on the MLX thread: yields (text_delta, response)."""
        from mlx_lm.generate import stream_generate
        from mlx_lm.sample_utils import make_logits_processors, make_sampler
        import mlx.core as mx

        name = self._use(adapter)
        # An op whose adapter is not loaded runs on the bare base but keeps a cache of its own: ops on the same
        # base would otherwise evict each other's prefix (the chat reply's history, between memory pipelines).
        key = f"{adapter}@base" if name is None and adapter is not None else name
        prompt = self.prompt_tokens(messages)
        if len(prompt) >= self.context_length:
            raise GenerationError(f"prompt has {len(prompt)} tokens; the model's context is {self.context_length}")
        pc = self._caches.get(key)
        # Bound cache memory: a cache past max_cache_tokens is kept only while the prompt shares more than
        # that with it (the same long context with another question), else rebuilt.
        if pc is not None and pc.cache[0].offset > self.max_cache_tokens \
                and _common_prefix(pc.tokens, prompt) <= self.max_cache_tokens:
            pc = None
        if pc is None:
            pc = self._caches[key] = _PromptCache(self.model)
        rest = pc.reuse(prompt)
        proc = None
        if json_schema is not None:
            from .constrained import JsonSchemaProcessor

            proc = JsonSchemaProcessor(self.tokenizer, json_schema, self.vocab_size)
        if barred:
            if proc is not None:
                raise GenerationError("barred words and a JSON schema cannot be combined")
            from .word_ban import WordBan

            proc = WordBan(self.tokenizer, barred, self.vocab_size)
        if temperature == 0 and self.draft_tokens > 0:
            from .decode import stream_lookup

            responses = stream_lookup(self.model, self.tokenizer, pc.cache, prompt, rest, max_tokens=max_tokens,
                                      processor=proc, k=self.draft_tokens, logit_bias=logit_bias)
        else:
            procs = ([proc] if proc else []) + make_logits_processors(logit_bias=logit_bias)
            responses = stream_generate(self.model, self.tokenizer, mx.array(rest), max_tokens=max_tokens,
                                        sampler=make_sampler(temp=temperature), prompt_cache=pc.cache,
                                        stream=worker.stream(), logits_processors=procs or None)
        out_tokens: list[int] = []
        drafted = 0
        text = ""
        resp = None
        t0 = time.perf_counter()
        try:
            for resp in responses:
                drafted += bool(resp.from_draft)
                if resp.finish_reason != "stop" or resp.token not in self.tokenizer.eos_token_ids:
                    out_tokens.append(resp.token)
                delta = resp.text
                if stop:
                    cut = find_stop(text + delta, stop)
                    if cut is not None:
                        yield (text + delta)[len(text):cut], resp
                        break
                text += delta
                yield delta, resp
        except GeneratorExit:
            raise  # the consumer stopped early: the cache is still consistent (see finally)
        except Exception as e:  # noqa: BLE001
            self._caches.pop(key, None)  # a half-filled cache must not be reused
            raise GenerationError(f"generation failed: {type(e).__name__}: {e}") from e
        finally:
            responses.close()  # settle the cache now (prompt lookup trims unused drafts on close)
            if key in self._caches:  # also when the consumer stopped early: stats and cache stay right
                pc.tokens = (prompt + out_tokens)[: pc.cache[0].offset]
                if resp is not None:
                    self._record(adapter, name, prompt, rest, resp, t0, drafted)

    def _record(self, requested, name, prompt, rest, resp, t0, drafted=0) -> None:
        self.last_stats = {
            "requested": requested,
            "adapter": name,
            "prompt_tokens": len(prompt),
            "cached_tokens": len(prompt) - len(rest),
            "prompt_tps": resp.prompt_tps,
            "generation_tokens": resp.generation_tokens,
            "generation_tps": resp.generation_tps,
            "draft_tokens": drafted,  # generated tokens that came from accepted prompt-lookup drafts
            "seconds": time.perf_counter() - t0,
        }
        self._emit({"type": "stats", **self.last_stats})

    def generate(self, messages: list[dict], *, adapter: str | None = None, max_tokens: int = 256,
                 temperature: float = 0.0, json_schema: dict | None = None, stop: list[str] | None = None,
                 logit_bias: dict[int, float] | None = None) -> str:
        """Complete a chat. With `json_schema`, decoding is constrained to JSON matching it (llguidance);
        `logit_bias` (token id -> value) is added to those tokens' logits at every step."""
        def run():
            return "".join(d for d, _ in self._steps(messages, adapter, max_tokens, temperature, stop, json_schema,
                                                     logit_bias))

        return worker.run(run)

    def generate_batch(self, conversations: list[list[dict]], *, adapter: str | None = None, max_tokens: int = 256,
                       json_schema: dict | None = None, stop: list[str] | None = None,
                       until: Callable[[str], bool] | None = None) -> list[str]:
        """Greedy completions of several chats under one adapter, decoded together (`batch.decode_rows`), in order.
        A row ends at a `stop` string (cut off) or once `until(text)` is true. One chat, or a vision-language base
        (its caches are not plain KV caches), goes through `stream`, one chat at a time."""
        if len(conversations) <= 1 or self.vlm is not None:
            outs = []
            for messages in conversations:
                text = ""
                for delta in self.stream(messages, adapter=adapter, max_tokens=max_tokens, temperature=0.0,
                                         stop=stop, json_schema=json_schema):
                    text += delta
                    if until is not None and until(text):
                        break
                outs.append(text)
            return outs
        return worker.run(self._batch, conversations, adapter, max_tokens, json_schema, stop, until)

    def _batch(self, conversations, adapter, max_tokens, json_schema, stop, until) -> list[str]:
        from . import batch
        from .decode import _prefill
        import mlx.core as mx

        name = self._use(adapter)
        key = f"{adapter}@base" if name is None and adapter is not None else name
        prompts = [self.prompt_tokens(m) for m in conversations]
        if (longest := max(len(p) for p in prompts)) >= self.context_length:
            raise GenerationError(f"prompt has {longest} tokens; the model's context is {self.context_length}")
        n = batch.shared_prefix(prompts)
        pc = self._caches.get(key)
        if pc is None:
            pc = self._caches[key] = _PromptCache(self.model)
        feed = pc.reuse(prompts[0][:n + 1])[:-1]  # the cache ends up holding exactly the shared prefix
        try:
            if feed:
                _prefill(self.model, pc.cache, feed)
                mx.eval([c.state for c in pc.cache])
            pc.tokens = prompts[0][:n]
            procs = [None] * len(prompts)
            if json_schema is not None:
                from .constrained import JsonSchemaProcessor

                procs = [JsonSchemaProcessor(self.tokenizer, json_schema, self.vocab_size) for _ in prompts]
            rows = [batch.Row(p, proc) for p, proc in zip(prompts, procs)]
            speed = batch.decode_rows(self.model, self.tokenizer, rows, pc.cache, n, max_tokens=max_tokens,
                                      stop=stop, until=until, stream=worker.stream())
        except Exception as e:  # noqa: BLE001
            self._caches.pop(key, None)
            raise GenerationError(f"batched generation failed: {type(e).__name__}: {e}") from e
        tps = speed["generation_tps"]
        for p, row in zip(prompts, rows):  # one stats event per row, as for single calls (tok/s of the batch)
            self.last_stats = {"requested": adapter, "adapter": name, "prompt_tokens": len(p), "cached_tokens": n,
                               "prompt_tps": speed["prompt_tps"], "generation_tokens": len(row.tokens),
                               "generation_tps": tps, "draft_tokens": 0, "batch": len(rows),
                               "seconds": speed["seconds"]}
            self._emit({"type": "stats", **self.last_stats})
        return [row.text for row in rows]

    def stream(self, messages: list[dict], *, adapter: str | None = None, max_tokens: int = 256,
               temperature: float = 0.0, stop: list[str] | None = None, json_schema: dict | None = None,
               barred: list[str] | None = None) -> Iterator[str]:
        """Yield text deltas as they are generated (MLX work stays on the worker thread), `barred` words kept out
        (`word_ban.WordBan`; not with a `json_schema`). Closing the iterator early stops generation after the current
        token."""
        args = (messages, adapter, max_tokens, temperature, stop, json_schema, None, barred)
        if worker.on_worker():
            for d, _ in self._steps(*args):
                yield d
            return
        q: queue.Queue = queue.Queue()
        cancel = threading.Event()
        _END = object()

        def run():
            try:
                for d, _ in self._steps(*args):
                    q.put(d)
                    if cancel.is_set():
                        break
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                q.put(e)
            finally:
                q.put(_END)

        worker.submit(run)
        item = None
        try:
            while (item := q.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancel.set()
            while item is not _END:  # closed early: wait for the worker to stop (one token), so stats are recorded
                item = q.get()

    def generate_with_images(self, prompt: str, images: list, *, adapter: str | None = "vqa",
                             max_tokens: int = 32, temperature: float = 0.0) -> str:
        """Answer `prompt` about image files with the VLM base (adapter swapped in the shared bank)."""
        if self.vlm is None:
            raise GenerationError(f"{self.model_id} is a text model; load a VLM base to look at images")
        from .vlm import generate_vlm

        worker.run(self._use, adapter)
        return generate_vlm(self.vlm, prompt, images, max_tokens=max_tokens, adapter=False, temperature=temperature)

    def close(self) -> None:
        self._caches.clear()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


__all__ = ["Engine", "GenerationError", "OPS"]
