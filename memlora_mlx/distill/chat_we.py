"""Chat messages said with "we" (templates for `chat_source.short_examples(we=True | partner=True)`): the user is
in the "we", so the news is the user's, and a partner is named only when the message names one."""

# News said with "we", "our" or "my wife and I" (thirty-first session): x10 gave no fact for "We just got back from a
# week in Lisbon." and gave "we have a dog" to the husband. The user is in the "we": the fact is theirs, and names the
# partner only when the message does. Values are kept apart from the probe's (`--we`), which is held out.
WE = [
    ("We just got back from {city}.", ["{U} just got back from {city}."]),
    ("We just got back from two weeks in {city}!", ["{U} just got back from two weeks in {city}."]),
    ("We're moving to {city} in {month}.", ["{U} is moving to {city} in {month}."]),
    ("Next month we move to {city}.", ["{U} is moving to {city} in {next_month}."]),
    ("We've got a {pet} named {p1}.", ["{U} has a {pet} named {p1}."]),
    ("We've got two {pets}, {p1} and {p2}.", ["{U} has two {pets}, {p1} and {p2}."]),
    ("Our {pet} is called {p1}.", ["{U}'s {pet} is called {p1}."]),
    ("Our {kid} {name} starts school in {month}.", ["{U}'s {kid} {name} starts school in {month}."]),
    ("Our {kid} is learning {skill}.", ["{U}'s {kid} is learning {skill}."]),
    ("My {partner} and I just bought a house in {city}.", ["{U} and {U}'s {partner} just bought a house in {city}."]),
    ("My {partner} and I go {hobby} every {day}.", ["{U} and {U}'s {partner} go {hobby} every {day}."]),
    ("Me and my {partner} are going to {city} in {month}.",
     ["{U} and {U}'s {partner} are going to {city} in {month}."]),
    ("We got engaged in {month}!", ["{U} got engaged in {month}."]),
    ("We're expecting a baby in {month}.", ["{U} is expecting a baby in {month}."]),
    ("We go {hobby} every {day}.", ["{U} goes {hobby} every {day}."]),
    ("We're building a treehouse in the garden.", ["{U} is building a treehouse in the garden."]),
]
WE_QUIET = [
    "Where did we stop?", "Shall we carry on?", "We can talk later.", "Can we go back to my question?",
    "Let's see what we can do.", "Should we make pasta or rice tonight?", "We'll talk tomorrow.", "Are we done?",
    "We had such a {weather} day.", "Could we try that again?",
]
# A named partner and news with "we" in one message (thirty-second session): x11 stored "My husband Omar is a nurse and
# we have a dog called Pepper." as the husband's dog. Two facts: the partner's, and the news as the user's.
PARTNER_WE = [
    ("My {partner} {name} is a {job} and we have a {pet} called {p1}.",
     ["{U}'s {partner} {name} is a {job}.", "{U} has a {pet} called {p1}."]),
    ("My {partner} {name} works as a {job}, and we live in {city}.",
     ["{U}'s {partner} {name} works as a {job}.", "{U} lives in {city}."]),
    ("My {partner} {name} is a {job}; we just moved to {city}.",
     ["{U}'s {partner} {name} is a {job}.", "{U} just moved to {city}."]),
    ("We have two {pets} and my {partner} {name} is a {job}.",
     ["{U} has two {pets}.", "{U}'s {partner} {name} is a {job}."]),
    ("My {partner} {name} loves {hobby}, so we go every {day}.",
     ["{U}'s {partner} {name} loves {hobby}.", "{U} goes {hobby} with {name} every {day}."]),
    ("My {partner} {name} is from {city} and we met in {month}.",
     ["{U}'s {partner} {name} is from {city}.", "{U} met {name} in {month}."]),
    ("Our {kid} {name} is learning {skill}, and my {partner} is a {job}.",
     ["{U}'s {kid} {name} is learning {skill}.", "{U}'s {partner} is a {job}."]),
    ("My {partner} {name} is a {job} and we're moving to {city} in {month}.",
     ["{U}'s {partner} {name} is a {job}.", "{U} is moving to {city} in {month}."]),
]
PARTNERS = ["wife", "husband", "partner", "girlfriend", "boyfriend"]
KIDS = ["son", "daughter"]
