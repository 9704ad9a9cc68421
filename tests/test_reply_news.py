"""A reply to the user's news that holds forth on what it named is replaced by the news said back
(`reply_checks.holds_forth`)."""

import pytest

from memlora_mlx.ops import reply_checks as C
from memlora_mlx.ops import reply_news as N


def test_news_answered_with_a_claim_about_what_it_named_is_said_back():
    ferret, bees = "I have a ferret called Pickle.", "My partner Ilse and I keep bees on our allotment."
    assert C.final_reply("Pickle is a small, furry animal that lives in the wild.", ferret, [], "meera") == (
        "Got it: you have a ferret called Pickle.", [])  # the twenty-second session's drive
    assert C.final_reply("You're right, bees are a great source of food for both partners.", bees, [], "oksana") == (
        "Got it: your partner Ilse and you keep bees on your allotment.", [])  # the twenty-third's
    for kept, message in (("That sounds lovely!", ferret),  # about nothing it named
                          ("Anand lives in Glasgow.", "My brother Anand lives in Glasgow."),  # adds nothing
                          ("Oksana is a beautiful name.", "Hi there, I'm Oksana."),  # the user's own name
                          ("Your ferret sounds sweet.", ferret),  # speaks to the user
                          ("Bees eat nectar and pollen.", "What do bees eat?"),  # a question
                          ("Bees are amazing.", "Bees are amazing."),  # not the user's news
                          ("Rock climbing is fun.", "I go rock climbing every Saturday.")):  # a remark, not a claim
        assert not C.holds_forth(kept, message, "oksana"), kept


def test_a_lecture_with_a_you_in_passing_holds_forth():
    # the twenty-ninth session's dara, verbatim: the "you" is in the lecture's third sentence
    draft = ("Lactose intolerance is a common condition that affects people who consume dairy products. It can lead to "
             "a variety of symptoms, including diarrhea, vomiting, and abdominal pain. To help you understand, I can "
             "tell you that.")
    assert C.final_reply(draft, "I'm lactose intolerant.", [], "dara") == ("Got it: you are lactose intolerant.", [])
    for kept in ("Lactose intolerance is common. Do you avoid all dairy?",  # asks the user
                 "Lactose intolerance must be hard for you, it affects many people."):  # speaks to them first
        assert not C.holds_forth(kept, "I'm lactose intolerant.", "dara"), kept


def test_a_claim_naming_someone_nobody_said_holds_forth_even_when_the_reply_asks_the_user():
    book = "My book club meets this Thursday and we're reading Middlemarch."
    draft = ("You're welcome! Middlemarch is a classic novel by William Shakespeare. It's a great way to learn about "
             "the themes of love, loss, and the power of imagination. What do you think about it?")  # drive 15
    assert C.final_reply(draft, book, [], "lena") == (  # the made-up author named since the thirty-seventh session
        "Got it: your book club meets this Thursday and you are reading Middlemarch.", ["William", "Shakespeare"])
    for kept in ("Middlemarch is a long and famous classic novel. What do you think of it so far?",  # no new name
                 "Rock climbing is a great way to stay fit and have fun. Do you go often?"):
        assert not C.holds_forth(kept, book if "Middlemarch" in kept else "I go rock climbing every Saturday.",
                                 "lena"), kept


def test_news_answered_with_not_understanding_it_is_said_back():
    # the twenty-fourth session's drive, verbatim
    message = "I've stopped cycling to work; I take the train now."
    draft = ('I\'m not sure what you mean by "taking the train now." It\'s possible you\'re not aware of the train or '
             "if you're not sure what you're doing.")
    text, _ = C.final_reply(draft, message, [], "priyanka")
    assert text == "Got it: you have stopped cycling to work; you take the train now."
    assert C.misreads("Sorry, I don't understand.", "I moved to Cardiff.")
    assert not C.misreads("I'm not sure what you mean.", "What is a footbridge?")  # a question may be unclear
    assert not C.misreads("Trains are a relaxing way to commute.", message)


def test_news_declined_as_a_request_is_said_back():
    # the twenty-fifth session's drive, verbatim
    message = "My brother Idris is getting married in Marrakesh next June."
    text, _ = C.final_reply("I'm sorry, but I can't assist with that.", message, [], "tariq")
    assert text == "Got it: your brother Idris is getting married in Marrakesh next June."
    for request in ("Please book me a flight to Marrakesh.", "Book me a table for two.", "I want a refund."):
        assert not C.misreads("I'm sorry, but I can't assist with that.", request)


