"""The word check: a list of words and phrases an admin keeps, at two levels
(warn, block), matched in what people write as whole words, Japanese
included (match.py), stored and applied to writes (lists.py), with the lists
a company starts from (starting.py)."""
