"""One chat with the assistant, below any UI: the Textual app and the scripted drive share this code path.

    conv = Conversation(memory, "alex")
    reply = conv.turn("My sister Anna is a firefighter in Denver.")   # retrieves memories for the message
    for delta in reply: ...                                           # streams; reply.stop() from any thread
    conv.remember(reply.message, reply.text)                          # then the memory pipeline, in order

A turn is recorded in the chat's history when its reply ends (finished or stopped; a failed one is not).
Older turns leave the prompt when the history passes its token budget; they stay reachable through memory.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

from ..memory.memory import answer_context
from ..ops import extract as extract_op
from ..ops import person, reply_checks, reply_diet
from ..ops import reply as reply_op
from ..ops.words import content_words
from . import categories, followup

# Memories given to the reply: cosine >= MIN_SCORE and within RECALL_MARGIN of the best hit. Every memory of a user
# names them, which lifts unrelated ones to ~0.4-0.5 against a third-person query (the drives' right memories:
# 0.58-0.79); the 0.5B restates whatever it is shown, so fewer, closer memories make better replies.
MIN_SCORE = 0.5
RECALL_MARGIN = 0.1
# ...or within RELATED_MARGIN when the memory shares a content word with the message: "What's mia's puppy's name
# again?" scored 0.848 on "mia just adopted a puppy." and 0.738 on "mia's puppy is called Bean and she's a beagle.",
# which the answer needs (MiniLM favours the shorter memory).
RELATED_MARGIN = 0.15
# A query that does not name the user ("Who is getting married?": no I/my to put in the third person) lacks that
# lift: "mei's brother Wen is getting married in January 2027." scored 0.434 on it (forty-second session's drive,
# the next memory 0.18), so a memory sharing a content word with such a message may lie UNNAMED_LIFT under min_score.
UNNAMED_LIFT = 0.1
# ...and about what the message asks: the cosine of the message and the memory said to the user ("Your partner Tessa
# is a vet."), no name on either side, at least MIN_RELEVANCE. The name lifts "rui's partner Tessa is a vet." to 0.56
# against "What's rui's brother's name?", and the 0.5B then answered "Your brother's name is Tessa."; name-free it is
# 0.18. Picked between 0.30 and 0.38 on the drives' pairs (18 questions with their memory: lowest 0.38; 11 with a
# memory that does not answer them: highest 0.30), then checked on 24 pairs written after: 12 of 12 kept (lowest
# 0.36), 11 of 12 dropped ("What's my dog called?" / "Your cat is called Biscuit.": 0.47). An unscripted chat then
# found right memories under it ("What does my partner do?" / "Your partner Tessa is a vet.": 0.31; "What do I do for
# work?" / "You work from home as a translator.": 0.30), so a memory that shares a content word with the message
# ("partner", "work"; `ops/words.py`) is kept too: all 33 answering pairs kept, 2 of 23 others
# ("favourite", "called"). scripts/recall_relevance.py prints them.
MIN_RELEVANCE = 0.34
TRIM_TO = 0.5  # when the history passes its budget, drop the oldest turns down to this share of it


class Reply:
    """One streamed reply. Iterate for text deltas (once); `stop()` (any thread) ends it between deltas and keeps
    the text so far. When it ends, the draft is checked (`reply_checks.final_reply`): said back as the user -> to
    them; a name or word nobody said -> the best memory shown or the refusal (`ungrounded` lists it); a refusal of
    what it was shown, the opening copied, a greeting to someone else or another memory for a statement -> the
    memory (a question) or the message said back. After the stream: `text` (final), `stopped`, `understood` (the
    message with a follow-up resolved), `first_token_s`/`total_s` (from the start of the turn, retrieval included),
    `tokens`, `tps` (decode tokens/s), `stats` (the engine's, when it reports them)."""

    def __init__(self, conversation: "Conversation", message: str, memories: list[dict], started: float,
                 understood: str | None = None, previous: list[dict] | None = None):
        self.message, self.memories = message, memories
        self.understood = understood or message  # with a follow-up's pronouns resolved (`Conversation.understood`)
        self.previous = previous or []  # what a "Tell me more." goes on with (`Conversation.previous_exchange`)
        self.text, self.stopped, self.done = "", False, False
        self.first_token_s: float | None = None
        self.total_s: float | None = None
        self.retrieval_s = time.perf_counter() - started
        self.tokens, self.tps, self.stats = 0, 0.0, {}
        self.ungrounded: list[str] = []  # names/numbers the model made up; the text is then grounded_reply(...)
        self._conv, self._t0 = conversation, started
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def memory_texts(self) -> list[str]:
        return [reply_op.memory_text(m) for m in self.memories]

    def __iter__(self) -> Iterator[str]:
        conv = self._conv
        before = getattr(conv.engine, "last_stats", None)
        deltas = conv._open(self.understood, self.memories, self.previous)  # no earlier turn but a go-on's
        ended = False
        try:
            for delta in deltas:
                if self._stop.is_set():  # stopped while this delta was generated: keep what was shown
                    break
                if self.first_token_s is None:
                    self.first_token_s = time.perf_counter() - self._t0
                self.text += delta
                yield delta
            ended = True
        finally:
            deltas.close()  # stops the engine after its current token
            self.stopped = self._stop.is_set()
            self.total_s = time.perf_counter() - self._t0
            if ended:
                self.text = reply_op.drop_repeats(reply_op.without_memory_head(self.text))  # nor one it looped to
                shown = answer_context(self.memories)
                ask, given = self.understood, self.memories
                if reply_checks.memory_lines(self.text, shown, conv.user_id):
                    # a list made of the prompt's memory lines: asked once more without them, the diet said as the
                    # user's (the checks keep them)
                    diet = reply_diet.diet_said(self.understood, shown, conv.user_id)
                    ask, given = " ".join(x for x in (self.understood, diet, reply_checks.ASK_AGAIN) if x), []
                    self.text = reply_op.drop_repeats("".join(conv._open(ask, given, self.previous)))
                    self.total_s = time.perf_counter() - self._t0
                barred = reply_diet.unfit_advice(self.text, self.understood, shown, conv.user_id)
                if barred:  # food advice the diet rules out whole: asked the same once more, its foods' words barred
                    # (with the diet only said, the 0.5B named the same food: priya's mushrooms, forty-first session)
                    self.text = reply_op.drop_repeats("".join(conv._open(ask, given, self.previous, barred)))
                    self.total_s = time.perf_counter() - self._t0
                self.text, self.ungrounded = reply_checks.final_reply(
                    self.text, self.message, shown, conv.user_id, conv.today(),
                    understood=self.understood, previous=[m["content"] for m in self.previous])  # the app shows it
                self.done = True
                self._finish(before)
                conv.record(self.message, self.text.strip())

    def _finish(self, before) -> None:
        stats = getattr(self._conv.engine, "last_stats", None)
        if isinstance(stats, dict) and stats is not before and stats.get("requested") == "reply":
            self.stats = dict(stats)
        self.tokens = int(self.stats.get("generation_tokens") or self._conv.engine.count_tokens(self.text))
        if self.stats.get("generation_tps"):
            self.tps = float(self.stats["generation_tps"])
        elif self.first_token_s is not None and self.total_s > self.first_token_s and self.tokens > 1:
            self.tps = (self.tokens - 1) / (self.total_s - self.first_token_s)


class Conversation:
    """This chat's turns on a Memory. `new()` starts another chat on the same memory (history cleared)."""

    def __init__(self, memory, user_id: str = "me", *, engine=None, top_k: int = reply_op.TOP_K,
                 min_score: float = MIN_SCORE, margin: float = RECALL_MARGIN,
                 min_relevance: float | None = MIN_RELEVANCE, max_tokens: int = reply_op.MAX_TOKENS,
                 history_budget: int = reply_op.HISTORY_BUDGET, lock: threading.Lock | None = None,
                 today: Callable[[], date] = date.today, extract_context: int | None = None):
        self.memory, self.user_id, self._engine = memory, user_id, engine
        self.top_k, self.min_score, self.margin, self.max_tokens = top_k, min_score, margin, max_tokens
        self.min_relevance = min_relevance
        self.history_budget, self.today = history_budget, today
        self._extract_context = extract_context
        self.lock = lock or threading.Lock()  # memory writes (pipeline, /remember, images) run one at a time
        self._turns: list[tuple[list[dict], int]] = []  # (user + assistant messages, tokens they take in the prompt)
        self._start = 0  # first turn still in the prompt: moves only on a trim, so the prompt prefix stays put
        self._history_lock = threading.Lock()

    @property
    def engine(self):
        return self._engine if self._engine is not None else self.memory.engine

    @property
    def extract_context(self) -> int:
        """The user's earlier messages of this chat shown to the extractor with each new one (not mined again): as
        given, else what the adapter that extracts one message was trained with (`extract-chat` if loaded, else
        `extract`; `context_turns` in its adapter_config.json, written by `memlora train` from `memlora distill
        --extract-followups` data), else none."""
        if self._extract_context is not None:
            return self._extract_context
        configs = getattr(self.memory.engine, "adapter_configs", None) or {}
        cfg = configs.get(extract_op.CHAT_ADAPTER) or configs.get("extract") or {}
        return int(cfg.get("context_turns") or 0)

    @property
    def opening(self) -> str:
        """The assistant's first line of this chat (shown when it starts; the reply prompt holds it)."""
        return reply_op.opening(self.user_id)

    def new(self) -> "Conversation":
        return Conversation(self.memory, self.user_id, engine=self._engine, top_k=self.top_k,
                            min_score=self.min_score, margin=self.margin, min_relevance=self.min_relevance,
                            max_tokens=self.max_tokens,
                            history_budget=self.history_budget, lock=self.lock, today=self.today,
                            extract_context=self._extract_context)

    @property
    def history(self) -> list[dict]:
        """All turns of this chat, as chat messages."""
        with self._history_lock:
            return [m for turn, _ in self._turns for m in turn]

    def prompt_history(self) -> list[dict]:
        """The turns the next prompt starts from: the newest ones within the budget, trimmed in steps. The budget is
        at most half of what the model's context leaves besides the reply (a small model's context binds first)."""
        budget = min(self.history_budget, (self.engine.context_length - self.max_tokens) // 2)
        with self._history_lock:
            total = sum(n for _, n in self._turns[self._start:])
            if total > budget:
                while self._start < len(self._turns) and total > budget * TRIM_TO:
                    total -= self._turns[self._start][1]
                    self._start += 1
            return [m for turn, _ in self._turns[self._start:] for m in turn]

    def warm(self) -> float:
        """Compute the reply prompt's fixed prefix (system text) into the engine's cache, so the first message only
        pays for its own tokens; the app and the drive call it once the model is loaded. Returns seconds taken."""
        t0 = time.perf_counter()
        prefix = reply_op.build_messages("", [], [], user=self.user_id, today=self.today())[:2]  # system, opening
        self.engine.generate([*prefix, {"role": "user", "content": "Hi"}], adapter="reply", max_tokens=1,
                             temperature=0.0)
        return time.perf_counter() - t0

    def recall(self, message: str, understood: str | None = None) -> list[dict]:
        """The memories given to the reply: top-k search hits at or above min_score and within `margin` of the best
        one, deduplicated (search dicts). The query is the message in the third person ("Where do I work?" -> "Where
        does alex work?"), the form memories are stored in: on the drive's six questions this raised the right
        memory's cosine from 0.19-0.47 to 0.62-0.79; a follow-up is resolved first (`understood`). A memory that
        shares a content word with the message may lie RELATED_MARGIN under the best one (and UNNAMED_LIFT under
        min_score when the query does not name the user). Of those, only the
        ones about what the message asks are kept: `relevance` at least min_relevance, or a content word in common
        with the message. They go best relevance first: the reply's 0.5B tends to answer from the first one shown,
        and on scripts/recall_relevance.py's pairs plus the twenty-fourth session's drive the memory that answers is
        above the other one in 24 of 25 pairs by relevance, 20 of 25 by the search's cosine (the user's name on both
        sides). `understood`: the message as already understood (saves `who`'s searches)."""
        message = categories.reword(understood or self.understood(message))
        if reply_op.ABOUT_ME.search(message):  # no one memory is about it: the newest ones are
            return reply_op.dedupe(self.memory.get_all(user_id=self.user_id, limit=self.top_k)["results"], self.top_k)
        query = person.third_person(message, self.user_id)
        hits = self.memory.search(query, user_id=self.user_id, limit=self.top_k)["results"]
        scores = [h.get("score") or 0.0 for h in hits]
        best = max(scores, default=0.0)
        named = re.search(rf"\b{re.escape(self.user_id)}\b", query, flags=re.I)
        lowest = self.min_score - (0.0 if named else UNNAMED_LIFT)  # for a memory that shares a word with it
        floor, related = max(self.min_score, best - self.margin), max(lowest, best - RELATED_MARGIN)
        words = categories.question_words(message) - content_words(self.user_id)  # "pets" also matches "tortoise"

        def shares(h: dict) -> bool:
            return categories.shares_words(message, words, reply_op.memory_text(h))

        # a name the message says is a key of its own: "Who is Ada?" and "amara's sister Ngozi just had a baby girl
        # called Ada." are 0.47 apart (thirtieth session), under min_score
        names = {n.lower() for n in followup.bare_names(message)} - {self.user_id.lower()}  # the user's: in all
        kept = [h for h, s in zip(hits, scores) if s >= floor or (s >= related and shares(h))
                or names & set(re.findall(r"[a-z]+", reply_op.memory_text(h).lower()))]
        kept = reply_op.dedupe(kept + self.of_kind(message, words) + self.on_days(message), self.top_k)
        if not kept or self.min_relevance is None:
            return kept
        scored = sorted(zip(self.relevance(message, kept), range(len(kept)), kept),  # a job first when one is asked
                        key=lambda x: (not categories.job_first(words, reply_op.memory_text(x[2])), -x[0], x[1]))
        return [h for r, _, h in scored if r >= self.min_relevance or shares(h)]

    def of_kind(self, message: str, words: set[str]) -> list[dict]:
        """Memories of the kind a question asks for that lie too far from it by cosine, found by a search of their own:
        for "Can I have milk?" what the user does not eat or drink ("kim is vegan." was under min_score for "Should I
        try the cheese pizza?"), for "What's my job?" a job said by its form ("lu runs a small flower shop in Leeds."
        0.49), for "Where do I live?" a job said with its town ("bram is a bus mechanic in Groningen."). `words`:
        `categories.question_words(message)`."""
        kinds = []
        if reply_diet.asks_diet(message) or reply_diet.asks_food_advice(message):
            kinds.append((f"{self.user_id} is vegetarian, vegan, allergic or intolerant, does not eat or drink, "
                          "cuts down on sugar or caffeine, hates a food",
                          reply_diet.says_diet))
        if words & categories.JOB_MARK:
            kinds.append((f"{self.user_id} works as", categories.says_job))
        if words & categories.HOME_MARK:  # where the user lives: a job's town if nothing else says it
            kinds.append((f"{self.user_id} lives in", categories.says_work_town))
        return [h for query, is_kind in kinds  # the user's own, not "omar's sister Laila is vegan."
                for h in self.memory.search(query, user_id=self.user_id, limit=self.top_k)["results"]
                if reply_op.about_user(reply_op.memory_text(h), self.user_id) and is_kind(reply_op.memory_text(h))]

    def on_days(self, message: str) -> list[dict]:
        """Memories that name a weekday or month the message names (`followup.calendar_words`), found by the store's
        full-text search: "What's happening on Friday?" lies at cosine 0.06 from "farid is a bit nervous about
        farid's driving test on Friday." (thirty-seventh session's drive), the day being the only key they share."""
        if not (days := followup.calendar_words(message)):
            return []
        hits = self.memory.search(" ".join(sorted(days)), user_id=self.user_id, limit=self.top_k, mode="hybrid")
        return [h for h in hits["results"] if days & followup.calendar_words(reply_op.memory_text(h))]

    def understood(self, message: str) -> str:
        """`message` with the pronouns that lean on the user's previous message of this chat resolved ("She's
        called Bean." after "I just adopted a puppy." -> "My puppy is called Bean."; `followup.resolve`): what the
        memory pipeline, retrieval and the reply get (the reply prompt holds no earlier turn by default, so "What's
        her name again?" alone got "Your name is Mia."). The previous message is itself resolved first, so that
        "What's her name again?" after "She's called Bean." still finds the puppy. A bare name the memories introduce
        is said with who it is ("Jonas" -> "my brother Jonas": `who`, `followup.with_who`)."""
        earlier = self.earlier_messages(message)
        if earlier:
            previous = followup.resolve(earlier[-1], earlier[-2]) if len(earlier) > 1 else earlier[-1]  # a chain of two
            message = followup.resolve(message, previous)
        return followup.with_who(message, self.who(message))

    def who(self, message: str) -> dict[str, str]:
        """Who the user's memories say the bare names of `message` are ({"Jonas": "my brother Jonas"}; one search per
        name, `followup.introduced`)."""
        texts = [reply_op.memory_text(h) for name in followup.bare_names(message)
                 for h in self.memory.search(name, user_id=self.user_id, limit=self.top_k)["results"]]
        return followup.introduced(texts, self.user_id) if texts else {}

    def relevance(self, message: str, memories: list[dict]) -> list[float]:
        """Cosine of `message` and each memory as the reply is shown it (said to the user, `reply_op.to_you`): with
        the user's name on neither side, what is left is what the two are about."""
        texts = [reply_op.to_you(reply_op.memory_text(m), self.user_id) for m in memories]
        vecs = self.memory.embedder.embed([message, *texts])
        return [float(v) for v in vecs[1:] @ vecs[0]]

    def turn(self, message: str) -> Reply:
        """Retrieve memories for `message` (blocking) and return its reply, ready to stream."""
        message = message.strip()
        if not message:
            raise ValueError("empty message")
        t0 = time.perf_counter()
        previous = self.previous_exchange(message)
        topic = previous[0]["content"] if previous else message  # "Tell me more." recalls what the last turn did
        said = self.understood(message)  # once: `who` searches the store for each bare name
        return Reply(self, message, self.recall(topic, said if topic == message else None), t0, said, previous)

    def previous_exchange(self, message: str) -> list[dict]:
        """The last finished turn of this chat (the user's message, then the reply) when `message` asks to go on
        with it ("Tell me more.", "Why?": `followup.asks_more`), else []. The reply prompt gets its user message
        (`reply.build_messages(previous=)`; without it "Why?" has nothing to go on with), retrieval searches for that
        message, and the draft checks take the exchange as said (a draft that only repeats the reply is replaced)."""
        if not followup.asks_more(message):
            return []
        with self._history_lock:
            turn = self._turns[-1][0] if self._turns else []
        return [dict(m) for m in turn] if [m["role"] for m in turn] == ["user", "assistant"] else []

    def messages(self, message: str, memories: list[dict]) -> list[dict]:
        """The exact prompt the reply to `message` gets (for inspection and tests)."""
        return reply_op.build_messages(self.understood(message), answer_context(memories), self.prompt_history(),
                                       user=self.user_id, today=self.today(), count_tokens=self.engine.count_tokens,
                                       budget=self.history_budget, limit=self.engine.context_length - self.max_tokens,
                                       previous=self.previous_exchange(message))

    def _open(self, message: str, memories: list[dict], previous: list[dict] | None = None,
              barred: set[str] | None = None):
        return reply_op.stream_reply(self.engine, message, answer_context(memories), self.prompt_history(),
                                     user=self.user_id, today=self.today(), max_tokens=self.max_tokens,
                                     budget=self.history_budget, previous=previous, barred=barred)

    def record(self, message: str, reply: str) -> None:
        """Add a finished exchange to the history (also for replies made elsewhere, e.g. about an image)."""
        turn = [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
        n = reply_op.turn_tokens(turn, self.engine.count_tokens)
        with self._history_lock:
            self._turns.append((turn, n))

    def remember(self, message: str, reply: str | None = None) -> list[dict]:
        """The memory pipeline (extract -> update -> apply) over the user's message (a follow-up resolved first:
        `understood`); runs after the reply, in order.
        With `extract_context`, the user's previous message of this chat goes along as context (not mined), so that a
        follow-up ("She's called Bean.") can be resolved. The reply is not passed: `Memory.add` would extract it as
        facts about an "Assistant" speaker, and a reply restates the user's facts. Returns the ADD/UPDATE/DELETE
        results."""
        context = self.earlier_messages(message)[-self.extract_context:] if self.extract_context else []
        said = self.understood(message)
        with self.lock:
            return self.memory.add([{"role": "user", "content": said}], user_id=self.user_id,
                                   session_date=self.today().isoformat(),
                                   context=[{"role": "user", "content": c} for c in context] or None)["results"]

    def earlier_messages(self, message: str) -> list[str]:
        """The user's messages of this chat before `message` (its own turn is recorded when its reply ends)."""
        said = [m["content"] for m in self.history if m["role"] == "user"]
        if said and said[-1] == message:
            said = said[:-1]
        return said