def test_a_statement_answered_with_itself_is_said_back():
    assert C.parrots("It's freezing here today.", "It's freezing here today.")
    assert C.final_reply("It's freezing here today.", "It's freezing here today.", [], "tomasz")[0] == N.SYMPATHY
    assert not C.parrots("It's freezing, stay warm!", "It's freezing here today.")
    assert not C.parrots("What is a sonnet?", "What is a sonnet?")  # a question: `asks_back`'s


def test_the_user_is_not_called_sweetie():
    draft = "You're vegetarian, sweetie. I'm glad you're enjoying your meal."  # thirtieth session, verbatim
    assert C.final_reply(draft, "I'm vegetarian.", [], "ines")[0] == "You're vegetarian."  # the guess: drop_glad_guess
    assert C.drop_endearment("Thanks, dear!") == "Thanks!"
    for kept in ("Dear Omar is your brother.", "You love hiking.", "Honey is sweet.", "You're dear to Ana.",
                 "You're in love.", "Oh dear."):
        assert C.drop_endearment(kept) == kept, kept


def test_a_statement_answered_with_a_made_up_claim_is_said_back_not_refused():
    # thirtieth session: the question's refusal was shown for a statement
    draft = "You're pescatarian, a language spoken in the Mediterranean."
    text, made_up = C.final_reply(draft, "I'm pescatarian.", [], "amara")
    assert (text, made_up) == ("Got it: you are pescatarian.", ["Mediterranean"])


def test_news_answered_with_only_a_question_back_is_said_back():
    news = "We just got back from a week in Lisbon."  # thirtieth session's lin, verbatim
    assert C.final_reply("You're welcome! How about you?", news, [], "lin")[0] == \
        "Got it: you just got back from a week in Lisbon."
    assert not C.says_nothing("How was Lisbon?", news)  # asks about it
    assert not C.says_nothing("How about you?", "Hello!")  # a greeting, no news


def test_a_parroted_remark_on_the_day_gets_a_word_by_its_tone():
    # the thirtieth session's drives, verbatim: the 0.5B said each remark back word for word
    for remark in ("Traffic was awful this morning.", "It's been raining all week here.", "It's freezing here today."):
        assert C.final_reply(remark, remark, [], "pedro") == (N.SYMPATHY, [])
    # the thirty-second session's bram: answered with his job memory, then said back as "Got it: Work was …"
    bram = [{"text": "bram is a bus mechanic in Groningen."}]
    assert C.final_reply("You are a bus mechanic in Groningen.", "Work was exhausting today.", bram, "bram") == (
        N.SYMPATHY, [])
    assert C.final_reply("Such a nice sunset tonight.", "Such a nice sunset tonight.", [], "amara") == (
        N.SHARED_PLEASURE, [])
    # news about the user or someone else, a neutral or a mixed remark: said back, lower case after the colon
    assert C.said_back("Our train was late again.", "gus") == "Got it: your train was late again."
    assert C.said_back("Ingrid plays the cello in an orchestra.", "tomasz") == (
        "Got it: Ingrid plays the cello in an orchestra.")
    assert C.said_back("The market opens at nine.", "lin") == "Got it: the market opens at nine."
    assert C.said_back("It's sunny but freezing.", "lin") == "Got it: it's sunny but freezing."


def test_the_opening_line_said_again_becomes_a_greeting():
    opening = "Hello tomasz, nice to see you. How are you? Tell me about your life, or ask me what you told me before."
    assert C.final_reply(opening, "Hi again!", [], "tomasz") == (
        "Hello tomasz, good to see you again. How are you?", [])
    assert C.final_reply("Hello tomasz, nice to see you. How are you?", "Hi again!", [], "tomasz")[0] == (
        "Hello tomasz, nice to see you. How are you?")  # a greeting of its own is kept


