"""Small, pure UI pieces shared by pages."""

from __future__ import annotations

from typing import Any

import reflex as rx


def page_header(
    title: str, subtitle: str | rx.Var[str] = "", *actions: rx.Component
) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="7", as_="h1"),
            rx.cond(subtitle != "", rx.text(subtitle, color=rx.color("gray", 11)), rx.fragment())
            if isinstance(subtitle, rx.Var)
            else (rx.text(subtitle, color=rx.color("gray", 11)) if subtitle else rx.fragment()),
            spacing="1",
            align="start",
        ),
        rx.spacer(),
        rx.hstack(*actions, spacing="2", wrap="wrap", max_width="100%"),
        width="100%",
        align="center",
        wrap="wrap",
        gap="3",
        margin_bottom="1.5rem",
    )


def field(
    label: str,
    control: rx.Component,
    *,
    error: rx.Var[str] | str = "",
    hint: str = "",
    html_for: str = "",
) -> rx.Component:
    """A labelled form control with its hint and, when set, its error right below it."""
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=html_for),
        control,
        rx.text(hint, size="1", color=rx.color("gray", 11)) if hint else rx.fragment(),
        rx.cond(
            error != "",
            rx.text(error, size="1", color=rx.color("red", 11), role="alert"),
            rx.fragment(),
        ),
        spacing="1",
        align="stretch",
        width="100%",
    )


def stat(label: str, value: Any, icon: str, hint: Any = "") -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(
                rx.icon(icon, size=20),
                width="2.5rem",
                height="2.5rem",
                border_radius="9999px",
                background=rx.color("accent", 3),
                color=rx.color("accent", 11),
            ),
            rx.vstack(
                rx.text(label, size="2", color=rx.color("gray", 11)),
                rx.heading(value, size="6"),
                rx.text(hint, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            spacing="3",
            align="center",
        ),
        width="100%",
    )


def empty_state(icon: str, title: str, text: str, *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color=rx.color("gray", 9)),
            rx.heading(title, size="4"),
            rx.text(text, color=rx.color("gray", 11), text_align="center", max_width="32rem"),
            rx.hstack(*actions, spacing="2"),
            align="center",
            spacing="2",
        ),
        padding="2.5rem",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        width="100%",
    )


def error_callout(message: Any) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
        rx.fragment(),
    )


def live_region(*children: Any, **props: Any) -> rx.Component:
    """A polite live region. It is always in the page (empty when there is nothing to say), so
    screen readers announce what a background result puts in it."""
    return rx.box(*children, role="status", aria_live="polite", aria_atomic="true", **props)


def info_callout(message: Any) -> rx.Component:
    """A notice such as "Matches refreshed" or "Uploaded transcript.pdf", announced when it
    appears."""
    return live_region(
        rx.cond(
            message != "",
            rx.callout(message, icon="info", color_scheme="blue", width="100%"),
            rx.fragment(),
        ),
        width="100%",
    )


STATUS_COLORS = {
    "met": "green",
    "unmet": "red",
    "unknown": "amber",
    "confirmed": "teal",
    "high": "green",
    "competitive": "blue",
    "long_shot": "gray",
    "draft": "gray",
    "in_progress": "blue",
    "submitted": "violet",
    "under_review": "amber",
    "accepted": "green",
    "rejected": "red",
}


def status_badge(status: Any, label: Any = None) -> rx.Component:
    return rx.badge(
        label if label is not None else status,
        color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"),
        variant="soft",
    )


# Dialogs opened from state have no trigger for Radix to refocus: assets/a11y.js returns focus
# to the control that was focused before the dialog opened (and moves it into an alert dialog).
RETURN_FOCUS = rx.call_script("window.scholarlinkReturnFocus && window.scholarlinkReturnFocus()")
FOCUS_DIALOG = rx.call_script("window.scholarlinkFocusDialog && window.scholarlinkFocusDialog()")


def confirm_dialog(
    *,
    title: str,
    description: Any,
    confirm_label: str,
    on_confirm: Any,
    on_cancel: Any,
    open: Any,
    body: rx.Component | None = None,
) -> rx.Component:
    """A destructive action's confirmation: "Keep it" or the red confirm button."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            body if body is not None else rx.fragment(),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", on_click=on_cancel)
                ),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red", on_click=on_confirm)
                ),
                justify="end",
                spacing="2",
                margin_top="1rem",
            ),
            on_open_auto_focus=FOCUS_DIALOG,
            on_close_auto_focus=RETURN_FOCUS,
            # The dialog is open while the state says so: Escape cancels like "Keep it".
            on_escape_key_down=on_cancel,
        ),
        open=open,
    )


def plain_table(rows: Any, columns: list[tuple[str, str]], extra: Any = None) -> rx.Component:
    """A plain HTML table whose cells wrap instead of scrolling sideways (Radix's table scrolls
    inside a region a keyboard cannot reach on a phone). `extra(row)` adds a last column."""
    cell = {
        "padding": "0.5rem 0.75rem",
        "textAlign": "left",
        "verticalAlign": "top",
        "borderBottom": f"1px solid {rx.color('gray', 5)}",
        "overflowWrap": "anywhere",
    }
    return rx.el.table(
        rx.el.thead(
            rx.el.tr(
                *(rx.el.th(label, scope="col", style=cell) for label, _ in columns),
                *(
                    [rx.el.th(rx.el.span("Actions", class_name="visually-hidden"), style=cell)]
                    if extra
                    else []
                ),
            )
        ),
        rx.el.tbody(
            rx.foreach(
                rows,
                lambda r: rx.el.tr(
                    *(rx.el.td(r[key], style=cell) for _, key in columns),
                    *([rx.el.td(extra(r), style=cell)] if extra else []),
                ),
            )
        ),
        style={
            "width": "100%",
            "borderCollapse": "collapse",
            "fontSize": "0.9rem",
            "tableLayout": "fixed",
        },
    )


def named_file_input(upload: rx.Component, name: str) -> rx.Component:
    """rx.upload renders its own <input type=file> and takes no props for it: give that input
    an accessible name (the drop zone is what the mouse and the keyboard use)."""
    stack = [upload]
    while stack:
        node = stack.pop()
        if getattr(node, "tag", None) == "input":
            node.custom_attrs["aria-label"] = name
            return upload
        stack.extend(c for c in node.children if isinstance(c, rx.Component))
    raise ValueError("rx.upload rendered no file input")


def yes_no_buttons(on_yes: Any, on_no: Any) -> list[rx.Component]:
    """The Yes / No pair that answers a requirement to confirm (matches and scholarship pages)."""
    return [
        rx.button("Yes", size="1", variant="soft", color_scheme="green", on_click=on_yes),
        rx.button("No", size="1", variant="soft", color_scheme="gray", on_click=on_no),
    ]
