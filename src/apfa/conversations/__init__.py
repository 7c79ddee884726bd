"""Conversations: threads of advice turns, each message read against what the thread
already knows (``advice.followup``), kept in the database between turns."""
