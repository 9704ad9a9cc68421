"""A reply that lets the user eat what their memories rule out is replaced by that memory (`ops.reply_diet`)."""

import pytest

from memlora_mlx.ops.reply_checks import final_reply
from memlora_mlx.ops.reply_diet import asks_diet, asks_food_advice, diet_reply, diet_said, free_form, ruled_out


def test_what_a_memory_rules_out():
    assert {"milk", "cheese"} <= ruled_out("dara is lactose intolerant.")
    assert {"milk", "chicken", "salmon", "egg", "honey"} <= ruled_out("kim is vegan.")
    assert {"chicken", "salmon"} <= ruled_out("ines is vegetarian.") and "milk" not in ruled_out("ines is vegetarian.")
    assert {"cashew", "peanut"} <= ruled_out("omar is allergic to nuts.")
    assert ruled_out("omar is allergic to peanuts.") == {"peanut"}
    assert "lamb" in ruled_out("dara doesn't eat lamb.") and "beer" in ruled_out("omar doesn't drink alcohol.")
    assert ruled_out("dara is a physiotherapist in Bristol.") == set()


@pytest.mark.parametrize("draft, message, memory, out", [
    # the thirtieth session's 0.5B drafts, with the memory recalled
    ("I'm lactose intolerant, but I don't eat lamb.", "Can I have milk?", "dara is lactose intolerant.",
     "Better not: you are lactose intolerant."),
    ("You should try the cheese pizza.", "Should I try the cheese pizza?", "kim is vegan.",
     "Better not: you are vegan."),
    ("I'm sorry, but I can't assist with that.", "Can I eat peanut butter?", "omar is allergic to peanuts.",
     "Better not: you are allergic to peanuts."),
    ("Sure!", "Should I order a beer?", "omar doesn't drink alcohol.", "Better not: you don't drink alcohol."),
    # the thirty-seventh session's ines: a food asked for ("Would you make me …?") that the user can't stand
    ("Sure, I'd be happy to make you a coffee. What's your favorite coffee flavor?", "Would you make me a coffee?",
     "ines can't stand coffee.", "Better not: you can't stand coffee."),
    # the draft says no, or nothing rules the food out, or it is no question of eating: the draft stands
    ("You should not get the lamb kebab.", "Should I get the lamb kebab?", "dara doesn't eat lamb.", None),
    ("No, you're vegan.", "Can I have a glass of milk?", "kim is vegan.", None),
    ("You should get the lentil soup.", "Should I get the lentil soup?", "kim is vegan.", None),
    ("You are vegan.", "What's my diet?", "kim is vegan.", None),
    ("Sure!", "Can I have milk?", "kim's sister Mai is vegan.", None),  # someone else's diet
])
def test_a_reply_that_says_yes_to_a_food_a_memory_rules_out_is_replaced(draft, message, memory, out):
    user = memory.split()[0].split("'")[0]
    assert diet_reply(draft, message, [{"memory": memory}], user) == out
    text, _ = final_reply(draft, message, [{"memory": memory}], user, "2026-12-04")
    assert (text == out) if out else not text.startswith("Better not")


def test_a_diet_question_is_told_from_others():
    for q in ("Can I have milk?", "Should I order the chicken curry?", "Is it okay if I eat sushi?",
              "Is it safe for me to eat peanuts?"):
        assert asks_diet(q), q
    assert asks_diet("Should I try the cheese pizza?") and not asks_diet("Should I try the new gym?")
    for q in ("Where do I work?", "Can I have a recipe for bread?", "Can I get some advice on cakes?", "Do I eat meat?",
              "Can I get a taxi to the airport?", "Can you get me a taxi?", "Could you make me a playlist?",
              "What's my favourite food?"):
        assert not asks_diet(q), q
    assert diet_reply("Sure, here is one.", "Can I have a recipe for bread?", ["jo can't eat gluten."], "jo") is None


