"""Whether the user may eat or drink something, against what their memories say of their diet.

Thirtieth session (runs/s30): with "dara is lactose intolerant." shown, the bare 0.5B answered "Can I have milk?" with
"You're lactose intolerant, but you can still have milk."; with "kim is vegan." shown, "Should I try the cheese
pizza?" with "You should try the cheese pizza." and "Can I have a glass of milk?" with "Sure, I can have a glass of
milk." A reply that does not say no to a food a memory rules out is replaced by the memory itself ("Better not: you
are lactose intolerant."). What rules out what is a short table of common foods (`FOODS`) and the memory's own words
("dara doesn't eat lamb." rules out the lamb kebab); a food the table does not know is left to the model.
"""

from __future__ import annotations

import re

from .reply import SENTENCE, about_user, memory_text, to_you
from .words import NUMBER_WORDS, content_words

# "Can I have milk?", "Should I order the chicken curry?", "Is it okay for me to eat …": what the user may eat or
# drink (not "Do I eat meat?", a question of fact); "Should I try/get/cook/make …" only with a food the table knows
# ("Can I get a taxi?" is not about food)
DIET_ASKED = re.compile(r"\b(?:can|could|should|may|shall)\s+(?:i|we)\s+(?:have|eat|drink|order)\b"
                        r"|\b(?:okay|ok|safe|fine|alright|allowed)\s+(?:for\s+(?:me|us)\s+)?(?:if\s+(?:i|we)\s+|to\s+)"
                        r"(?:have|eat|drink|order|try)\b", re.I)
_FOOD_VERB_ASKED = re.compile(r"\b(?:can|could|should|may|shall)\s+(?:i|we)\s+(?:try|get|cook|make)\b"
                              r"|\b(?:can|could|would|will)\s+you\s+(?:make|get|bring|pour|order|fix)\s+(?:me|us)\b",
                              re.I)  # "Would you make me a coffee?" (the thirty-seventh session's ines)
DIET_WORDS = content_words("vegetarian vegan pescatarian allergic allergy intolerant intolerance lactose gluten dairy "
                           "diet eat drink meat alcohol sugar caffeine")

_KINDS = {
    # cheeses by name: asked again with "cheese" barred, kwame (vegan) got a "cheesy" pizza with mozzarella
    "dairy": "milk cheese butter cream yoghurt yogurt latte cappuccino milkshake custard cheesecake ice-cream dairy "
             "cheesy mozzarella parmesan cheddar brie feta gouda camembert ricotta mascarpone halloumi paneer gruyere "
             "stilton burrata manchego emmental roquefort gorgonzola",
    "meat": "meat chicken beef pork lamb bacon ham sausage sausages steak kebab burger turkey duck meatballs salami "
            "pepperoni veal venison mutton",
    "fish": "fish salmon tuna prawn prawns shrimp cod sushi seafood crab lobster mussels anchovies sardines",
    "vegan": "egg eggs omelette mayonnaise honey",  # the rest of what a vegan does not eat
    "alcohol": "alcohol beer wine vodka whisky whiskey cocktail gin rum cider champagne prosecco sake tequila "
               "margarita pint lager ale",
    # pasta by its names too: "spaghetti and tomato sauce" to tomas, who can't eat gluten (forty-second session)
    "gluten": "gluten bread pasta pizza cake wheat flour noodles croissant bagel sandwich toast cookies biscuits "
              "couscous pastry spaghetti lasagne lasagna macaroni penne ravioli tagliatelle fettuccine linguine "
              "gnocchi dumplings pancakes waffles muffins crackers barley rye semolina pretzel buns baguette brioche "
              "naan pitta pita ramen udon pie tart beer",
    "nuts": "nut nuts peanut peanuts almond almonds cashew cashews walnut walnuts hazelnut pistachio pecan satay",
    # what one cuts down on ("yuki is trying to cut down on sugar.", thirtieth session)
    "sugar": "sugar sweets candy chocolate cake cakes dessert biscuits cookies ice-cream soda cola doughnut donut "
             "brownie cheesecake",
    "caffeine": "caffeine coffee espresso latte cappuccino americano tea cola",
    # "seafood" too: "You should order a seafood sandwich." to mei, allergic to shellfish (forty-second session)
    "shellfish": "shellfish prawn prawns shrimp crab lobster mussels oysters scallops seafood clams calamari squid",
    # "hana doesn't eat pork." and "Can I have a bacon sandwich?" (thirty-first session's drive: "Sure, you can …")
    "pork": "pork bacon ham sausage sausages salami pepperoni chorizo prosciutto pancetta gammon",
    "beef": "beef steak burger burgers hamburger meatballs mince brisket",
}
FOODS = {kind: content_words(words) for kind, words in _KINDS.items()}
ALL_FOODS = set().union(*FOODS.values())
_KIND_OF = {next(iter(content_words(k))): k for k in _KINDS if k != "vegan"}  # "allergic to nuts": every nut
# what a memory's diet word rules out, and the form of a food asked for by name that it allows ("a vegan cheese")
_RULES = [(re.compile(r"\blactose\b|\bdairy\b", re.I), ("dairy",), ("dairy-free", ("dairy",))),
          (re.compile(r"\bvegan\b", re.I), ("dairy", "meat", "fish", "vegan"), ("vegan", ("dairy", "meat"))),
          (re.compile(r"\bvegetarian\b", re.I), ("meat", "fish"), ("vegetarian", ("meat",))),  # not "a … salmon"
          (re.compile(r"\bpescatarian\b", re.I), ("meat",), None),
          (re.compile(r"\bgluten\b|\bco?eliac\b", re.I), ("gluten",), ("gluten-free", ("gluten",))),
          (re.compile(r"\balcohol\b|\bteetotal\b|\bsober\b|\b(?:doesn't|does not|don't|do not|never) drinks?\s*[.!]?$",
                      re.I), ("alcohol",), None)]
