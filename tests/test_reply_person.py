"""The user's own words said back as if the assistant were the user are said to the user (ops/reply_person.py)."""

from memlora_mlx.ops import reply_checks as C

ENGINEER = "I'm a structural engineer and I design footbridges."


def test_a_statement_said_back_half_as_the_user_is_said_to_the_user():
    # the twenty-fourth session's drive, verbatim
    draft = "You're a structural engineer and I design footbridges."
    assert C.restated_to_user(draft, ENGINEER) == "You're a structural engineer and you design footbridges."
    assert C.restated_to_user(ENGINEER, ENGINEER) == "You're a structural engineer and you design footbridges."
    said = "My daughter Zara is six and she just started ballet."
    assert C.restated_to_user(said, said) == "Your daughter Zara is six and she just started ballet."
    # the thirty-sixth session's drive (hana), verbatim: "I was" said to the user is "you were"
    violin = "I've played the violin since I was seven."
    draft = "You're a great musician! I've played the violin since I was seven."
    assert C.restated_to_user(draft, violin) == "You're a great musician! You've played the violin since you were seven."


def test_the_assistant_speaking_for_itself_is_left_alone():
    for draft, message in [
        ("I hope you design great footbridges as a structural engineer.",
         "I hope to design footbridges as a structural engineer."),  # "I hope" is the assistant's
        ("I'm glad you design footbridges as a structural engineer.",
         "I'm glad I design footbridges as a structural engineer."),
        ("I design websites.", ENGINEER),  # not a restatement (one word in common)
        ("That's great! My favourite bridges are footbridges, structural marvels.", ENGINEER),  # "my" the user never said
    ]:
        assert C.restated_to_user(draft, message) == draft


def test_final_reply_says_the_restatement_to_the_user():
    text, made_up = C.final_reply("You're a structural engineer and I design footbridges.", ENGINEER, [], "priyanka")
    assert "I design" not in text and "design footbridges" in text and not made_up


def test_the_users_own_dont_is_said_back_to_them_and_the_assistants_stays():
    # thirtieth session's drive: "I don't eat lamb." was said back as is, to the statement and to a question
    from memlora_mlx.ops.reply_checks import final_reply

    lamb = [{"memory": "dara doesn't eat lamb."}]
    assert final_reply("I don't eat lamb.", "I don't eat lamb.", [], "dara")[0] == "You don't eat lamb."
    assert final_reply("I don't eat lamb.", "Is there any meat I don't eat?", lamb, "dara")[0] == "You don't eat lamb."
    assert final_reply("I can't eat lamb, sadly.", "I can't eat lamb, sadly.", [], "dara")[0] == \
        "You can't eat lamb, sadly."
    # the assistant declining or not knowing is its own
    text = final_reply("I don't know what you eat.", "Is there any meat I don't eat?", lamb, "dara")[0]
    assert text == "What I remember: You don't eat lamb."
    assert final_reply("I don't have a dog, but tell me about yours!", "I don't have a dog.", [], "dara")[0] \
        .startswith("I don't have a dog")


def test_a_question_about_the_user_answered_about_the_assistant_gives_way():
    from memlora_mlx.ops.reply_checks import final_reply
    from memlora_mlx.ops.reply_person import about_itself

    draft = ("As an AI language model, I don't have personal preferences or emotions. However, one of the most "
             "popular films of all time is \"Inception\".")
    assert about_itself(draft, "What's my favourite film?")
    assert final_reply(draft, "What's my favourite film?", [], "ines")[0] == \
        "I don't know that yet: you haven't told me."
    film = [{"memory": "ines's favourite film is Amelie."}]
    assert final_reply(draft, "What's my favourite film?", film, "ines")[0] == \
        "What I remember: Your favourite film is Amelie."
    assert not about_itself(draft, "What's your favourite film?")  # asked about the assistant: its answer stands
    assert not about_itself(draft, "Tell me about films.")


def test_a_yes_or_no_about_the_user_with_nothing_recalled_is_not_made_up():
    from memlora_mlx.ops.reply_checks import final_reply

    unknown = "I don't know that yet: you haven't told me."
    for draft in ("Yes, you do have two sisters.", "No, you don't have any sisters."):  # thirtieth session: the first
        assert final_reply(draft, "Do I have any sisters?", [], "pedro")[0] == unknown, draft
    assert final_reply("I don't know if you have sisters.", "Do I have any sisters?", [], "pedro")[0] == \
        "I don't know if you have sisters."
    assert final_reply("Yes, Paris is the capital.", "Am I right that Paris is the capital of France?", [],
                       "pedro")[0] == "Yes, Paris is the capital."
    sis = [{"memory": "pedro's sister Rita lives in Faro."}]  # recalled: not this check's
    assert final_reply("Yes, your sister Rita lives in Faro.", "Do I have any sisters?", sis, "pedro")[0] == \
        "Yes, your sister Rita lives in Faro."