def test_what_one_cuts_down_on_or_gave_up_is_ruled_out_too():
    # the thirtieth session's last drive: "yuki is trying to cut down on sugar." and the chocolate cake
    assert {"chocolate", "cake"} <= ruled_out("yuki is trying to cut down on sugar.")
    assert ruled_out("amara gave up caffeine last month.") >= {"coffee", "espresso"}
    assert "month" not in ruled_out("amara gave up caffeine last month.")
    # "coffees" meets "coffee" (content_words once stemmed it to "coffe", and a coffee was not ruled out)
    assert ruled_out("jo can't have more than two coffees a day.") == {"coffee"}
    assert diet_reply("Sure, enjoy!", "Can I have another coffee?", ["jo can't have more than two coffees a day."],
                      "jo") == "Better not: you can't have more than two coffees a day."
    assert {"peanut", "shellfish", "prawn"} <= ruled_out("omar is allergic to peanuts and shellfish.")
    sugar = ["yuki is trying to cut down on sugar."]
    assert diet_reply("Yes, enjoy!", "Should I have a slice of chocolate cake?", sugar, "yuki") == \
        "Better not: you are trying to cut down on sugar."


def test_advice_on_what_to_eat_is_checked_against_the_diet():
    # the thirtieth session's own chat, verbatim
    draft = "You should cook a hearty stew of vegetables, chicken, and a side of grilled meat."
    vegan = [{"memory": "sandy is vegan."}]
    assert asks_food_advice("what should I cook tonight?") and asks_food_advice("Any dinner ideas?")
    assert not asks_food_advice("What should I wear tonight?")
    assert diet_reply(draft, "what should I cook tonight?", vegan, "sandy") == \
        "Something without chicken or meat, since you are vegan."
    assert diet_reply("A lentil curry with rice.", "what should I cook tonight?", vegan, "sandy") is None
    sister = [{"memory": "sandy's sister Mai is vegan."}]
    assert diet_reply(draft, "what should I cook tonight?", sister, "sandy") is None


def test_a_food_asked_for_by_name_is_checked_against_the_diet():
    # the thirty-ninth session's kwame, verbatim (Parmesan to a vegan)
    asked = "Can you recommend a cheese to try?"
    draft = "Sure, I can recommend a cheese called Parmesan. It's a classic and has a mild, slightly sweet flavor."
    vegan = [{"memory": "kwame is vegan."}]
    assert asks_food_advice(asked) and not asks_food_advice("Can you recommend a good book?")
    # Parmesan by name (forty-second session); the cheese asked for, in the form the diet allows (forty-third)
    assert diet_reply(draft, asked, vegan, "kwame") == "Try a vegan cheese, since you are vegan."
    assert diet_said(asked, vegan, "kwame") == "I am vegan."
    assert diet_reply("Try a cashew-based vegan cheese.", asked, vegan, "kwame") is None  # not the cheese ruled out
    # free only of what it says: a vegan cake still holds gluten, almond milk still an almond
    assert diet_reply("Try a vegan cake.", "Can you recommend a cake?", [{"memory": "kwame can't eat gluten."}],
                      "kwame") == "Try a gluten-free cake, since you can't eat gluten."
    assert diet_reply("Try a vegan cake.", "Can you recommend a gluten-free cake?",
                      [{"memory": "kwame can't eat gluten."}],
                      "kwame") == "Something without cake, since you can't eat gluten."
    assert diet_reply("Try a cheese pizza.", "Can you recommend a cheese?", [{"memory": "kwame's sister is vegan."}],
                      "kwame") is None  # not the user's diet
    assert free_form("Can you recommend a cheese?", "kwame is allergic to peanuts.") is None  # no form: not that diet
    assert diet_reply("Try almond milk.", "Can you recommend a milk?", [{"memory": "kwame is allergic to almonds."}],
                      "kwame") == "Something without almond, since you are allergic to almonds."


def test_pork_and_beef_rule_out_what_is_made_of_them():
    # the thirty-first session's hana drive: "Sure, you can have a bacon sandwich." with the memory shown
    pork = ["hana doesn't eat pork."]
    assert diet_reply("Sure, I can have a bacon sandwich.", "Can I have a bacon sandwich?", pork, "hana") == \
        "Better not: you don't eat pork."
    assert diet_reply("Sure!", "Can I have a burger?", ["raj doesn't eat beef."], "raj") == \
        "Better not: you don't eat beef."
    assert diet_reply("Sure!", "Can I have a chicken sandwich?", pork, "hana") is None