# "allergic to peanuts", "doesn't eat lamb", "can't stand coffee": the words after it
_OBJECT = re.compile(r"\b(?:allergic to|intolerant to|(?:doesn't|does not|don't|do not|can't|cannot|never|won't)\s+"
                     r"(?:eat|drink|have|stand|like)|avoids?|avoiding|hates?|dislikes?|cut(?:s|ting)? (?:down on|out)|"
                     r"(?:gave|gives|giving) up|quit(?:s|ting)?)\s+([^.;!?]+)", re.I)
_OBJECT_END = re.compile(r"\s+(?:last|this|next|since|for|because|but|as|when|after|before|on|at|every|ago)\b.*",
                         re.I)  # "gave up caffeine last month": caffeine
_NOT_FOOD = content_words("more than less much many any too day days week weeks night lot") | set(NUMBER_WORDS)
_SAYS_NO = re.compile(r"^\W*(?:no|nope|better not|i'd (?:say no|skip|avoid))\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|avoid|skip)\b|n't\b", re.I)
_WONT_HELP = re.compile(r"can(?:'|no)t (?:assist|help)", re.I)


_REQUEST_WORDS = re.compile(r"\b(?:recipes?|ideas?|tips?|advice|suggestions?|list|help|hand|word|look)\b", re.I)


def asks_diet(message: str) -> bool:
    """Whether `message` asks whether to eat or drink something (not "Can I have a recipe for bread?")."""
    food = _FOOD_VERB_ASKED.search(message) and content_words(message) & ALL_FOODS
    return bool(DIET_ASKED.search(message) or food) and not _REQUEST_WORDS.search(message)


# "priya really hates mushrooms." was not recalled for "Can you suggest a pasta dish for dinner?" (forty-first
# session): a food one dislikes is part of the diet too. Foods people commonly dislike, besides the table's:
TASTES = content_words("mushrooms olives onions garlic tomatoes coriander cilantro broccoli sprouts aubergine "
                       "eggplant celery beetroot spinach peppers chilli spicy curry liver tofu avocado coconut "
                       "pineapple banana mayonnaise ketchup mustard")
DISLIKE_WORDS = content_words("hate dislike stand")  # what a question about food shares with such a memory


def says_diet(memory: str) -> bool:
    """`memory` says something of a diet ("vegan", "allergic", "doesn't drink"), or a food disliked ("hates
    mushrooms", "can't stand coffee")."""
    return bool(DIET_WORDS & content_words(memory) or ruled_out(memory) & (ALL_FOODS | TASTES))


