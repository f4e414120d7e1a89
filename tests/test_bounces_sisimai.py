"""Our reading of 629 real bounces (sisimai/set-of-emails) against Sisimai's own labels.

tests/data/bounces/README.md says where the messages come from and how the labels were made.
The floors below are the agreement measured when they were set (docs/audience.md): a change that
reads bounces worse fails here, one that reads them better raises the floor.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from newsletter.bounces.findings import failure_for
from newsletter.bounces.intake import Intake, process_mailbox
from newsletter.bounces.reasons import HARD, bounce_reason
from newsletter.bounces.reports import read_report
from newsletter.bounces.sources import open_mailbox
from newsletter.subscribers.database import open_database

pytest_plugins = ["tests.support.send_fixtures"]

CORPUS = Path(__file__).parent / "data" / "bounces"


def labels() -> dict[str, list[tuple[str, str, str]]]:
    """file → [(address, Sisimai's reason, hard|soft|complaint|none)]."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for line in (CORPUS / "labels.tsv").read_text().splitlines():
        if line.startswith(("#", "file\t")):
            continue
        name, address, reason, kind, _feedback = line.split("\t")
        found.setdefault(name, []).append((address, reason, kind))
    return found


LABELS = labels()


def test_the_corpus_and_its_labels_are_whole():
    """629 messages, each labelled, under 5 MB, with the corpus's licence beside them."""
    files = sorted(p.name for p in CORPUS.glob("*.eml"))
    assert len(files) == 629 and sorted(LABELS) == files
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 5_000_000
    assert "BSD 2-CLAUSE" in (CORPUS / "LICENSE.set-of-emails").read_text().upper()


def agreement() -> Counter[str]:
    """Per (file, address) Sisimai labels: how our reading of the same message compares."""
    counts: Counter[str] = Counter()
    for name, rows in LABELS.items():
        report = read_report((CORPUS / name).read_bytes())
        ours = {f.recipient: f.kind for f in report.failures}
        for address, _reason, kind in rows:
            got = ours.get(address, "")
            if kind == "hard":
                counts["hard"] += 1
                counts["hard_agreed"] += got == "hard"
            elif kind == "soft":
                counts["soft"] += 1
                counts["soft_kept"] += got != "hard"
            elif kind == "complaint":
                counts["complaint"] += 1
                counts["complaint_agreed"] += got == "complaint"
            else:
                counts["none"] += 1
                counts["none_kept"] += got not in ("hard", "complaint")
    return counts


def test_our_reading_agrees_with_sisimai_at_least_as_well_as_measured():
    """Hard bounces read as hard, soft ones never as hard, complaints as complaints."""
    c = agreement()
    print(dict(c))  # the numbers docs/audience.md reports
    assert (c["hard"], c["soft"], c["complaint"], c["none"]) == (189, 413, 24, 42)
    assert c["hard_agreed"] >= 189
    assert c["soft_kept"] >= 409
    assert c["complaint_agreed"] >= 21
    assert c["none_kept"] == c["none"]


@pytest.mark.slow
def test_each_real_bounce_changes_the_list_as_sisimai_would(send_ws, tmp_path):
    """Per message, with its addresses on the list: hard → bounced, soft → active, complaint → unsubscribed."""
    settings = replace(
        send_ws.settings, bounce=replace(send_ws.settings.bounce, trust_address=True)
    )
    conn = open_database(send_ws.database)
    intake = Intake(conn, settings)
    counts: Counter[str] = Counter()
    for name, rows in sorted(LABELS.items()):
        conn.execute("BEGIN IMMEDIATE")
        for table in ("subscribers", "unsubscribes", "soft_bounces", "bounce_reports"):
            conn.execute(f"DELETE FROM {table}")
        for address, _reason, _kind in rows:
            if address:
                intake.store.upsert(address, "", {})
        intake.apply(read_report((CORPUS / name).read_bytes()))
        status = {e.lower(): s for e, s in conn.execute("SELECT email, status FROM subscribers")}
        conn.execute("COMMIT")
        for address, _reason, kind in rows:
            now = status.get(address, "active")
            counts[kind] += 1
            want = {"hard": "bounced", "complaint": "unsubscribed"}.get(kind, "active")
            counts[f"{kind}_agreed"] += now == want
    conn.close()
    print(dict(counts))
    assert counts["hard_agreed"] >= 189
    assert counts["soft_agreed"] >= 409
    assert counts["complaint_agreed"] >= 21
    assert counts["none_agreed"] == counts["none"]


def test_the_formats_the_old_reader_missed_are_processed_from_a_maildir(send_ws, tmp_path):
    """Plain-text recipients, old Sendmail and Exim, Office 365, a broken boundary, SES JSON, ARF without Original-Rcpt-To."""
    named = {
        "lhost-opensmtpd-01.eml": "bounced",
        "lhost-v5sendmail-04.eml": "bounced",
        "lhost-office365-01.eml": "bounced",
        "lhost-amazonses-09.eml": "bounced",
        "lhost-amazonses-11.eml": "unsubscribed",
        "arf-19.eml": "unsubscribed",
    }
    folder = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True)
    expected: dict[str, str] = {}
    for name, status in named.items():
        (folder / "new" / name).write_bytes((CORPUS / name).read_bytes())
        for address, _reason, kind in LABELS[name]:
            if kind in ("hard", "complaint"):
                expected[address] = status
    send_ws.add(*expected)
    settings = replace(
        send_ws.settings, bounce=replace(send_ws.settings.bounce, trust_address=True)
    )
    box = open_mailbox(str(folder))
    summary = process_mailbox(box, settings)
    assert summary.messages == len(named) and summary.unreadable == 0
    with sqlite3.connect(send_ws.database) as conn:
        got = {e: s for e, s in conn.execute("SELECT email, status FROM subscribers")}
    assert got == expected


def test_user_unknown_with_no_status_or_command_is_not_hard_as_sisimai_reads_it():
    """No status and no SMTP command: "User unknown" is soft (Sisimai: filtered) unless it answers RCPT."""
    assert bounce_reason("", "550 unknown user", command="RCPT?") not in HARD
    assert bounce_reason("", "550 unknown user", command="RCPT") == "userunknown"
    assert bounce_reason("5.1.1", "550 unknown user", command="RCPT?") == "userunknown"
    exchange = "The recipient name is not recognized MSEXCH:IMS:NNN:KIJITORA 0 (000C05A6) Unknown"
    assert bounce_reason("", exchange, command="RCPT?") == "userunknown"


def test_au_says_which_of_its_refusals_is_a_filter():
    """Sisimai::Rhost::KDDI: au's "550 <address>: User unknown" is hard, "550 : User unknown" soft."""
    gone = failure_for("neko@ezweb.ne.jp", "5.0.0", "550 <neko@ezweb.ne.jp>: User unknown")
    filtered = failure_for("neko@ezweb.ne.jp", "5.0.0", "550 : User unknown")
    assert gone is not None and (gone.kind, gone.reason) == ("hard", "userunknown")
    assert filtered is not None and (filtered.kind, filtered.reason) == ("soft", "filtered")


def test_godaddys_servers_name_the_reason_with_their_code():
    """Sisimai::Rhost::GoDaddy: a 550 with IB504 from smtp.secureserver.net is too many messages, soft."""
    said = "550 5.1.1 <neko@example.com> - 192.0.2.1 has sent too many messages this hour. IB504"
    elsewhere = failure_for("neko@example.com", "5.1.1", said, rhost="mx.example.net")
    assert elsewhere is not None and elsewhere.kind == "hard"
    godaddy = failure_for("neko@example.com", "5.1.1", said, rhost=" smtp.secureserver.net")
    assert godaddy is not None and (godaddy.kind, godaddy.reason) == ("soft", "toomanyconn")


def test_spectrum_names_the_reason_by_its_aup_number():
    """Sisimai::Rhost::Spectrum: AUP#In-1310 from charter.net is too many connections, soft."""
    said = "550 5.1.0 <bounce@example.org> sender rejected. AUP#In-1310"
    spectrum = failure_for("reader@charter.net", "5.1.0", said)
    assert spectrum is not None and (spectrum.kind, spectrum.reason) == ("soft", "toomanyconn")


def test_a_local_mailers_words_are_a_mailer_error_not_an_unknown_user():
    """Diagnostic-Code: X-Unix (procmail's words) skips the SMTP rules: mailererror, soft, as Sisimai."""
    said = 'procmail: Couldn\'t create "/var/spool/mail/neko" id: r.example.org: No such user'
    local = failure_for("r@example.org", "5.1.1", said, diagnostic_type="x-unix")
    smtp = failure_for("r@example.org", "5.1.1", said, diagnostic_type="smtp")
    assert local is not None and (local.kind, local.reason) == ("soft", "mailererror")
    assert smtp is not None and smtp.kind == "hard"


def test_a_block_without_diagnostic_takes_its_recipients_own_line_of_the_text():
    """A DSN block with no Diagnostic-Code reads the text's line naming that recipient (OpenSMTPD)."""
    raw = (CORPUS / "lhost-opensmtpd-17.eml").read_bytes()
    kinds = {f.recipient: (f.kind, f.reason) for f in read_report(raw).failures}
    assert kinds["userunknown@libsisimai.net"] == ("hard", "userunknown")
    assert kinds["mailboxfull@libsisimai.net"] == ("soft", "mailboxfull")


def test_exims_answer_on_the_line_after_its_introduction_is_the_recipients():
    """Exim's "after MAIL FROM:...:" then "553 ... does not exist E2110": rejected (soft), as Sisimai."""
    raw = (CORPUS / "lhost-exim-51.eml").read_bytes()
    (failure,) = read_report(raw).failures
    assert (failure.kind, failure.reason) == ("soft", "rejected")
    assert "E2110" in failure.diagnostic


def test_powermtas_bounce_category_names_the_reason():
    """Sisimai::Lhost::PowerMTA: X-PowerMTA-BounceCategory bad-mailbox is an unknown user, hard."""
    raw = (CORPUS / "lhost-powermta-02.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("hard", "userunknown")]
    soft = raw.replace(b"BounceCategory: bad-mailbox", b"BounceCategory: quota-issues")
    assert [(f.kind, f.reason) for f in read_report(soft).failures] == [("soft", "mailboxfull")]


def test_a_dsn_saying_nothing_takes_the_reason_its_text_names_in_a_readers_own_sentence():
    """G Suite's 5.0.0 with "because the address couldn't be found" in its text: hard, as Sisimai."""
    raw = (CORPUS / "rhost-gsuite-02.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("hard", "userunknown")]
    vague = raw.replace(b"because the address couldn't be found", b"because of a problem")
    assert all(f.kind == "soft" for f in read_report(vague).failures)


def test_user_unknown_after_data_or_quoted_without_a_code_is_a_filter():
    """After DATA, or "550 <addr>: User unknown" with no status code, Sisimai reads a filter: soft."""
    for name in ("lhost-mfilter-03.eml", "lhost-postfix-07.eml", "lhost-activehunter-02.eml"):
        failures = read_report((CORPUS / name).read_bytes()).failures
        assert failures and all(f.kind == "soft" for f in failures), name
    assert bounce_reason("", "550 no such user", command="DATA") == "filtered"
    assert bounce_reason("5.1.1", "550 no such user", command="DATA") == "userunknown"


def test_each_recipient_of_a_report_listing_them_twice_keeps_its_own_answer():
    """Mail.Ru lists each recipient twice: the next one's "Mailbox Full" is not the last one's."""
    raw = (CORPUS / "lhost-mailru-03.eml").read_bytes()
    kinds = {f.recipient: (f.kind, f.reason) for f in read_report(raw).failures}
    assert kinds["mikeneko@example.jp"] == ("soft", "mailboxfull")
    assert kinds["sabineko@example.jp"] == ("hard", "userunknown")


def test_interscans_unable_to_deliver_is_an_unknown_user_and_mailfoundrys_is_not():
    """Sisimai::Lhost::InterScanMSS: "Unable to deliver message to <addr>" is hard; with a colon, not."""
    said = "Unable to deliver message to < > (and other recipients in the same domain)."
    assert bounce_reason("", said, command="RCPT?", own_words=True) == "userunknown"
    foundry = "Unable to deliver message to: < > Delivery failed for the following reason"
    assert bounce_reason("", foundry, command="RCPT?", own_words=True) not in HARD


def test_facebooks_response_code_names_the_reason():
    """Sisimai::Lhost::Facebook: 550 5.1.1 RCP-P2 is the reader's preferences (filtered), soft."""
    said = "550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes#rcp Refused"
    preferences = failure_for("neko@facebook.com", "5.1.1", said)
    assert preferences is not None and (preferences.kind, preferences.reason) == (
        "soft",
        "filtered",
    )
    gone = failure_for("neko@facebook.com", "5.1.1", said.replace("RCP-P2", "RCP-P1"))
    assert gone is not None and gone.kind == "hard"


def test_a_readers_unknown_user_without_rcpt_is_a_filter_unless_its_own_line_says_so():
    """MailFoundry's "550 <addr> No such user", no status, no RCPT: filtered; IMail's own line: hard."""
    foundry = read_report((CORPUS / "lhost-mailfoundry-01.eml").read_bytes()).failures
    assert [(f.kind, f.reason) for f in foundry] == [("soft", "filtered")]
    imail = read_report((CORPUS / "lhost-imailserver-01.eml").read_bytes()).failures
    assert ("hard", "userunknown") in [(f.kind, f.reason) for f in imail]


def test_amazon_ses_receivings_templates_name_the_reason():
    """Sisimai::Lhost::ReceivingSES: its "550 5.1.1 Mailbox does not exist" is a rule's filter, soft."""
    raw = (CORPUS / "lhost-receivingses-01.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("soft", "filtered")]
    elsewhere = raw.replace(b"inbound-smtp.us-west-2.amazonaws.com", b"mx.example.net")
    assert [f.kind for f in read_report(elsewhere).failures] == ["hard"]


def test_messagelabs_answers_are_read_by_its_own_table():
    """Sisimai::Lhost::MessageLabs: its 5.0.0 "542 <addr> Rejected" is an unknown user, hard."""
    raw = (CORPUS / "rhost-messagelabs-03.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("hard", "userunknown")]


def test_a_japanese_diagnostic_in_iso_2022_jp_is_read():
    """Lotus Domino's ISO-2022-JP "not found in the Domino directory" is an unknown user, hard."""
    raw = (CORPUS / "lhost-domino-02.eml").read_bytes()
    (failure,) = read_report(raw).failures
    assert (failure.kind, failure.reason) == ("hard", "userunknown")
    assert "Domino ディレクトリ" in failure.diagnostic


def test_a_report_whose_boundary_is_not_its_headers_is_read_from_its_text():
    """A multipart/report whose body boundary differs from its header's: its fields are still read."""
    raw = (CORPUS / "rhost-google-02.eml").read_bytes()
    failures = read_report(raw).failures
    assert [(f.recipient, f.kind) for f in failures] == [("neko-nyaan@example.org", "hard")]


def test_a_block_without_an_address_takes_the_one_the_text_lists():
    """sendmail's "Final-Recipient: RFC822; @host": the text's lone `<addr>` line is the recipient."""
    raw = (CORPUS / "lhost-sendmail-15.eml").read_bytes()
    failures = read_report(raw).failures
    assert [(f.recipient, f.kind, f.reason) for f in failures] == [
        ("kijitora@example.org", "hard", "hostunknown")
    ]


def test_exims_failed_recipient_counts_even_when_the_report_is_also_to_it():
    """X-Failed-Recipients names the recipient even when the report's To is the same address."""
    raw = (CORPUS / "lhost-exim-61.eml").read_bytes()
    assert [(f.recipient, f.kind) for f in read_report(raw).failures] == [("xxxx@xxxx.net", "hard")]


def test_la_postes_code_names_the_reason():
    """Sisimai::Rhost::FrancePTT: LPN007_416 from laposte.net is an unknown user, hard."""
    said = "550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416"
    gone = failure_for("neko@laposte.net", "5.5.0", said, command="DATA")
    assert gone is not None and (gone.kind, gone.reason) == ("hard", "userunknown")
    full = failure_for("neko@laposte.net", "5.5.0", said.replace("_416", "_417"))
    assert full is not None and (full.kind, full.reason) == ("soft", "mailboxfull")


def test_a_quoted_local_part_keeps_its_quotes():
    """Final-Recipient "neko....nyaan...."@example.org is that address, quotes and all, as Sisimai."""
    raw = (CORPUS / "lhost-postfix-32.eml").read_bytes()
    recipients = [f.recipient for f in read_report(raw).failures]
    assert recipients == ['"neko....nyaan...."@libsisimai.org']


def test_aols_recipient_blocks_back_to_back_are_each_read():
    """AOL writes two recipient blocks with no blank line between: both recipients are read."""
    raw = (CORPUS / "rhost-aol-03.eml").read_bytes()
    kinds = {f.recipient: f.kind for f in read_report(raw).failures}
    assert kinds == {"sabineko@example.jp": "soft", "mikeneko@example.jp": "hard"}


def test_aols_name_service_error_is_not_accepting_mail():
    """Sisimai::Lhost::Aol: "type=MX: Malformed or unexpected name server reply" is notaccept, hard."""
    raw = (CORPUS / "rhost-aol-06.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("hard", "notaccept")]


def test_aus_sentence_about_a_disabled_account_is_soft():
    """Sisimai::Lhost::EZweb: au's "The user(s) account is disabled." is suspend, soft."""
    raw = (CORPUS / "lhost-ezweb-02.eml").read_bytes()
    assert [(f.kind, f.reason) for f in read_report(raw).failures] == [("soft", "suspend")]
    gone = raw.replace(b"The user(s) account is disabled.", b"")
    assert [f.kind for f in read_report(gone).failures] == ["hard"]


def test_crlf_and_old_mac_line_ends_read_as_unix_ones():
    """Each report read with CRLF or lone-CR line ends gives the same failures as with LF."""
    for path in sorted(CORPUS.glob("*.eml"))[::4]:
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        want = [(f.recipient, f.kind, f.reason) for f in read_report(raw).failures]
        for ends in (b"\r\n", b"\r"):
            failures = read_report(raw.replace(b"\n", ends)).failures
            assert [(f.recipient, f.kind, f.reason) for f in failures] == want, (path.name, ends)


def test_verizons_two_formats_name_their_recipients():
    """Sisimai::Lhost::Verizon: the SMS gateway's "RCPT TO:" and the MMS gateway's "To:" lines."""
    sms = read_report((CORPUS / "lhost-verizon-02.eml").read_bytes()).failures
    assert [(f.recipient, f.kind) for f in sms] == [("may-be-straycat-nyaaaaaan@vtext.com", "hard")]
    mms = read_report((CORPUS / "lhost-verizon-01.eml").read_bytes()).failures
    assert [(f.recipient, f.kind) for f in mms] == [("0000000000@vzwpix.com", "hard")]


def test_a_reply_from_vtext_without_verizons_words_is_not_a_verizon_bounce():
    """A message relayed by vtext.com from someone else is not read as Verizon's bounce."""
    raw = (CORPUS / "lhost-verizon-02.eml").read_bytes()
    other = raw.replace(b"From: post_master@vtext.com", b"From: reader@example.org")
    assert read_report(other).failures == ()


def test_postfixs_in_reply_to_clause_in_its_text_joins_the_diagnostic():
    """Postfix's "(in reply to RCPT TO command)", in its text only, makes "Recipient address
    rejected." an unknown user, as Sisimai's Postfix reader reads the text's line."""
    raw = (CORPUS / "lhost-postfix-46.eml").read_bytes()
    (failure,) = read_report(raw).failures
    assert (failure.kind, failure.reason) == ("hard", "userunknown")
    assert failure.diagnostic.endswith("(in reply to rcpt to command)")
