"""Outbound message bodies: result callbacks and CloudEvents-compatible events."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from scholarlink.agent import outbox, tasks
from scholarlink.core.clock import utcnow
from scholarlink.core.settings import Settings
from scholarlink.models import AgentTask


def event_body(
    settings: Settings, *, event_id: str, type_: str, task: AgentTask, data: dict[str, Any]
) -> dict[str, Any]:
    """The seed's event body. The CloudEvents attributes travel as ce-* headers (binary content
    mode, added when the message is sent: outbox.cloudevent_headers), so the body does not
    pretend to be a structured-mode event."""
    return {
        "event_id": event_id,
        "type": type_,
        "source": settings.agent_id,
        "data": {**data, "task_id": task.task_id},
        "time": utcnow().isoformat(),
        "trace_id": task.trace_id,
    }


def enqueue_terminal(
    session: Session,
    settings: Settings,
    task: AgentTask,
    domain_events: list[tuple[str, dict[str, Any]]],
) -> None:
    """In the transaction that ends the task: its callback, then its events (in this order)."""
    outbox.enqueue(
        session,
        kind="callback",
        destination=task.reply_to,
        payload=tasks.result_view(task),
        message_id=f"callback:{task.task_id}:{task.status}",
        trace_id=task.trace_id,
        task_id=task.task_id,
    )
    events_url = outbox.cc_url(settings, "/orchestrator/events")
    if events_url is None:
        return  # local-only mode: no Command Center to tell
    for type_, data in domain_events:
        event_id = f"{task.task_id}:{type_}"
        outbox.enqueue(
            session,
            kind="event",
            destination=events_url,
            message_id=f"event:{event_id}",
            trace_id=task.trace_id,
            task_id=task.task_id,
            payload=event_body(settings, event_id=event_id, type_=type_, task=task, data=data),
        )
    final = "task_completed" if task.status == "succeeded" else "task_failed"
    event_id = f"{task.task_id}:{task.status}"
    data = {
        "action": task.action,
        "status": task.status,
        "attempts": task.attempts,
        "requested_by": task.requested_by,
    }
    if task.error:
        data["error"] = task.error
    outbox.enqueue(
        session,
        kind="event",
        destination=events_url,
        message_id=f"event:{event_id}",
        trace_id=task.trace_id,
        task_id=task.task_id,
        payload=event_body(settings, event_id=event_id, type_=final, task=task, data=data),
    )