def test_a_list_made_of_the_prompts_memory_lines_is_asked_again_without_them(tmp_path, embedder):
    """The thirty-third session's marit: "Could you suggest a quick dinner?" got "Sure, here's a quick dinner for
    you:" and the vegetarian memory as the prompt shows it; the chat asks once more, for one thing, without the
    memories, and the diet check still holds the new draft to them."""
    from memlora_mlx.chat.conversation import Conversation
    from memlora_mlx.memory import Memory
    from memlora_mlx.ops import reply_checks as C
    from support.scripted_engine import ChatScriptedEngine

    class Copier(ChatScriptedEngine):  # as the 0.5B did with the memories shown; a meal without them
        def generate(self, messages, *, adapter=None, **kw):
            if adapter != "reply":
                return super().generate(messages, adapter=adapter, **kw)
            shown = "[What you remember about me" in messages[-1]["content"]
            if shown:
                return "Sure, here's a quick dinner for you:\n\n- 5 December 2026: You are vegetarian."
            asked = C.ASK_AGAIN in messages[-1]["content"]
            if asked and "I am vegetarian." in messages[-1]["content"] and "lunch" not in messages[-1]["content"]:
                return "How about a chickpea curry with rice?"  # for lunch it names chicken all the same
            return "How about a chicken stir-fry with rice?" if asked else "Sure, I can suggest a quick dinner."

    with Memory(engine=Copier(), store=tmp_path / "store", embedder=embedder) as memory:
        memory.add("marit is vegetarian.", user_id="marit", infer=False, session_date="2026-12-05")  # the line copied
        conv = Conversation(memory, "marit", today=lambda: "2026-12-05")
        reply = conv.turn("Could you suggest a quick dinner?")
        "".join(reply)
        assert [h["memory"] for h in reply.memories] == ["marit is vegetarian."]
        assert reply.text == "How about a chickpea curry with rice?"
        reply = conv.turn("Could you suggest a quick lunch?")
        "".join(reply)
        assert reply.text == "Something without chicken, since you are vegetarian."
    assert diet_said("What should I cook tonight?", ["marit is vegetarian.", "marit's son Leo is vegan.",
                                                     "marit doesn't eat pork."], "marit") == \
        "I am vegetarian. I don't eat pork."
    assert diet_said("Where do I work?", ["marit is vegetarian."], "marit") == ""
    mems = [{"memory": "marit is vegetarian.", "date": "2026-12-05"}]
    copied = "Sure, here's a quick dinner for you:\n\n- 5 December 2026: You are vegetarian."
    assert C.memory_lines(copied, mems, "marit") == ["- 5 December 2026: You are vegetarian."]
    assert C.without_memory_lines(copied, mems, "marit") == ""
    assert C.final_reply(copied, "Could you suggest a quick dinner?", mems, "marit")[0] == C.NO_ANSWER
    kept = "Try a lentil curry.\n- You are vegetarian, so no meat."  # a list of its own: kept
    assert C.without_memory_lines(kept, mems, "marit") == kept



def test_the_items_of_a_list_that_fit_the_diet_are_kept():
    # the fortieth session's ravi, verbatim (cut at the reply's token limit)
    draft = ("Sure, here are some dinner ideas for tonight:\n"
             "1. **Fried Chicken with Grilled Vegetables**: Serve with a side of roasted vegetables like carrots and "
             "bell peppers.\n2. **Vegetarian Stir-Fry**: Serve with a side of grilled vegetables like bell peppers and "
             "carrots.\n3. **Grilled Salmon with Vegetables**: Serve with a side of grilled vegetables like")
    assert diet_reply(draft, "Any dinner ideas for tonight?", [{"memory": "ravi is vegetarian."}], "ravi") == \
        "Since you are vegetarian: Vegetarian Stir-Fry: Serve with a side of grilled vegetables like bell peppers " \
        "and carrots."


