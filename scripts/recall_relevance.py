"""The chat's recall gate, measured: cosine of a question and a memory said to the user (no name on either side),
for pairs where the memory answers the question and pairs where it does not. `Conversation.recall` keeps a memory
at or above `MIN_RELEVANCE`, or sharing a content word with the message (`content_words`).

    uv run python scripts/recall_relevance.py        # a few seconds, embedder only

The first set is the chat drives' questions (scripts/chat_drive_*.txt) with their stored memories, and the
memories the reply was shown beside them; the held-out set was written after the threshold was picked from the
first; the third came from an unscripted chat after both; the fourth (categories: "pets" and a tortoise) was written
in the eighteenth session before `chat/categories.py`, which widens a category word to its members; the fifth
(jobs) holds the twenty-second session's drive miss and pairs written after its fix, the sixth (homes) the
twenty-third's. Prints every pair, then how many of each kind are kept; then, for each question with a memory that
answers it and one that does not, which comes first by the search's cosine and by relevance (the recall's order).
"""
from memlora_mlx.chat.categories import reword, widen
from memlora_mlx.chat.conversation import MIN_RELEVANCE
from memlora_mlx.ops.words import content_words
from memlora_mlx.memory.embedder import load_embedder
from memlora_mlx.ops.person import third_person
from memlora_mlx.ops.reply import to_you

DRIVES = {
    "answers": [
        ("alex", "What does my sister do, and where?", "alex's sister Maria works as a pilot in Lisbon."),
        ("alex", "What are my cats called?", "alex has two cats called Pixel and Mochi."),
        ("alex", "Where do I work?", "alex works as a nurse at St. Mary's Hospital."),
        ("alex", "What do I do on Saturday mornings?", "alex goes rock climbing every Saturday morning."),
        ("alex", "Where am I going in March?", "alex is flying to Tokyo on the 12th of March for a 2-week trip."),
        ("alex", "What is my favourite food?", "alex's favourite food is mushroom risotto."),
        ("sam", "What does my dad do?", "sam's dad Jorge runs a small bookshop in Valencia."),
        ("sam", "What's my dog's name?", "sam adopted a rescue greyhound named Comet."),
        ("sam", "Which instrument am I learning?", "sam has been learning the cello since September."),
        ("sam", "Where does Kenji live now?", "sam's best friend Kenji just moved to Osaka for work."),
        ("sam", "What car do I drive?", "sam drives a blue Honda Civic."),
        ("sam", "How old is my daughter turning?", "sam's daughter Ana turns seven in June."),
        ("jo", "Where do I work now?", "jo just started a new job as a baker at Crumb & Co."),
        ("jo", "Where does my brother live?", "jo's brother Luis lives in Mexico City with his wife."),
        ("jo", "What am I allergic to?", "jo is allergic to peanuts."),
        ("rui", "What race am I training for?", "rui is training for the Berlin marathon in September."),
        ("rui", "What does Tessa do?", "rui's partner Tessa is a vet."),
        ("rui", "What can't I eat?", "rui can't eat gluten."),
    ],
    "does not answer": [
        ("jo", "What's my mother's name?", "jo's brother Luis lives in Mexico City with his wife."),
        ("jo", "What's my mother's name?", "jo is allergic to peanuts."),
        ("rui", "What's my brother's name?", "rui's partner Tessa is a vet."),
        ("rui", "What's my brother's name?", "rui can't eat gluten."),
        ("alex", "What does my sister do, and where?", "alex works as a nurse at St. Mary's Hospital."),
        ("alex", "What do I do on Saturday mornings?", "alex works as a nurse at St. Mary's Hospital."),
        ("sam", "What does my dad do?", "sam's best friend Kenji just moved to Osaka for work."),
        ("jo", "Where do I work now?", "jo's brother Luis lives in Mexico City with his wife."),
        ("alex", "Where am I going in March?", "alex goes rock climbing every Saturday morning."),
        ("alex", "What is my wife's name?", "alex's sister Maria works as a pilot in Lisbon."),
        ("sam", "What's my cat's name?", "sam adopted a rescue greyhound named Comet."),
    ],
}
HELD_OUT = {
    "answers": [
        ("mia", "Where did I grow up?", "mia grew up in a small village near Cork."),
        ("mia", "What's my husband's job?", "mia's husband Dev is a software engineer at a bank."),
        ("mia", "When is my dentist appointment?", "mia has a dentist appointment on Thursday at 3 pm."),
        ("mia", "What language am I learning?", "mia is learning Japanese on Duolingo."),
        ("mia", "How many kids do I have?", "mia has three kids: Ava, Leo and Sam."),
        ("ben", "What's my cat called?", "ben's cat is called Biscuit."),
        ("ben", "Where is my sister studying?", "ben's sister Priya studies medicine in Edinburgh."),
        ("ben", "What sport do I play?", "ben plays five-a-side football on Tuesdays."),
        ("ben", "What did I buy last week?", "ben bought a second-hand road bike last week."),
        ("ben", "Which band do I love?", "ben's favourite band is Radiohead."),
        ("ben", "Where do my parents live?", "ben's parents live in Leeds."),
        ("ben", "What am I reading?", "ben is reading Dune by Frank Herbert."),
    ],
    "does not answer": [
        ("mia", "What's my brother's name?", "mia's husband Dev is a software engineer at a bank."),
        ("mia", "Where do I work?", "mia's husband Dev is a software engineer at a bank."),
        ("mia", "What's my dog's name?", "mia has three kids: Ava, Leo and Sam."),
        ("mia", "What's my favourite film?", "mia is learning Japanese on Duolingo."),
        ("ben", "What's my sister's job?", "ben's cat is called Biscuit."),
        ("ben", "What's my girlfriend's name?", "ben's sister Priya studies medicine in Edinburgh."),
        ("ben", "What car do I drive?", "ben bought a second-hand road bike last week."),
        ("ben", "Where was I born?", "ben's parents live in Leeds."),
        ("ben", "What's my favourite food?", "ben's favourite band is Radiohead."),
        ("ben", "What instrument do I play?", "ben's favourite band is Radiohead."),
        ("mia", "What's my mother's name?", "mia grew up in a small village near Cork."),
        ("ben", "What's my dog called?", "ben's cat is called Biscuit."),
    ],
}
UNSCRIPTED = {
    "answers": [
        ("kim", "What do I do for work?", "kim works from home as a translator."),
        ("rui", "What does my partner do?", "rui's partner Tessa is a vet."),
        ("kim", "Who am I travelling with, and where?", "kim is going to Japan in April with my husband."),
    ],
}