def test_a_memory_is_said_to_the_user_whatever_the_name_and_the_negation():
    from memlora_mlx.ops.reply import to_you

    # a name ending in "s" (thirtieth session: "ines' son Felix …" was shown as "You' son Felix …")
    assert to_you("ines' son Felix is learning to swim.", "ines") == "Your son Felix is learning to swim."
    assert to_you("ines\u2019s son Felix swims.", "ines") == "Your son Felix swims."
    assert to_you("ines' son", "ines") == "Your son" and to_you("inesa' son", "ines") == "inesa' son"
    assert to_you("omar doesn't drink alcohol.", "omar") == "You don't drink alcohol."  # was "You doesn't"
    assert to_you("omar isn't a fan of jazz.", "omar") == "You aren't a fan of jazz."
    assert to_you("omar hasn't been to Rome.", "omar") == "You haven't been to Rome."


def test_an_answer_as_the_user_with_a_one_word_memory_is_said_to_them():
    # thirtieth session's lin: "What's my job?" got "I am an architect." with "lin is an architect." shown
    from memlora_mlx.ops.reply_checks import final_reply

    shown = [{"memory": "lin is an architect."}]
    assert final_reply("I am an architect.", "What's my job?", shown, "lin")[0] == "You are an architect."
    assert final_reply("I am happy to help.", "What's my job?", shown, "lin")[0] != "You are happy to help."


def test_may_i_answered_as_the_asker_is_said_to_the_user():
    from memlora_mlx.ops.reply_person import answered_as_asker

    # thirtieth session's amara, verbatim
    assert answered_as_asker("Sure, I can have the salmon.", "Can I have the salmon?") == \
        "Sure, you can have the salmon."
    assert answered_as_asker("I can't have the salmon.", "Can I have the salmon?") == "You can't have the salmon."
    assert answered_as_asker("I can give you a recipe.", "Can I have a recipe?") == "I can give you a recipe."
    assert answered_as_asker("Sure, I can have a look.", "Can I have the salmon?") == "Sure, I can have a look."


def test_to_a_question_about_the_user_one_word_of_a_memory_and_one_of_the_question_are_enough():
    # the thirty-first session's hana drive: "Where do we live now?" -> "I live in Bristol."
    from memlora_mlx.ops.reply_person import as_said_to_user

    bristol = ["hana and hana's wife just moved to Bristol."]
    assert as_said_to_user("I live in Bristol.", bristol, "hana", "Where do we live now?") == "You live in Bristol."
    assert as_said_to_user("I live in Bristol.", bristol, "hana") == "I live in Bristol."  # no question: as before
    assert as_said_to_user("I think Bristol is lovely.", bristol, "hana", "Where do we live now?") == \
        "I think Bristol is lovely."  # the assistant's own


def test_the_users_we_said_back_as_the_assistants_i_is_said_to_them():
    # the thirty-first session's omid drive: "We're vegetarian at home." -> "You're right, I'm vegetarian at home. …"
    assert C.final_reply("You're right, I'm vegetarian at home. What's your favorite food?",
                         "We're vegetarian at home.", [], "omid")[0] == \
        "You're vegetarian at home. What's your favorite food?"
    assert C.restated_to_user("I'm vegetarian too, at home.", "My wife is vegetarian at home.") == \
        "I'm vegetarian too, at home."  # no "we" of the user's


def test_a_question_about_a_relative_answered_with_the_users_own_fact_is_not_kept():
    # an unscripted chat of the thirty-first session, verbatim: the husband's job was never told
    vet = [{"memory": "marta is a vet."}, {"memory": "marta works at a clinic in Cork."}]
    assert C.final_reply("I am a vet.", "What's my husband's job?", vet, "marta") == (
        "I don't know that yet: you haven't told me.", [])
    sister = [{"memory": "alex's sister Alice lives in Lyon."}]  # what the memories say of the relative, when shown
    assert C.final_reply("You live in Lyon.", "Where does my sister live?", sister, "alex") == (
        "What I remember: Your sister Alice lives in Lyon.", [])
    chef = [{"memory": "marta's husband Liam is a chef."}]
    assert C.final_reply("Your husband Liam is a chef.", "What's my husband's job?", chef, "marta")[0] == \
        "Your husband Liam is a chef."
    assert C.final_reply("You are a vet.", "What's my job?", vet, "marta")[0] == "You are a vet."


