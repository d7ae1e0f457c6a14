"""Polls (意思表示): the office asks an audience a question with 2–10 options, named or
anonymous, and reads the results. `creating` writes, sends, edits and closes a poll;
`answering` records what people tap in LINE; `messages` builds what LINE shows; `results`
counts (one grouped query, through the asking core) and writes the CSV."""
