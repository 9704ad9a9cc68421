"""Slash commands typed into the chat box."""

from dataclasses import dataclass

HELP = """\
Every message gets a reply written with the memories recalled for it (listed under the reply);
then the memory pipeline (extract -> update) runs over it in the background. Esc stops a reply.
/remember TEXT   store TEXT as a memory, as written
/forget QUERY    show memories matching QUERY and delete the ones you confirm
/search QUERY    list memories matching QUERY
/export PATH     write your memories (with history) to PATH as JSONL
/ingest PATH     batch-ingest a transcript file or folder (runs in the background)
/image PATH      attach an image (also ctrl+o); the next message asks about it
/help            this list
keys: F2 memory panel · Esc stop reply · ctrl+o attach image · up/down input history · ctrl+q quit"""

# command -> does it need an argument
COMMANDS = {"remember": True, "forget": True, "search": True, "export": True, "ingest": True, "image": True, "help": False}


class CommandError(ValueError):
    pass


@dataclass
class Command:
    name: str
    arg: str


def parse_command(text: str) -> Command:
    """`/name arg...` -> Command; raises CommandError naming what is wrong."""
    head, _, arg = text.strip()[1:].partition(" ")
    name, arg = head.lower(), arg.strip()
    if name not in COMMANDS:
        known = " ".join("/" + c for c in COMMANDS)
        raise CommandError(f"unknown command /{name} (known: {known})")
    if COMMANDS[name] and not arg:
        raise CommandError(f"/{name} needs an argument: {next(l for l in HELP.splitlines() if l.startswith('/' + name))}")
    return Command(name, arg)
