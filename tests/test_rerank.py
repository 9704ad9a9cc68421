"""Focus reranking (memory/rerank.py) and the LoCoMo runner's retrieval with it: real embedder, real store."""

import json

import memlora_mlx  # noqa: F401 - BLAS preload before mlx
from memlora_mlx.locomo import load_conversations
from memlora_mlx.memory import Memory
from memlora_mlx.memory.rerank import _words, rerank, retrieve

USERS = ["Nate", "Joanna"]
TOURNAMENTS = ["Nate won a regional video game tournament last week and met new people.",
               "Nate won an international tournament in gaming, turning his passion into a career.",
               "Nate won his first video game tournament playing a team shooter game called Counter-Strike: "
               "Global Offensive.",
               "Nate won a really big video game tournament last week and made a lot of money from it."]
SHARED = ["Nate made something for Joanna to encourage her.",
          "Nate supports Joanna and cheers her on in her creative journey.",
          "Nate and Joanna both love watching movies and making desserts."]


def hits(embedder, question, texts):
    v = embedder.embed([question, *texts])
    return [{"memory": t, "score": float(s)} for t, s in zip(texts, v[1:] @ v[0])]


def test_content_words_leave_out_function_words_and_placeholders():
    assert _words("When did someone win his first video game tournaments?") == {
        "win", "first", "video", "game", "tournament"}


def test_the_memory_that_says_what_was_asked_comes_first(embedder):
    q = "When did Nate win his first video game tournament?"
    h = hits(embedder, q, TOURNAMENTS)
    assert max(h, key=lambda x: x["score"])["memory"] != TOURNAMENTS[2]  # cosine alone puts another one first
    ranked = rerank(embedder, q, h, USERS)
    assert ranked[0]["memory"] == TOURNAMENTS[2]
    assert [r["score"] for r in ranked] != sorted(r["score"] for r in ranked)  # cosine kept, order changed
    assert all("focus" in r for r in ranked)


def test_two_names_no_longer_pull_every_memory_that_holds_them(embedder):
    q = "What kind of interests do Joanna and Nate share?"
    h = hits(embedder, q, SHARED)
    by_cos = [x["memory"] for x in sorted(h, key=lambda x: -x["score"])]
    assert by_cos[-1] == SHARED[2]
    assert rerank(embedder, q, h, USERS)[0]["memory"] == SHARED[2]


def test_locomo_runner_shows_the_named_speakers_memories(tmp_path, embedder):
    conv_file = tmp_path / "conv-r.json"
    conv_file.write_text(json.dumps({"speaker_a": "Nate", "speaker_b": "Joanna", "session_1_date_time":
                                     "1:56 pm on 8 May, 2023", "session_1": [], "qa": []}))
    conv = load_conversations([str(conv_file)])[0]
    nate = TOURNAMENTS + ["Nate has three turtles.", "Nate likes coconut ice cream."]
    joanna = ["Joanna wrote a screenplay.", "Joanna went hiking.", "Joanna is allergic to fur.", "Joanna reads.",
              "Joanna watched Little Women."]
    with Memory(engine=None, store=tmp_path / "store", embedder=embedder) as m:
        for user, facts in (("Nate", nate), ("Joanna", joanna)):
            m.add(facts, user_id=user, infer=False)
        users = list(conv.speakers)
        got = retrieve(m, "When did Nate win his first video game tournament?", users, 2)
        assert [g["speaker"] for g in got] == ["Nate"] * 4 and got[0]["text"] == TOURNAMENTS[2]
        both = retrieve(m, "What do Nate and Joanna like?", users, 2)
        assert sorted(g["speaker"] for g in both) == ["Joanna", "Joanna", "Nate", "Nate"]
        got = retrieve(m, "When did Nate win his first video game tournament?", users, 2, "cosine")
        assert sorted(g["speaker"] for g in got) == ["Joanna", "Joanna", "Nate", "Nate"]
        assert got[0]["text"] != TOURNAMENTS[2]


def test_a_question_that_names_a_date_prefers_that_sessions_memories(tmp_path, embedder):
    made = {"Nate made coconut milk ice cream for his friends.": ("9 November, 2022", "on 9 November, 2022",
                                                                 "on November 10, 2022", "in November 2022"),
            "Nate made a chocolate cake for his vegan group.": ("3 March, 2022", "on 3 March, 2022",
                                                               "on March 2, 2022", "in March 2022")}
    with Memory(engine=None, store=tmp_path / "store", embedder=embedder) as m:
        for text, (day, *_) in made.items():
            m.add([text], user_id="Nate", infer=False, session_date=day)
        for text, (_, *asked) in made.items():
            for when in asked:
                q = f"What did Nate make {when}?"
                assert retrieve(m, q, USERS, 1)[0]["text"] == text, q


def test_a_plural_meets_its_singular():
    from memlora_mlx.ops.words import stem

    for one, many in (("coffee", "coffees"), ("cake", "cakes"), ("box", "boxes"), ("dish", "dishes"),
                      ("tomato", "tomatoes"), ("house", "houses"), ("class", "classes"), ("tournament", "tournaments")):
        assert stem(one) == stem(many), (one, many)
    assert stem("hiking") == "hik" and stem("cheese") == "cheese"  # a word without such an ending is itself
