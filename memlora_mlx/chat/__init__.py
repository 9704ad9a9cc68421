"""The chat, below any UI: `conversation` (`Conversation`, `Reply`: one chat's turns, a reply streamed with the
memories retrieved for the message, then the memory pipeline) and `drive` (`memlora chat --script FILE`).
The Textual app (`tui/`) and the scripted drive use the same `Conversation`."""