def ruled_out(memory: str) -> set[str]:
    """The food words (`content_words` forms) `memory` says its subject does not eat or drink."""
    out: set[str] = set()
    for rule, kinds, _ in _RULES:
        if rule.search(memory):
            out |= set().union(*(FOODS[k] for k in kinds))
    for m in _OBJECT.finditer(memory):
        said = content_words(_OBJECT_END.sub("", m.group(1))) - _NOT_FOOD  # "more than two coffees a day": coffee
        out |= said.union(*(FOODS[_KIND_OF[w]] for w in said if w in _KIND_OF))
    return out


def says_no(reply: str, foods: set[str]) -> bool:
    """The reply says no: it opens with one, or a sentence naming one of `foods` is negated."""
    if _WONT_HELP.search(reply):
        return False
    return bool(_SAYS_NO.match(reply)) or any(_NEGATION.search(s) and content_words(s) & foods
                                              for s in SENTENCE.findall(reply))


# "what should I cook tonight?" from a vegan got "You should cook a hearty stew of vegetables, chicken, and a side of
# grilled meat." (thirtieth session): advice on what to eat is checked against the diet too
# "Any dessert ideas for tonight?" from sofia, lactose intolerant, got banana ice cream (forty-third session)
_MEALS = r"(?:dinner|lunch|breakfast|meal|snack|recipe|dish|food|dessert|pudding|bake|baking)s?"  # not "treat": a cold
_ADVICE_ASKED = re.compile(rf"\bwhat\s+(?:should|shall|can|could)\s+(?:i|we)\s+(?:cook|eat|make|have|order|get|bake)\b"
                           rf"|\b{_MEALS}\s+(?:ideas?|suggestions?)\b"
                           rf"|\b(?:suggest|recommend)\b.*\b{_MEALS}\b", re.I)


# "Can you recommend a cheese to try?" got Parmesan, and "kwame is vegan." was not recalled (cosine 0.23; the
# thirty-ninth session's kwame): a food of the table asked for by name is food advice too.
_RECOMMEND = re.compile(r"\b(?:suggest|recommend|recommendations?)\b", re.I)


def asks_food_advice(message: str) -> bool:
    """Whether `message` asks what to eat or cook ("what should I cook tonight?", "Any dinner ideas?", "Can you
    recommend a cheese to try?")."""
    named = _RECOMMEND.search(message) and content_words(message) & ALL_FOODS
    return bool(_ADVICE_ASKED.search(message) or named)


# "a vegan cheese", "dairy-free ice cream", "alcohol-free beer": the food after such a word is not ruled out for the
# kinds it is free of ("a vegan cake" is still a cake to someone who can't eat gluten)
_FREES = {"vegan": ("dairy", "meat", "fish", "vegan"), "plant-based": ("dairy", "meat", "fish", "vegan"),
          "dairy-free": ("dairy",), "lactose-free": ("dairy",), "gluten-free": ("gluten",),
          "alcohol-free": ("alcohol",), "non-alcoholic": ("alcohol",), "decaf": ("caffeine",),
          "meat-free": ("meat", "pork", "beef"), "meatless": ("meat", "pork", "beef"), "nut-free": ("nuts",),
          "sugar-free": ("sugar",)}
_FREE_OF = re.compile(rf"\b({'|'.join(_FREES)})\s+([A-Za-z'-]+)", re.I)


def _not_freed(m: re.Match) -> str:
    freed = set().union(*(FOODS[k] for k in _FREES[m.group(1).lower()]))
    return "" if content_words(m.group(2)) <= freed else m.group(0)


# "1. **Vegetarian Stir-Fry**: Serve with …": a whole item of a list the draft gives
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022])\s+(.+?[.!])\s*$", re.M)


def _named(text: str, out: set[str]) -> list[str]:
    """The words of `text` naming a food of `out`, one per food ("Mushroom Risotto … mushrooms": mushroom)."""
    seen: set[str] = set()
    named = []
    text = re.sub(r"\bice\s+cream", "ice-cream", text, flags=re.I)  # one food: not "without ice or cream"
    for t in re.findall(r"[A-Za-z][A-Za-z'-]*", _FREE_OF.sub(_not_freed, text)):
        if (food := content_words(t) & out) and not food <= seen:
            seen |= food
            named.append(t.lower())
    return named


