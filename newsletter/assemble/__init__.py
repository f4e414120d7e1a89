"""Assemble an issue: choose the lead, rank related headlines, cut Related and More."""
