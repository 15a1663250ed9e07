"""Announcements (お知らせ): published by admins and departments' announcers to
the whole company or to departments, must-read ones pinned on each
recipient's home until confirmed, rates and reminders for their authors,
scheduled publication. ``may_announce`` says who may address whom."""