# Eighteenth session, written before `chat/categories.py`: a question's category word and a memory naming a member
# ("What pets do we have?" recalled neither the tortoise nor the goldfish in the sixteenth session's drive).
CATEGORIES = {
    "answers": [
        ("vera", "What pets do we have?", "vera has a tortoise called Speedy."),
        ("vera", "What pets do we have?", "vera has two goldfish."),
        ("ivan", "Which languages do I speak?", "ivan speaks French."),
        ("nora", "Tell me about my family.", "nora's brother Jonas lives in Berlin."),
        ("nora", "Do I have any siblings?", "nora's brother Jonas lives in Berlin."),
        ("kim", "What instrument does my son play?", "kim's son Theo plays the violin."),
        ("ben", "What sports do I do?", "ben plays five-a-side football on Tuesdays."),
        ("tara", "How are my kids doing?", "tara's daughter Lily started school."),
    ],
    "does not answer": [
        ("vera", "What pets do we have?", "vera is a nurse."),
        ("vera", "What pets do we have?", "vera's husband Pavel teaches chemistry."),
        ("ivan", "Which languages do I speak?", "ivan grew up in Glasgow."),
        ("nora", "Do I have any siblings?", "nora's mum is a retired teacher."),
        ("ben", "What sports do I do?", "ben's favourite band is Radiohead."),
        ("kim", "What instrument does my son play?", "kim's son Theo is 12."),
    ],
}

# Twenty-second session's drive (scripts/chat_drive_seventh.txt): "What's my job?" lost its memory (0.28) before
# chat/categories.py widened "job" to the words that say one; its other memories, and two more phrasings.
JOBS = {
    "answers": [
        ("meera", "What's my job?", "meera works as a midwife at the maternity unit in Halifax."),
        ("meera", "What is my profession?", "meera works as a midwife at the maternity unit in Halifax."),
        ("ola", "What's my job these days?", "ola has worked at the harbour office since June."),
    ],
    "does not answer": [
        ("meera", "What's my job?", "meera has a ferret called Pickle."),
        ("meera", "What's my job?", "meera's brother Anand repairs old clocks."),
        ("meera", "What's my job?", "meera is learning to play the sitar with a teacher on Saturdays."),
    ],
}

