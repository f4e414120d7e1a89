"""What `newsletter send` prints: the run's summary, the journal's status, nothing to send."""

from __future__ import annotations

from typing import Any

import typer

from newsletter.cli.progress import rate_text
from newsletter.send.journal import shown_host
from newsletter.send.plan import SendPlan
from newsletter.send.sender import SendSummary
from newsletter.send.status import IssueStatus, hosts_of


def nothing_to_send(plan: SendPlan, shown: str) -> str:
    """The one line when everyone has the issue (and why the unknown ones are not re-sent)."""
    c = plan.status.counts
    unknown = (
        f"; {c.unknown} with an unknown outcome are not re-sent (check with the relay, "
        "then --resend-unknown)"
        if c.unknown
        else ""
    )
    return (
        f"Nothing to send: {c.sent} active subscriber(s) already have issue "
        f"{plan.issue_id}{unknown}. `newsletter send {shown} --status` shows the journal."
    )


def print_summary(summary: SendSummary, shown: str) -> None:
    """The end of a send: the counts, the reasons, what is left and what to do next."""
    echo = typer.echo
    if summary.recovered:
        echo(f"Recorded {summary.recovered} delivery(ies) from the last run's recovery file.")
    if summary.recovered_twice:
        shown_twice = ", ".join(summary.recovered_twice[:5])
        echo(
            f"  {len(summary.recovered_twice)} of them another host mailed again after this "
            f"one lost the database ({shown_twice}): two copies, with one Message-ID."
        )
    for host, n in summary.taken_over:
        echo(
            f"Took over {n} reader(s) held for {shown_host(host)} (--take-over): a message it "
            "had accepted and not recorded when the database went (at most one per connection) "
            "went twice."
        )
    echo(
        f"Issue {summary.issue_id} via {summary.transport}: {summary.sent} sent, "
        f"{summary.failed} failed, {summary.unknown} unknown, {summary.skipped} skipped "
        f"(sent before this run), in {summary.elapsed:.1f} s ({rate_text(summary.rate)})."
    )
    others = others_line(summary, shown)
    if others:
        echo(others)
    _print_details(summary, shown)
    if summary.stopped:
        typer.echo(f"error: {summary.stopped}", err=True)
    if summary.left:
        echo(
            f"Next: {summary.left} not sent yet; run `newsletter send {shown}` again to send "
            "to them (`--status` shows where it stands)."
        )
    elif not summary.unknown_total:
        echo(
            f"Done: every active subscriber has issue {summary.issue_id}. Next: `newsletter "
            "archive` writes its web version (the link in every message) for you to publish."
        )


def summary_counts(summary: SendSummary) -> dict[str, Any]:
    """The counts of `send --log-format json`'s summary event (SendSummary.counts)."""
    return summary.counts()


SHOWN_HOSTS = 3  # other hosts named in the summary's line; `--status` lists them all


def others_line(summary: SendSummary, shown: str) -> str | None:
    """On PostgreSQL, the line naming the other hosts' senders (host and pid as `--status
    --senders` names them) and what they sent of the issue, before or during this run; None
    when no other host sent any.  Without it a run that found the list taken said only "0
    sent, 0 skipped (sent before)", and nothing of who mailed everyone."""
    hosts = [h for h in hosts_of(summary.senders) if h.host != summary.own_host and h.sent]
    if not hosts:
        return None
    named = []
    for host in hosts[:SHOWN_HOSTS]:
        pids = [str(s.pid) for s in host.senders if s.sent]
        pid = f"pid {pids[0]}" if len(pids) == 1 else f"pids {', '.join(pids)}"
        named.append(f"{host.label} {pid} sent {host.sent}")
    if len(hosts) > SHOWN_HOSTS:
        named.append(f"and {len(hosts) - SHOWN_HOSTS} more host(s)")
    total = sum(h.sent for h in hosts)
    return (
        f"  Other senders sent {total} of issue {summary.issue_id}, before or while this run "
        f"ran: {'; '.join(named)}. "
        f"`newsletter send {shown} --status --senders` shows each."
    )


