"""Email messages: injection-proof headers, the MIME built once, personalised per reader.

headers.py        header lines that cannot be injected into
template.py       MessageTemplate: the encoded message cut at merge tags; merge.eml read back
wire.py           a message as SMTP's DATA carries it, made beside the message when filled
personalize.py    Mailing: the shared message and each reader's header lines and values
dkim.py           the optional DKIM signature
unsubscribe.py    the unsubscribe links and tokens
"""
