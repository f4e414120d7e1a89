"""Email messages: headers that cannot be injected, the MIME built once, personalised per recipient."""