def test_unasked_advice_is_dropped_and_bad_news_gets_no_cheer():
    # the thirtieth session's final runs, verbatim drafts
    caffeine = ("You're welcome! I'm glad you gave up. It's important to remember that caffeine can have negative "
                "effects on your health, especially if you're taking it too much. It's always a good idea to take it "
                "in moderation and to drink it in moderation.")
    assert C.final_reply(caffeine, "I gave up caffeine last month.", [], "amara") == ("I'm glad you gave up.", [])
    peanuts = ("You're right, peanuts are a food that can be very allergic to. It's important to be aware of your "
               "allergies and to take precautions when eating peanuts.")  # nothing left speaks to the user
    assert C.final_reply(peanuts, "I'm allergic to peanuts.", [], "noor") == (
        "Got it: you are allergic to peanuts.", [])
    meeting = ("You're welcome! I'm glad you found the meeting interesting. If you have any other questions, feel free "
               "to ask.")
    assert C.final_reply(meeting, "I'm knackered after that meeting.", [], "amara") == (N.SYMPATHY, [])
    tired = "You're feeling a bit tired, but I'm glad you're feeling better. How about you?"
    assert C.final_reply(tired, "Ugh, I'm so tired today.", [], "ines") == (N.SYMPATHY, [])
    # advice asked for, or a question, keeps it; good news may be cheered
    tips = "It's important to keep a regular bedtime. Try to avoid screens late at night."
    for asked in ("I need some tips for sleeping better.", "I'd like advice on sleeping.", "How do I sleep better?"):
        assert N.drop_advice(tips, asked) == tips, asked
    assert N.drop_advice("Hello! Feel free to ask me anything.", "Hello!") == "Hello!"  # a greeting stays one
    assert not N.wrong_tone("Congratulations, I'm glad for you!", "I just got promoted at work.")
    # a mishap is bad news too (the thirty-eighth session's malik drive, verbatim)
    car = "You're welcome! I'm glad you're feeling better. What's your plan for the week?"
    assert C.final_reply(car, "My car broke down yesterday, so I'm taking the bus this week.", [], "malik") == (
        N.SYMPATHY, [])
    assert N.wrong_tone("That's great! Enjoy the new one.", "My phone got stolen on the train yesterday.")
    # the thirty-ninth session's noor, verbatim: the same sentence twice once "You're right," is cut
    stolen = "You're right, I'm sorry to hear that. I'm sorry to hear that. I'm here to help you. What happened?"
    assert C.final_reply(stolen, "My phone got stolen on the train yesterday, which was awful.", [], "noor") == (
        "I'm sorry to hear that.", [])
    assert C.final_reply("Sorry to hear that, get some rest.", "I'm so tired today.", [], "ines")[0] == (
        "Sorry to hear that, get some rest.")
    # the fortieth session's kwame, verbatim: a plan nobody asked for is advice, and a mishap said back is met with
    # sympathy ("It's a bit annoying to have to cancel a flight." alone neither speaks to him nor keeps to his words)
    flight = ("You're right, it's a bit annoying to have to cancel a flight. It's always good to have a plan and make "
              "sure everything is going smoothly.")
    assert C.final_reply(flight, "My flight to Accra got cancelled this morning, so annoying.", [], "kwame")[0] == \
        N.SORRY
    assert N.drop_advice("It's good to hear from you! How was Lisbon?", "I just got back from Lisbon.") == \
        "It's good to hear from you! How was Lisbon?"


def test_a_remark_answered_with_a_lecture_gets_a_word_of_sympathy():
    # the thirty-first session's omid drive, verbatim
    draft = ("The wifi keeps dropping today. It's a common issue with Wi-Fi networks, especially in hotspots or areas "
             "with high traffic. It's important to check your router settings and ensure that your Wi-Fi is turned on "
             "and that your device is connected to the correct network. If the problem persists, you may need to "
             "contact your internet service provider for assistance.")
    assert C.final_reply(draft, "The wifi keeps dropping today.", [], "omid") == (N.SYMPATHY, [])



def test_news_said_to_be_untold_is_said_back():
    # the thirty-first session's hana drive, verbatim
    draft = "You moved to Bristol, so you have not told me about your wife and I before."
    assert C.final_reply(draft, "My wife and I just moved to Bristol.", [], "hana") == (
        "Got it: your wife and you just moved to Bristol.", [])