def test_a_food_disliked_is_recalled_and_kept_out_of_food_advice(tmp_path, embedder):
    # the forty-first session's priya: "priya really hates mushrooms." was not recalled for the pasta dish
    from memlora_mlx.chat.conversation import Conversation
    from memlora_mlx.memory import Memory
    from memlora_mlx.ops.reply_diet import says_diet
    from support.scripted_engine import ChatScriptedEngine

    assert says_diet("priya really hates mushrooms.") and says_diet("ines can't stand coffee.")
    assert not says_diet("priya hates traffic.") and not says_diet("priya doesn't like Mondays.")
    with Memory(engine=ChatScriptedEngine(), store=tmp_path / "store", embedder=embedder) as memory:
        for fact in ("priya teaches chemistry at a high school in Leeds.", "priya's husband Tom is a chef.",
                     "priya's son Arjun is eight.", "priya has a cat called Biscuit.", "priya really hates mushrooms.",
                     "priya spent a week in Cornwall in August.", "priya just started learning Spanish.",
                     "priya's mum's birthday is on the 14th of January."):
            memory.add(fact, user_id="priya", infer=False, session_date="2026-12-06")
        conv = Conversation(memory, "priya", today=lambda: "2026-12-06")
        recalled = [h["memory"] for h in conv.recall("Can you suggest a pasta dish for dinner?")]
    assert "priya really hates mushrooms." in recalled
    shown = [{"memory": "priya really hates mushrooms."}]
    assert diet_reply("How about a creamy mushroom tagliatelle?", "Can you suggest a pasta dish for dinner?", shown,
                      "priya") == "Something without mushroom, since you really hate mushrooms."
    assert diet_reply("How about spaghetti with tomato sauce?", "Can you suggest a pasta dish for dinner?", shown,
                      "priya") is None


def test_food_advice_the_diet_rules_out_whole_names_each_food_once():
    # the forty-first session's priya, her draft cut: a mushroom risotto to someone who hates mushrooms
    risotto = ("Sure, here's a pasta dish for dinner that you might enjoy:\n\n- **Mushroom Risotto**: This classic "
               "dish is perfect for those who love mushrooms.")
    shown = [{"memory": "priya really hates mushrooms."}]
    assert diet_reply(risotto, "Can you suggest a pasta dish for dinner?", shown, "priya") == \
        "Something without mushroom, since you really hate mushrooms."  # not "mushroom or mushrooms"


def test_food_advice_the_diet_rules_out_whole_is_asked_for_again_with_those_foods_barred(tmp_path, embedder):
    # the forty-first session's priya got "Something without mushroom, …" in place of a dish
    from memlora_mlx.chat.conversation import Conversation
    from memlora_mlx.memory import Memory
    from memlora_mlx.ops.reply_diet import unfit_advice
    from support.scripted_engine import ChatScriptedEngine

    risotto = ("Sure, here's a pasta dish for dinner that you might enjoy:\n\n- **Mushroom Risotto**: This classic "
               "dish is perfect for those who love mushrooms.")
    asked, shown = "Can you suggest a pasta dish for dinner?", [{"memory": "priya really hates mushrooms."}]
    assert {"mushroom", "mushrooms"} <= unfit_advice(risotto, asked, shown, "priya")  # " mushrooms" is one token
    assert unfit_advice(risotto + "\n- **Pesto Linguine**: Fresh basil and pine nuts.", asked, shown, "priya") == set()
    assert unfit_advice("How about spaghetti with tomato sauce?", asked, shown, "priya") == set()
    assert unfit_advice(risotto, "Do you like mushrooms?", shown, "priya") == set()  # not food advice
    assert unfit_advice(risotto, asked, [{"memory": "priya's sister Anu hates mushrooms."}], "priya") == set()
    bars = []

    class Risotto(ChatScriptedEngine):
        def generate(self, messages, *, adapter=None, barred=None, **kw):
            if adapter != "reply":
                return super().generate(messages, adapter=adapter, **kw)
            bars.append(set(barred or ()))
            return "How about spaghetti with garlic, lemon and courgette?" if "mushroom" in bars[-1] else risotto

    with Memory(engine=Risotto(), store=tmp_path / "store", embedder=embedder) as memory:
        memory.add("priya really hates mushrooms.", user_id="priya", infer=False, session_date="2026-12-06")
        conv = Conversation(memory, "priya", today=lambda: "2026-12-06")
        reply = conv.turn(asked)
        "".join(reply)
    assert reply.text == "How about spaghetti with garlic, lemon and courgette?"
    assert bars[0] == set() and "mushroom" in bars[1]  # the draft free, the second ask with the diet's foods barred


