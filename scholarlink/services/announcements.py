"""What a student has been told about their matches: each match is announced once.

`record_matches` runs in the transaction that stores a refresh. The first computation for a
student is their baseline (they see those matches on the matches page); so is a refresh the
student ran themselves. Any other refresh — after a catalogue import, or a profile change that
came from elsewhere — announces the matches that are new to them: an unread notification now,
and mail according to their preference (the alert pass sends it).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.models import MatchAnnouncement, MatchRun, Notification, Scholarship


def record_matches(
    session: Session, *, user_id: int, match_ids: list[int], seen: bool
) -> list[int]:
    """Record a refresh; returns the scholarship ids announced as new (none when `seen`)."""
    now = utcnow()
    run = session.get(MatchRun, user_id)
    baseline = run is None
    if run is None:
        session.add(MatchRun(user_id=user_id, computed_at=now))
    else:
        run.computed_at = now
        session.add(run)
    told = set(
        session.exec(
            select(MatchAnnouncement.scholarship_id).where(MatchAnnouncement.user_id == user_id)
        )
    )
    new = [sid for sid in dict.fromkeys(match_ids) if sid not in told]
    if not new:
        return []
    quiet = baseline or seen
    names = {s.id: s for s in session.exec(select(Scholarship).where(col(Scholarship.id).in_(new)))}
    announced = []
    for sid in new:
        note = None
        row = names.get(sid)
        if not quiet and row is not None:
            note = Notification(
                user_id=user_id,
                dedupe_key=f"match:{user_id}:{sid}",
                kind="new_match",
                title=f"New match: {row.name}"[:200],
                body=f"{row.provider} — you meet its published rules for your cycle.",
                link=f"/scholarships/{sid}",
            )
        try:
            with session.begin_nested():
                if note is not None:
                    session.add(note)
                    session.flush()
                session.add(
                    MatchAnnouncement(
                        user_id=user_id,
                        scholarship_id=sid,
                        notification_id=note.id if note is not None else None,
                        digest_sent_at=now if quiet else None,
                    )
                )
        except IntegrityError:
            continue  # announced concurrently
        if not quiet:
            announced.append(sid)
    return announced