# Twenty-third session's drive (scripts/chat_drive_eighth.txt): "Where do I live?" lost "moved from Leeds to York"
# (0.32) before "live" widened to the words that say where one lives; its other memories, two more phrasings, and
# one that "home" would keep (so "live" does not widen to "home").
HOMES = {
    "answers": [
        ("oksana", "Where do I live?", "oksana moved from Leeds to York."),
        ("oksana", "Where do I live now?", "oksana relocated to Bristol last spring."),
        ("pim", "Where's home for me these days?", "pim moved into a flat in Cardiff."),
    ],
    "does not answer": [
        ("oksana", "Where do I live?", "oksana drives an old green Skoda."),
        ("oksana", "Where do I live?", "oksana's partner Ilse and oksana keep bees on oksana's allotment."),
        ("oksana", "Where do I live?", "oksana works from home on Fridays."),
    ],
}

# Twenty-fourth session's drive (scripts/chat_drive_ninth.txt): "What do I do for a living?" (0.28 to the job) recalled
# where she lives ("living" widened to "lives") before it was asked as "What is my job?" (chat/categories.py reword).
LIVING = {
    "answers": [
        ("priyanka", "What do I do for a living?", "priyanka is a structural engineer."),
        ("sol", "What does my sister do for work?", "sol's sister Ines is a paramedic."),
    ],
    "does not answer": [
        ("priyanka", "What do I do for a living?", "priyanka lives in Cardiff."),
        ("priyanka", "What do I do for a living?", "priyanka's daughter Zara is six."),
    ],
}

# Twenty-fifth session: the same drive's questions whose two memories were both recalled, the one the reply used first
# ("What is Zara learning?" -> "Your daughter Zara is six years old."). Used by `order` below.
ORDER = {
    "answers": [
        ("priyanka", "What do I do for a living?", "priyanka is a structural engineer."),
        ("priyanka", "What is Zara learning?", "priyanka's daughter Zara just started ballet."),
        ("priyanka", "How old is my daughter?", "priyanka's daughter Zara is six."),
        ("priyanka", "Which city do I live in?", "priyanka lives in Cardiff."),
    ],
    "does not answer": [
        ("priyanka", "What do I do for a living?", "priyanka is taking the train to work."),
        ("priyanka", "What is Zara learning?", "priyanka's daughter Zara is six."),
        ("priyanka", "How old is my daughter?", "priyanka's daughter Zara just started ballet."),
        ("priyanka", "Which city do I live in?", "priyanka used to live in Bristol."),
    ],
}
SETS = (("drives", DRIVES), ("held out", HELD_OUT), ("unscripted", UNSCRIPTED), ("categories", CATEGORIES),
        ("jobs", JOBS), ("homes", HOMES), ("for a living", LIVING))


def order(emb) -> None:
    """Every (question, memory that answers it, memory that does not) of the same question, over all sets: which one
    comes first by the search's cosine (third person, the user's name on both sides) and by relevance (said to the
    user, no name; what `Conversation.recall` orders by)."""
    pairs = sorted({(u, q, pos, neg) for _, sets in (*SETS, ("order", ORDER)) for u, q, pos in sets["answers"]
                    for u2, q2, neg in sets.get("does not answer", []) if (u2, q2) == (u, q)})
    wins = {"search": 0, "relevance": 0}
    for user, question, pos, neg in pairs:
        asked = reword(question)
        q, p, n = emb.embed([third_person(asked, user), pos, neg])
        search = float(q @ p - q @ n)
        q, p, n = emb.embed([asked, to_you(pos, user), to_you(neg, user)])
        relevance = float(q @ p - q @ n)
        wins["search"] += search > 0
        wins["relevance"] += relevance > 0
        print(f"{search:+5.2f} {relevance:+5.2f}  {question} | {pos} | {neg}")
    print(f"-- the answering memory first: by search {wins['search']}/{len(pairs)}, "
          f"by relevance {wins['relevance']}/{len(pairs)}")


def main() -> None:
    emb = load_embedder()
    for title, sets in SETS:
        print(f"== {title} ==")
        counts = []
        for kind, pairs in sets.items():
            kept = 0
            for user, question, memory in pairs:
                shown = to_you(memory, user)
                asked = reword(question)  # as the chat's recall asks it
                q, m = emb.embed([asked, shown])
                cos = float(q @ m)
                shared = sorted(widen(content_words(asked)) & content_words(shown))
                keep = cos >= MIN_RELEVANCE or bool(shared)
                kept += keep
                mark = "kept" if keep else "    "
                print(f"{kind:>15}  {cos:5.2f}  {mark}  {','.join(shared):12} {question} | {shown}")
            counts.append(f"{kind}: {kept}/{len(pairs)} kept")
        print(f"-- cosine >= {MIN_RELEVANCE} or a shared word: " + "; ".join(counts) + "\n")
    print("== order: search cosine minus the other memory's, relevance minus the other's ==")
    order(emb)


if __name__ == "__main__":
    main()