def test_the_users_cat_said_back_as_ours_is_said_to_them():
    # verbatim drafts of the thirty-first session's elsa and marta: the assistant has no cat
    cat = [{"memory": "elsa adopted a cat called Biscotti in November 2026."}]
    assert C.final_reply("Biscotti is our cat.", "What's our cat called?", cat, "elsa")[0] == "Biscotti is your cat."
    dogs = [{"memory": "marta and marta's husband Liam have two dogs, Bran and Fern."}]
    assert C.final_reply("We have two dogs, Bran and Fern.", "What are our dogs called?", dogs, "marta")[0] == \
        "What I remember: You and your husband Liam have two dogs, Bran and Fern."  # as the chat gave it (s31)
    assert C.final_reply("We can talk about your dogs.", "What are our dogs called?", dogs, "marta")[0] == \
        "We can talk about your dogs."  # no memory restated: the assistant's own "we"


def test_news_answered_with_the_partners_job_as_the_users_is_said_back():
    # the thirty-second session's ilse, verbatim draft
    draft = ("You know, firefighters are like superheroes who help people in need. Saffie is a cat, and you're a "
             "firefighter. It's like when you're playing with your toys and your friend asks you to help you with "
             "something.")
    message = "My partner Joris is a firefighter and we have a cat called Saffie."
    assert C.final_reply(draft, message, [], "ilse") == (
        "Got it: your partner Joris is a firefighter and you have a cat called Saffie.", [])
    assert C.final_reply("You're a firefighter too?", "Is Joris a firefighter?", [], "ilse")[0] != \
        "Got it: is Joris a firefighter?"  # a question is not news said back


def test_a_refusal_about_a_relative_no_memory_shown_names_stands():
    # thirty-eighth session's malik: "What's my sister's name?" (never told), the brother's memory recalled
    brother = [{"text": "malik's brother Idris plays bass in a jazz band."}]
    draft = "I'm sorry, but I don't have any information about your sister's name."
    assert not C.refuses_what_it_was_shown(draft, brother, "What's my sister's name?")
    assert C.final_reply(draft, "What's my sister's name?", brother, "malik", today="2026-12-05") == (draft, [])
    # the brother asked about: his memory was shown, so the refusal gives way to it
    assert C.refuses_what_it_was_shown(draft, brother, "What's my brother's name?")
    assert C.final_reply(draft, "What's my brother's name?", brother, "malik", today="2026-12-05")[0] == \
        "What I remember: Your brother Idris plays bass in a jazz band."


def test_a_question_of_the_users_own_answered_with_a_relatives_memory_gives_way():
    """The thirty-ninth session's kwame, verbatim: "What's my job?" with only his wife's job recalled."""
    wife = {"memory": "kwame's wife Abena works as a pharmacist."}
    for draft in ("I am a pharmacist.", "You work as a pharmacist."):
        assert C.final_reply(draft, "What's my job?", [wife], "kwame")[0] == C.UNGROUNDED_REPLY
    job = {"memory": "kwame is an electrician."}
    assert C.final_reply("You are a pharmacist.", "What's my job?", [wife, job], "kwame")[0] == \
        "What I remember: You are an electrician."
    # his own memory said, the relative's said as hers, or the relative asked about: kept
    assert C.final_reply("You work as an electrician.", "What's my job?", [wife, job], "kwame")[0] == \
        "You work as an electrician."
    told = "Your wife Abena works as a pharmacist."
    assert C.final_reply(told, "What's my wife's job?", [wife], "kwame")[0] == told
    assert C.final_reply(told, "What's my job?", [wife], "kwame")[0] == told


def test_kwames_first_chat_statements_are_answered_about_what_he_said():
    """The fortieth session's kwame, verbatim: his own line said as the assistant's, and a statement about his wife
    answered with his one-word job memory."""
    assert C.final_reply("Hello Kwame, I'm an electrician. How are you?", "I'm Kwame, I'm an electrician.", [],
                         "kwame")[0] == "You're an electrician."
    job = [{"memory": "kwame is an electrician."}]
    assert C.final_reply("You are an electrician.", "My wife Abena works as a pharmacist.", job, "kwame")[0] == \
        "Got it: your wife Abena works as a pharmacist."
    # the assistant's own words stay its own; a reply about what was told stays
    assert C.final_reply("I'm sorry to hear that.", "I'm tired.", [], "kwame")[0] == "I'm sorry to hear that."
    assert C.final_reply("That's a great job!", "My wife Abena works as a pharmacist.", job, "kwame")[0] == \
        "That's a great job!"


def test_asked_about_themselves_one_word_of_a_memory_said_as_the_user_is_said_to_them():
    """The fortieth session's leila, verbatim: "What's my job now?" -> "I am a midwife now." (no word asked)."""
    new_job = [{"memory": "leila switched jobs, leila is a midwife now."}]
    assert C.final_reply("I am a midwife now.", "What's my job now?", new_job, "leila")[0] == "You are a midwife now."
    assert C.final_reply("I think a midwife is a lovely job.", "What's my job now?", new_job, "leila")[0] == \
        "I think a midwife is a lovely job."  # the assistant's own view stays its own