def _print_details(summary: SendSummary, shown: str) -> None:
    echo = typer.echo
    if summary.unknown_total:
        echo(
            f"  {summary.unknown_total} with an unknown outcome: the message went out but the "
            "relay's reply was lost, so they may have it. They are not sent again; check the "
            f"relay's log, then `newsletter send {shown} --resend-unknown` if it did not deliver."
        )
    if summary.bounced:
        echo(f"  {summary.bounced} marked bounced (no such user or domain): later sends skip them.")
    if summary.refused_once:
        echo(
            f"  {summary.refused_once} refused as unknown addresses for the first issue in a "
            "row: failed, not marked bounced (a relay's word alone removes nobody); marked if "
            "the next issue is refused too. `newsletter subscribers show ADDRESS` gives the reply."
        )
    if summary.unbelieved:
        echo(
            f"  {summary.unbelieved} more refused as unknown addresses, more than a list holds: "
            "not marked bounced (failed; the next issue asks again). Check the relay's "
            "configuration and log."
        )
    if summary.retries:
        echo(f"  {summary.retries} retried attempt(s) (4xx replies or dropped connections).")
    if summary.inactive:
        echo(f"  {summary.inactive} unsubscribed or bounced: not mailed.")
    if summary.failures:
        echo("  First failures:")
        for f in summary.failures:
            echo(f"    {f.email}: {f.reason}")
    if len(summary.reasons) > 1 or (summary.reasons and summary.failed > len(summary.failures)):
        echo("  Failure reasons:")
        for reason, n in summary.reasons:
            echo(f"    {n:>6}  {reason}")


def _print_hosts(state: IssueStatus, shown: str, *, each_sender: bool) -> None:
    """On PostgreSQL: each host's share of what was sent and its progress over what it
    claimed; `each_sender`: its senders (worker processes, runs) under it."""
    echo = typer.echo
    hosts = state.hosts
    total = sum(h.sent for h in hosts)
    echo(f"  hosts ({len(hosts)}, {len(state.senders)} senders, on {state.where}):")
    for host in hosts:
        share = f"{host.sent / total:.0%}" if total else "0%"
        progress = f"{host.settled / host.claimed:.0%}" if host.claimed else "100%"
        echo(
            f"    {host.label}  {host.state:<8}  sent {host.sent} ({share} of all sent), "
            f"failed {host.failed}, unknown {host.unknown}; {host.settled} of {host.claimed} "
            f"claimed done ({progress})  {len(host.senders)} sender(s) since {host.started}"
        )
        if not each_sender:
            continue
        for one in host.senders:
            echo(
                f"      pid {one.pid}  {one.state:<8}  sent {one.sent}, failed {one.failed}, "
                f"unknown {one.unknown} of {one.claimed} claimed  (since {one.started})"
            )
    held = [h.label for h in hosts if h.state == "held"]
    if held:
        echo(
            f"  held: {', '.join(held)} was sending when the database restarted or failed "
            f"over, and its readers wait for it: run `newsletter send {shown}` there (it "
            "records its recovery file first), or, if it will never run again, add "
            "`--take-over` on another host"
        )


def print_status(state: IssueStatus, shown: str, *, each_sender: bool = False) -> None:
    """`send --status`: the journal's counts, the unknown and failed ones, what to do next;
    `each_sender`: on PostgreSQL, each sender under its host."""
    from newsletter.errors import display_path

    echo = typer.echo
    c = state.counts
    echo(f'Issue {state.issue_id}: "{state.subject}"')
    if not state.has_database:
        if state.where.startswith("PostgreSQL"):
            echo(f"  no list yet ({state.where} has none): nothing sent")
        else:
            echo(f"  no list yet ({display_path(state.database)} does not exist): nothing sent")
        return
    echo(f"  sent        {c.sent}")
    echo(
        f"  unknown     {c.unknown}  (the reply was lost after the message went out; "
        "not re-sent without --resend-unknown)"
    )
    echo(f"  retrying    {c.retrying}")
    echo(f"  failed      {c.failed}")
    echo(f"  not sent    {c.unsent}  ({max(0, c.unsent - c.failed - c.retrying)} not tried yet)")
    echo(f"  not mailed  {c.inactive}  (unsubscribed or bounced)")
    echo(f"  last activity  {c.last_activity or 'never'}")
    if state.senders:
        _print_hosts(state, shown, each_sender=each_sender)
    if state.recovering:
        echo(
            f"  {state.recovering} accepted message(s) wait in the recovery file "
            "(counted above as sent or unknown); the next send records them first"
        )
    if c.unknowns:
        echo("  unknown outcome (look these Message-IDs up in the relay's log):")
        for email, message_id in c.unknowns:
            echo(f"    {email} {message_id}")
    if c.failures:
        echo("  failures:")
        for f in c.failures:
            echo(f"    {f.email} ({f.attempts} attempt(s)): {f.reason}")
    if c.unsent:
        echo(
            f"Next: `newsletter send {shown}` sends to the {c.unsent} not sent "
            "(failed ones are tried again)."
        )
    if c.unknown:
        echo(
            f"Unknown: check the relay's log; `newsletter send {shown} --resend-unknown` sends "
            f"to those {c.unknown} again."
        )
