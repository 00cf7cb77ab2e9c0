"""The nine capabilities ScholarLink offers the Command Center."""

from __future__ import annotations

CAPABILITIES: tuple[str, ...] = (
    "student_pilot.match_scholarships",
    "student_pilot.analyze_essay",
    "student_pilot.generate_essay_outline",
    "student_pilot.improve_essay_content",
    "student_pilot.generate_essay_ideas",
    "student_pilot.get_profile",
    "student_pilot.update_profile",
    "student_pilot.create_application",
    "student_pilot.get_applications",
)