# A food asked for by name that the diet rules out whole is offered in the form the diet allows: "Can you recommend
# a cheese to try?" from kwame, vegan, had ended as "Something without cheese, since you are vegan." (forty-second
# session)
def free_form(asked: str, memory: str) -> str | None:
    """"a vegan cheese" for "Can you recommend a cheese to try?" and "kwame is vegan.": the food the message names, in
    the form the memory's diet allows (`_RULES`); None when the diet has no such form or the message names none of its
    foods."""
    for rule, _, form in _RULES:
        if form and rule.search(memory) and not _FREE_OF.search(asked):
            foods = set().union(*(FOODS[k] for k in form[1]))
            named = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", asked) if content_words(w) & foods]
            if named:
                return f"a {form[0]} {named[0].lower()}"
    return None


def _advice_reply(draft: str, memories: list, user: str, message: str = "") -> str | None:
    for m in memories:
        text = memory_text(m)
        out = ruled_out(text)
        named = _named(draft, out)
        if named and about_user(text, user):
            said = to_you(text, user)
            since = f"{said[:1].lower()}{said[1:].rstrip('.')}"
            # the items of its list that fit are kept (the fortieth session's ravi, vegetarian, was offered fried
            # chicken, a vegetarian stir-fry and salmon)
            fit = [i.replace("**", "") for i in _ITEM.findall(draft) if not _named(i, out)]
            if fit:
                return f"Since {since}: " + " ".join(fit)
            if form := free_form(message, text):
                return f"Try {form}, since {since}."
            return f"Something without {' or '.join(named)}, since {since}."
    return None


def unfit_advice(draft: str, message: str, memories: list, user: str) -> set[str]:
    """When `draft` answers a request for what to eat with nothing the user's diet allows (a mushroom risotto to priya,
    who hates mushrooms; forty-first session): every food the user's memories shown rule out, for the chat to ask once
    more with their words barred (`Engine.stream(..., barred=…)`); asked again with the diet only said, the 0.5B named
    the same food. Empty when the draft suggests something that fits, or no ruled-out food. Plurals are barred too
    (" mushrooms" is a token of its own); a food the message names is not (kwame, vegan, asked for "a cheese" with
    "cheese" barred, got a recipe for "chesse"; the diet check still holds the new draft to it)."""
    if not asks_food_advice(message):
        return set()
    out = set().union(*(ruled_out(t) for t in map(memory_text, memories) if about_user(t, user)))
    if not _named(draft, out) or any(not _named(i, out) for i in _ITEM.findall(draft)):
        return set()
    barred = out - content_words(message)
    return barred | {w + "s" for w in barred} | {w + "es" for w in barred if w.endswith(("o", "sh", "ch"))}


def diet_reply(draft: str, message: str, memories: list, user: str) -> str | None:
    """The reply in place of `draft` when `message` asks about a food a memory shown rules out and the draft does not
    say no: "Better not: " and that memory said to the user; or asks what to eat and the draft names such a food:
    "Something without chicken or meat, since you are vegan.". None when the draft may stand."""
    if asks_food_advice(message):
        return _advice_reply(draft, memories, user, message)
    if not asks_diet(message):
        return None
    asked = content_words(message)
    for m in memories:
        text = memory_text(m)
        foods = ruled_out(text) & asked
        if foods and about_user(text, user) and not says_no(draft, foods):  # the user's diet, not their sister's
            said = to_you(text, user)
            return f"Better not: {said[:1].lower()}{said[1:]}"
    return None


_YOU = [(re.compile(r"^You are\b"), "I am"), (re.compile(r"^You're\b"), "I'm"), (re.compile(r"^You were\b"), "I was"),
        (re.compile(r"^You\b"), "I"), (re.compile(r"\byour\b", re.I), "my"), (re.compile(r"\byou\b", re.I), "me")]


def diet_said(message: str, memories: list, user: str) -> str:
    """For a message asking what to eat, the user's diet as they would say it ("I am vegetarian."), from the memories
    shown that say one of theirs; "" otherwise. The chat asks once more without the memories when the draft was
    their lines (`chat.Reply`): asked bare, the 0.5B named a chicken salad to marit, who is vegetarian (thirty-third
    session), so the diet goes along in the user's words."""
    if not asks_food_advice(message):
        return ""
    said = []
    for m in memories:
        text = memory_text(m)
        if says_diet(text) and ruled_out(text) and about_user(text, user):
            line = to_you(text, user)
            for pattern, mine in _YOU:  # "^" matches once: "You are …" -> "I am …", then "your" -> "my"
                line = pattern.sub(mine, line)
            said.append(line if line.endswith((".", "!")) else line + ".")
    return " ".join(dict.fromkeys(said))
