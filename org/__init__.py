"""People and departments: accounts, roles, sign-in credentials, invitations.

Owns who exists and where they sit in the company. Does not own channels or
membership (``channels`` keeps department channels in step with departments).
"""
