"""The controlled vocabularies shared by the catalogue, profiles and matching."""

from __future__ import annotations

# One list each, shared with the rule language.
from scholarlink.domain.vocabulary import CITIZENSHIP as CITIZENSHIP
from scholarlink.domain.vocabulary import DEMOGRAPHICS as DEMOGRAPHICS
from scholarlink.domain.vocabulary import LEVELS
from scholarlink.domain.vocabulary import US_STATES as US_STATES

ACADEMIC_LEVELS = LEVELS

MAJOR_FIELDS: dict[str, str] = {
    "stem": "STEM (any)",
    "engineering": "Engineering",
    "computer_science": "Computer science",
    "mathematics": "Mathematics",
    "physical_sciences": "Physical sciences",
    "life_sciences": "Life sciences",
    "health": "Health",
    "nursing": "Nursing",
    "medicine": "Medicine",
    "business": "Business",
    "accounting": "Accounting",
    "economics": "Economics",
    "education": "Education",
    "arts": "Arts",
    "music": "Music",
    "humanities": "Humanities",
    "journalism": "Journalism",
    "social_sciences": "Social sciences",
    "public_service": "Public service",
    "law": "Law",
    "agriculture": "Agriculture",
    "environment": "Environment",
    "aviation": "Aviation",
    "cybersecurity": "Cybersecurity",
    "foreign_languages": "Foreign languages",
    "international_affairs": "International affairs",
}

# Fields that count as STEM when a scholarship asks for "stem".
STEM_FIELDS = frozenset(
    {
        "stem",
        "engineering",
        "computer_science",
        "mathematics",
        "physical_sciences",
        "life_sciences",
        "cybersecurity",
        "environment",
        "aviation",
    }
)
# Broader families: a "health" scholarship accepts nursing and medicine students, and so on.
FIELD_FAMILIES: dict[str, frozenset[str]] = {
    "stem": STEM_FIELDS,
    "health": frozenset({"health", "nursing", "medicine"}),
    "business": frozenset({"business", "accounting", "economics"}),
    "arts": frozenset({"arts", "music"}),
    "humanities": frozenset({"humanities", "foreign_languages", "journalism"}),
    "social_sciences": frozenset({"social_sciences", "economics", "international_affairs"}),
    "public_service": frozenset({"public_service", "law", "international_affairs", "education"}),
    "computer_science": frozenset({"computer_science", "cybersecurity"}),
}


INTERESTS: dict[str, str] = {
    "leadership": "Leadership",
    "community_service": "Community service",
    "research": "Research",
    "entrepreneurship": "Entrepreneurship",
    "public_speaking": "Public speaking",
    "writing": "Writing",
    "science_fair": "Science fair",
    "athletics": "Athletics",
    "arts": "Arts",
    "music": "Music",
    "technology": "Technology",
    "environment": "Environment",
    "civic_engagement": "Civic engagement",
    "faith": "Faith",
    "military": "Military",
    "healthcare": "Healthcare",
    "teaching": "Teaching",
    "agriculture": "Agriculture",
    "law": "Law",
    "journalism": "Journalism",
    "international": "International",
    "innovation": "Innovation",
}


# Words in a free-text major that place it in a field (checked as whole words, lower-case).
MAJOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "engineering": ("engineering", "engineer", "mechanical", "electrical", "civil", "chemical engineering", "aerospace", "biomedical engineering", "robotics"),
    "computer_science": ("computer", "computing", "software", "data science", "informatics", "information technology", "programming", "artificial intelligence", "machine learning"),
    "mathematics": ("math", "mathematics", "statistics", "actuarial", "applied math"),
    "physical_sciences": ("physics", "chemistry", "astronomy", "geology", "earth science", "materials science"),
    "life_sciences": ("biology", "biochemistry", "neuroscience", "microbiology", "genetics", "ecology", "zoology", "botany", "molecular"),
    "health": ("health", "public health", "pharmacy", "dentistry", "dental", "kinesiology", "nutrition", "physical therapy", "occupational therapy", "pre-health"),
    "nursing": ("nursing", "nurse", "rn", "bsn"),
    "medicine": ("medicine", "medical", "pre-med", "premed", "physician"),
    "business": ("business", "management", "marketing", "finance", "entrepreneurship", "mba", "supply chain", "hospitality"),
    "accounting": ("accounting", "accountancy", "cpa"),
    "economics": ("economics", "econ"),
    "education": ("education", "teaching", "teacher", "early childhood"),
    "arts": ("art", "arts", "design", "film", "theater", "theatre", "dance", "photography", "architecture", "graphic"),
    "music": ("music", "musician", "composition", "performance"),
    "humanities": ("english", "history", "philosophy", "literature", "classics", "religion", "linguistics", "writing"),
    "journalism": ("journalism", "communications", "communication", "media"),
    "social_sciences": ("psychology", "sociology", "anthropology", "political science", "government", "social work", "criminal justice", "geography"),
    "public_service": ("public policy", "public administration", "public service", "nonprofit", "social work"),
    "law": ("law", "legal", "pre-law", "prelaw", "paralegal"),
    "agriculture": ("agriculture", "agricultural", "agronomy", "animal science", "horticulture", "forestry", "food science"),
    "environment": ("environmental", "environment", "sustainability", "conservation", "climate", "natural resources"),
    "aviation": ("aviation", "pilot", "aeronautics", "aeronautical"),
    "cybersecurity": ("cybersecurity", "cyber security", "information security", "security"),
    "foreign_languages": ("spanish", "french", "german", "chinese", "japanese", "arabic", "russian", "languages", "language"),
    "international_affairs": ("international relations", "international affairs", "international studies", "global studies", "foreign service", "diplomacy"),
}  # fmt: skip


def major_fields(major: str | None) -> frozenset[str]:
    """The fields a free-text major belongs to, including the families that contain them
    ("Mechanical Engineering" → engineering, stem)."""
    if not major:
        return frozenset()
    text = " " + " ".join(major.lower().replace("/", " ").replace(",", " ").split()) + " "
    fields = {
        field for field, words in MAJOR_KEYWORDS.items() if any(f" {w} " in text for w in words)
    }
    if major.strip().lower() in MAJOR_FIELDS:
        fields.add(major.strip().lower())
    for family, members in FIELD_FAMILIES.items():
        if fields & members:
            fields.add(family)
    return frozenset(fields)