def test_the_users_line_said_as_the_assistants_in_other_words_is_said_back():
    """The fortieth session's leila, verbatim: "I'm a nurse, so I don't have a name." to her own introduction."""
    intro = "My name is Leila and I work as a nurse."
    draft = "Hello Leila, nice to see you. How are you? I'm a nurse, so I don't have a name."
    assert C.final_reply(draft, intro, [], "leila")[0] == "Got it: you work as a nurse."
    assert C.final_reply("I'm a big fan of nurses!", "I work as a nurse.", [], "leila")[0] == \
        "I'm a big fan of nurses!"  # not a word the user said of themselves after "I'm a"


def test_the_user_naming_themselves_is_not_said_back_as_you():
    # "your name is you and you work as a nurse" before: the name became "you" with the rest
    assert C.said_back("I am Leila, a nurse from Glasgow.", "leila") == "Got it: you are a nurse from Glasgow."
    assert C.said_back("It's Leila.", "leila") == "Hello leila, good to see you again. How are you?"
    assert C.said_back("I'm a baker.", "leila") == "Got it: you are a baker."  # no name: as before


def test_a_relative_never_told_of_is_not_answered_with_another_relatives_memory():
    from memlora_mlx.ops.reply import UNGROUNDED_REPLY
    from memlora_mlx.ops.reply_checks import final_reply

    husband = [{"text": "priya's husband Tom is a chef.", "date": "2026-12-06"}]
    # the forty-first session's priya, verbatim
    assert final_reply("Your brother's name is Tom.", "What's my brother's name?", husband, "priya",
                       "2026-12-06")[0] == UNGROUNDED_REPLY
    # the same relative told by another word; a refusal in the model's words is a refusal still (malik's, which adds
    # no word, stands: test_a_refusal_about_a_relative_no_memory_shown_names_stands); advice asked for
    assert final_reply("Your partner Tom is a chef.", "What does my partner do?", husband, "priya",
                       "2026-12-06")[0] == "Your partner Tom is a chef."
    said = "You haven't told me about your brother yet."
    assert final_reply(said, "What's my brother's name?", husband, "priya", "2026-12-06")[0] == UNGROUNDED_REPLY
    assert final_reply("Your brother is called Sam.", "What's my brother called?", [], "priya",
                       "2026-12-06")[0] == UNGROUNDED_REPLY
    assert final_reply("Your fiancee Tom is a chef.", "What does my fiancee do?", husband, "priya",
                       "2026-12-06")[0] == "Your fiancee Tom is a chef."
    # a pet told by its breed (the replay's sam)
    comet = [{"text": "sam adopted a rescue greyhound named Comet.", "date": "2026-12-06"}]
    assert final_reply("Your dog's name is Comet.", "What's my dog's name?", comet, "sam",
                       "2026-12-06")[0] == "Your dog's name is Comet."
    gift = "A good book or a nice scarf."
    assert final_reply(gift, "What should I get my brother for his birthday?", husband, "priya",
                       "2026-12-06")[0] == gift


def test_kin_tells_a_group_by_its_members_not_a_member_by_another():
    from memlora_mlx.ops.reply_checks import untold_relative
    from memlora_mlx.ops.reply_person import kin

    assert {"son", "daughter"} <= set(kin("kids")) and "daughter" not in kin("son") and "mum" not in kin("dad")
    assert "husband" in kin("partner") and "puppy" in kin("dog")
    daughter = [{"memory": "ana's daughter Mia is six."}]
    assert untold_relative("What's my son's name?", daughter)  # the daughter does not tell of a son
    assert not untold_relative("How old are my kids?", daughter)


def test_a_question_about_someone_named_is_not_answered_with_anothers_memory():
    # the forty-third session's jonas, verbatim: his own job given to his wife
    shown = [{"memory": "jonas's wife Clara is a dentist."}, {"memory": "jonas teaches maths at a school in Hamburg."}]
    asked = "What does Clara do?"
    assert C.final_reply("Clara teaches maths at a school in Hamburg.", asked, shown, "jonas") == \
        ("What I remember: Your wife Clara is a dentist.", [])
    for right in ("Clara is a dentist.", "Your wife Clara is a dentist.", "Clara is a dentist in Hamburg."):
        assert C.final_reply(right, asked, shown, "jonas") == (right, [])
    shown = [{"memory": "kwame's wife Abena works as a pharmacist."}, {"memory": "kwame is an electrician."}]
    assert C.final_reply("Abena is an electrician.", "What does Abena do?", shown, "kwame")[0] == \
        "What I remember: Your wife Abena works as a pharmacist."