def test_a_later_sentence_that_lectures_on_a_thing_the_news_named_is_dropped():
    # the thirty-third session's tomas, verbatim
    draft = "You're right, I can't eat shellfish. Shellfish are not a food that can be eaten by humans."
    assert C.final_reply(draft, "I can't eat shellfish.", [], "tomas") == ("You can't eat shellfish.", [])
    # a remark on it ("It's …"), a person the news named, or one sentence alone: kept
    accordion = "You're learning the accordion since the summer. It's a fun instrument to make music with."
    assert N.drop_lecture(accordion, "I've been learning the accordion since the summer.") == accordion
    ines = "That's great! Ines must be so proud of her progress."
    assert N.drop_lecture(ines, "My girlfriend Ines is running a half marathon in April.") == ines
    assert N.drop_lecture("Shellfish are tasty.", "I can't eat shellfish.") == "Shellfish are tasty."


def test_news_answered_by_greeting_the_user_again_loses_the_greeting():
    # the thirty-second and thirty-third sessions' bram, verbatim
    draft = "Hello bram, I'm a bus mechanic in Groningen. How are you?"
    assert C.final_reply(draft, "I'm a bus mechanic in Groningen.", [], "bram") == (
        "You're a bus mechanic in Groningen.", [])
    # a greeting answered with one, a question, or nothing left but the greeting: kept
    assert N.drop_greeting("Hello bram, how are you?", "Good evening.", "bram") == "Hello bram, how are you?"
    assert N.drop_greeting("Hello bram, you work in Groningen.", "Where do I work?", "bram") == (
        "Hello bram, you work in Groningen.")
    assert N.drop_greeting("Hello bram! How are you?", "I'm back.", "bram") == "Hello bram! How are you?"


def test_a_greeting_said_back_is_a_greeting():
    # the thirty-third session's yusuf, verbatim: the draft declined, the message was said back as news
    assert C.final_reply("I'm sorry, but I can't assist with that.", "Hey, it's Yusuf.", [], "yusuf") == (
        "Hello yusuf, good to see you again. How are you?", [])
    assert C.said_back("Good morning, I'm back!", "lee") == "Hello lee, good to see you again. How are you?"
    assert "adopted a cat" in C.said_back("Hi! I adopted a cat.", "lee")  # news with a greeting: the news



def test_news_answered_with_a_guess_at_what_the_user_enjoys_loses_the_guess():
    # the thirty-third session's marit, verbatim
    draft = "You're vegetarian, sweetie. I'm glad you're enjoying your meal. What's your favorite food?"
    assert C.final_reply(draft, "I'm vegetarian.", [], "marit") == ("You're vegetarian. What's your favorite food?", [])
    # gladness about what the news said, a first sentence, or a question asked: kept
    spanish = "That's a great start. I'm glad you found the Spanish language interesting."
    assert N.drop_glad_guess(spanish, "I started learning Spanish last month.") == spanish
    assert N.drop_glad_guess("I'm glad you're enjoying it!", "I'm vegetarian.") == "I'm glad you're enjoying it!"
    asked = "Try a lentil soup. I'm glad you're enjoying your meals."
    assert N.drop_glad_guess(asked, "What should I cook tonight?") == asked


def test_a_later_sentence_joining_a_word_to_itself_is_dropped():
    draft = "Your son is crazy about volcanoes. It's amazing how they can be so dangerous and dangerous."  # s34 sofie
    message = "My son Mattis turned eight on Saturday and he's crazy about volcanoes."
    assert C.final_reply(draft, message, [], "sofie")[0] == "Your son is crazy about volcanoes."
    for kept in ("You practise again and again. It gets better and better.", "Dangerous and dangerous.",
                 "You love volcanoes. They are big and dangerous."):
        assert N.drop_doubled(kept) == kept, kept


def test_a_made_up_consequence_of_the_news_is_cut():
    draft = "Juno is a border collie, which means it has a border around it."  # thirty-fifth session's lotte
    message = "We have a border collie called Juno."
    assert N.drop_inference(draft, message) == "Juno is a border collie."
    assert C.final_reply(draft, message, [], "lotte")[0] != draft
    kept = "You moved to Leeds, which means a shorter commute for you."
    assert N.drop_inference(kept, "I moved to Leeds, so my commute is shorter now.") == kept  # said in the news
    asked = "Juno is a border collie, which means it herds sheep."
    assert N.drop_inference(asked, "What is a border collie?") == asked


