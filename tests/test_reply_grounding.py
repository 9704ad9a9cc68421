"""Grounding checks on a reply (ops/reply_grounding.py): a claim names only what the user or the memories said."""

from memlora_mlx.ops import reply as R
from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops import reply_grounding as G


def test_a_claim_about_the_user_may_only_name_what_was_said():
    src = lambda message, *mems: G.grounding_sources(message, [{"text": m} for m in mems], "rui", "2026-12-02")
    # made up: names and numbers nobody said, in a sentence about "your"/"my"
    assert G.ungrounded("You told me your brother's name is Rui.", src("What's my brother's name?")) == ["Rui"]
    assert G.ungrounded("My cat is named Max. My cat Max is 3.", src("What's my cat called?")) == ["Max", "3"]
    assert G.ungrounded("Your sister lives in Porto.", src("Where does my sister live?", "rui's sister Ana.")) \
        == ["Porto"]
    # said by the user, by a memory shown (also as a number word), or today's date
    assert G.ungrounded("You told me that your partner Tessa is a vet.", src("My partner Tessa is a vet.")) == []
    assert G.ungrounded("Your daughter Ana turns 7 in June.", src("How old is my daughter?",
                                                                  "rui's daughter Ana turns seven in June.")) == []
    assert G.ungrounded("Your trip is on 2 December 2026.", src("When is my trip?")) == []
    # a number said of someone the user named, that nobody said (thirty-second session's bram), and a name (thirty-
    # seventh session's farid), unless suggested
    assert G.ungrounded("Luuk is a 12-year-old, and Daan is a fourteen-year-old.",
                        src("We have twin boys, Luuk and Daan.")) == ["12", "fourteen"]
    assert G.ungrounded("Luuk and Daan love Lego.", src("We have twin boys, Luuk and Daan.")) == ["Lego"]
    assert G.ungrounded("Luuk might love a Lego set.", src("We have twin boys, Luuk and Daan.")) == []
    assert G.ungrounded("Biscuit is a cat from the United States.", src("We have a cat called Biscuit.")) == [
        "United", "States"]
    assert G.ungrounded("Biscuit is a lovely name. I hope Biscuit is well!", src("We have a cat called Biscuit.")) == []
    assert G.ungrounded("Luuk is 7.", src("Luuk is seven today!")) == []
    # advice with a number, opening with a common word the question said: not about anyone named
    assert G.ungrounded("Run 30 minutes a day.", src("How long should I run each day?")) == []
    assert G.ungrounded("Coffee has about 95 mg of caffeine.", src("How much caffeine is in coffee?")) == []
    # not about the user, or a question back: not checked
    assert G.ungrounded("Paris is the capital of France.", src("What is the capital of France?")) == []
    assert G.ungrounded("Is your cat called Max?", src("hello")) == []
    # advice to the user is not a claim about them; a claim after "Sure!" or "I remember that" is
    assert G.ungrounded('Sure! For your trip, I recommend "The Great Gatsby" by F. Scott Fitzgerald.',
                        src("Could you recommend a book for my trip?")) == []
    assert G.ungrounded("You could visit Kyoto.", src("Any tips for my trip?")) == []
    assert G.ungrounded("Sure! You are traveling with Kim.", src("Who am I travelling with?")) == ["Kim"]
    assert G.ungrounded("I remember that your son is 14.", src("How old is my son?", "rui's son Theo is 12.")) \
        == ["14"]
    # what replaces a made-up reply: the best memory shown, said to the user, else the refusal
    assert C.grounded_reply([{"text": "rui's son Theo is 12."}], "rui") == "What I remember: Your son Theo is 12."
    assert C.grounded_reply([], "rui") == R.UNGROUNDED_REPLY
    assert R.UNGROUNDED_REPLY.startswith(R.UNKNOWN_REPLY)


def test_a_question_of_the_users_own_is_answered_from_their_memories_only():
    # the thirty-seventh session's farid: the draft refused with the job's memory shown, and the replacement told the
    # partner's job too
    job = "farid starts a new job as a librarian the week after 5 December 2026."
    partner = "farid's partner Lucia works as a nurse at the city hospital."
    shown = [{"memory": job}, {"memory": partner}]
    refusal = "I'm sorry, but I can't assist with that."
    assert C.final_reply(refusal, "What's my new job?", shown, "farid") == (
        "What I remember: You start a new job as a librarian the week after 5 December 2026.", [])
    # asked of someone else: the memories naming them (the thirty-eighth session's malik heard his own job too)
    for asks_of_another in ("What does my partner do?", "What does Lucia do?"):
        assert C.final_reply(refusal, asks_of_another, shown[::-1], "farid") == (
            "What I remember: Your partner Lucia works as a nurse at the city hospital.", [])
    idris = [{"memory": "malik's brother Idris plays bass in a jazz band."},
             {"memory": "malik works as a nurse at the children's hospital."}]
    assert C.final_reply(refusal, "What does Idris do?", idris, "malik", understood="What does my brother Idris do?") \
        == ("What I remember: Your brother Idris plays bass in a jazz band.", [])
    assert C.users_own(shown, "What do you know about me?", "farid") == shown
    assert C.users_own(shown, "What does Kenji do?", "farid") == shown  # nobody shown is named: all, as before


def test_a_message_said_back_without_its_opening_word():
    # the thirty-ninth session's noor: "Got it: Actually, you moved to Bristol last month, …"
    moved = "Actually, I moved to Bristol last month, so I don't live in Leeds anymore."
    assert C.said_back(moved, "noor") == "Got it: you moved to Bristol last month, so you don't live in Leeds anymore."
    assert C.said_back("Oh and I can't eat gluten.", "noor") == "Got it: you can't eat gluten."
    assert C.said_back("I actually like tea.", "noor") == "Got it: you actually like tea."  # only an opening word