def test_pasta_by_its_name_is_ruled_out_for_gluten():
    # the forty-second session's tomas, coeliac, asked again with "pasta" barred: "… spaghetti and tomato sauce."
    from memlora_mlx.ops.reply_diet import unfit_advice

    shown, asked = [{"memory": "tomas can't eat gluten."}], "What can I cook for dinner tonight?"
    draft = "You can cook for dinner tonight with a simple dish like spaghetti and tomato sauce."
    assert diet_reply(draft, asked, shown, "tomas") == "Something without spaghetti, since you can't eat gluten."
    assert {"spaghetti", "pasta", "lasagne", "gnocchi"} <= unfit_advice(draft, asked, shown, "tomas")
    # the food asked for is not barred (kwame, vegan, got a recipe for "chesse" with "cheese" barred)
    vegan = [{"memory": "kwame is vegan."}]
    cheese = unfit_advice("Try Parmesan.", "Can you recommend a cheese to try?", vegan, "kwame")
    assert {"parmesan", "milk"} <= cheese and not {"cheese", "cheeses"} & cheese
    assert diet_reply("How about a risotto with peas and lemon?", asked, shown, "tomas") is None


def test_cheeses_by_name_are_dairy():
    # the forty-second session's kwame (vegan), asked again with "cheese" barred: a "cheesy" pizza with mozzarella
    draft = "Sure, here's a simple recipe for a vegan cheesy pizza:\n\nIngredients:\n- 1/4 cup shredded mozzarella"
    shown, asked = [{"memory": "kwame is vegan."}], "Can you recommend a cheese to try?"
    assert diet_reply(draft, "What can I cook tonight?", shown, "kwame") == \
        "Something without mozzarella, since you are vegan."
    assert diet_reply(draft, asked, shown, "kwame") == "Try a vegan cheese, since you are vegan."  # the one asked for
    assert {"parmesan", "cheddar", "feta"} <= ruled_out("kwame is vegan.")


def test_seafood_is_ruled_out_for_a_shellfish_allergy():
    # the forty-second session's mei, verbatim draft
    shown, asked = [{"memory": "mei is allergic to shellfish."}], "What should I order at a seafood restaurant?"
    assert diet_reply("You should order a seafood sandwich.", asked, shown, "mei") == \
        "Something without seafood, since you are allergic to shellfish."
    assert diet_reply("Try the grilled sea bass with lemon.", asked, shown, "mei") is None


def test_dessert_ideas_are_food_advice():
    # the forty-third session's sofia, lactose intolerant: "Any dessert ideas for tonight?" recalled no diet memory
    # and the draft's "Banana ice cream" stood
    assert asks_food_advice("Any dessert ideas for tonight?") and asks_food_advice("Can you recommend a dessert?")
    draft = "Sure, here are some dessert ideas for tonight:\n\n1. Chocolate chip cookies\n2. Banana ice cream"
    shown = [{"memory": "sofia is lactose intolerant."}]
    assert diet_reply(draft, "Any dessert ideas for tonight?", shown, "sofia") == \
        "Something without ice-cream, since you are lactose intolerant."
    assert not asks_food_advice("Any ideas for a birthday present?")
    assert not asks_food_advice("Can you recommend a way to treat a cold?")
    vegetarian = [{"memory": "sofia is vegetarian."}]
    assert free_form("Can you recommend a burger?", "sofia is vegetarian.") == "a vegetarian burger"
    assert free_form("Can you recommend a salmon dish?", "sofia is vegetarian.") is None  # not "a vegetarian salmon"
    assert diet_reply("Try a grilled salmon.", "Can you recommend a salmon dish?", vegetarian, "sofia") == \
        "Something without salmon, since you are vegetarian."