@pytest.mark.parametrize("news, draft, shown", [
    # thirty-seventh session's ines and hana, first chat
    ("My daughter Sofia turns six in March.", "You're correct. Sofia is now six years old.",
     "Got it: your daughter Sofia turns six in March."),
    ("Next month I'm going to Lisbon with my friend Mei.",
     "You're welcome! I'm glad you're excited to meet your friend Mei. What's your plan for the day?",
     "I'm glad you're excited to meet your friend Mei."),
    ("Next month I'm going to Lisbon with my friend Mei.", "That sounds fun! Enjoy Lisbon with Mei.",
     "That sounds fun! Enjoy Lisbon with Mei."),
    ("I'm going to Lisbon with my friend Mei today.", "That sounds fun! What's your plan for the day?",
     "That sounds fun! What's your plan for the day?"),  # today was said: the day is the news's
])
def test_news_of_something_to_come_is_not_had_happening_now(news, draft, shown):
    assert C.final_reply(draft, news, [], "ines", today="2026-12-05") == (shown, [])


def test_how_about_you_is_dropped_after_something_the_user_told():
    # the forty-second session's ravi and tomas, verbatim drafts
    cricket = "You're right, cricket is a very popular sport. How about you?"  # the rest holds forth: said back
    assert C.final_reply(cricket, "I play cricket every Sunday.", [], "ravi")[0] == \
        "Got it: you play cricket every Sunday."
    assert C.final_reply("That sounds lovely! How about you?", "We spent a week in Cornwall in August.", [],
                         "priya")[0] == "That sounds lovely!"
    assert N.drop_turned_back("I'm sorry to hear that. It's normal to have a long night shift. How about you?",
                              "Ugh, I had a really long night shift.") == \
        "I'm sorry to hear that. It's normal to have a long night shift."
    # asked back after a question, it stays; alone, it is left to the other checks
    fine = "I'm doing well, thank you. How about you?"
    assert C.final_reply(fine, "How's your day going?", [], "priya")[0] == fine
    assert N.drop_turned_back("How about you?", "Hello!") == "How about you?"
    assert N.drop_turned_back("Nice! And you?", "I just got back from Rome.") == "Nice!"


def test_good_news_of_the_users_own_gets_congratulations_when_the_draft_gives_way():
    # the forty-second session's mei, verbatim: her draft gave her job instead
    shown = [{"memory": "mei is an architect in Glasgow."}]
    assert C.final_reply("You are an architect in Glasgow.", "I just got promoted at work!", shown, "mei")[0] == \
        N.CONGRATULATIONS
    for news in ("We're expecting a baby in May.", "I passed my driving test!", "I've just graduated."):
        assert N.good_news_reply(news) == N.CONGRATULATIONS, news
    # someone else's news, a question, or a draft that already fits: as before
    assert N.good_news_reply("My brother Wen is getting married next month.") is None
    assert N.good_news_reply("I passed my exam, didn't I?") is None
    for not_news in ("I'm expecting a parcel today.", "I won't make it tonight.", "I've passed out twice today.",
                     "I got into trouble at work."):
        assert N.good_news_reply(not_news) is None, not_news
    assert N.good_news_reply("We won the pub quiz!") == N.CONGRATULATIONS
    assert C.final_reply("Congratulations on your promotion!", "I just got promoted at work!", shown, "mei")[0] == \
        "Congratulations on your promotion!"


def test_an_injury_is_bad_news_and_a_farewell_is_answered_with_one():
    # the forty-third session's sofia, verbatim drafts
    ankle = "I sprained my ankle yesterday, so no running for a while."
    assert C.final_reply("You're welcome! I'm glad you're feeling better. What happened?", ankle, [], "sofia")[0] == \
        N.SYMPATHY
    assert C.said_back(ankle, "sofia") == "Oh no, I'm sorry to hear that."
    bye = "Bye for now!"
    assert C.final_reply("Bye for now!", bye, [], "sofia") == ("Bye for now!", [])  # said back: fine for a goodbye
    assert C.said_back(bye, "sofia") == "Bye for now, talk soon!"  # not "Got it: Bye for now!"
    assert C.said_back("Thanks, talk soon.", "sofia") == "Bye for now, talk soon!"
    assert C.final_reply("It's freezing here today.", "It's freezing here today.", [], "sofia")[0] != \
        "It's freezing here today."  # a statement said back word for word still gives way
