"""Email messages: injection-proof headers, the MIME built once, personalised per reader."""
