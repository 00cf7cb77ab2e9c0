"""Fields of study in the US NCES Classification of Instructional Programs (CIP 2020): the
families (two digits) and the programmes students name most often under them, with synonyms,
so a free-text major ("Pre-Nursing", "Civil Rights Law") maps to codes the student can confirm.

Matching is by code prefix: a rule for "14" (engineering) accepts "14.08" (civil engineering);
a rule for "51.38" (nursing) accepts nursing only. Words are whole-word matches; longer, more
specific phrases win over the family word ("civil rights law" → law, not civil engineering).
"""

from __future__ import annotations

import re
from functools import lru_cache

FAMILIES: dict[str, str] = {
    "01": "Agriculture", "03": "Natural resources and conservation", "04": "Architecture",
    "05": "Area, ethnic and gender studies", "09": "Communication and journalism",
    "11": "Computer and information sciences", "13": "Education", "14": "Engineering",
    "15": "Engineering technologies", "16": "Foreign languages", "19": "Family and consumer sciences",
    "22": "Law and legal studies", "23": "English", "24": "Liberal arts", "26": "Biological sciences",
    "27": "Mathematics and statistics", "30": "Interdisciplinary studies",
    "31": "Parks, recreation and kinesiology", "38": "Philosophy and religion",
    "40": "Physical sciences", "42": "Psychology", "43": "Homeland security and law enforcement",
    "44": "Public administration and social service", "45": "Social sciences",
    "46": "Construction trades", "47": "Mechanic and repair technologies",
    "48": "Precision production (welding)", "49": "Transportation (aviation)",
    "50": "Visual and performing arts", "51": "Health professions", "52": "Business",
    "54": "History",
}  # fmt: skip

PROGRAMMES: dict[str, str] = {
    "01.09": "Animal sciences", "03.01": "Natural resources and conservation",
    "11.01": "Computer and information sciences", "11.07": "Computer science",
    "11.10": "Information technology", "11.1003": "Cybersecurity", "13.12": "Teacher education",
    "14.01": "Engineering (general)", "14.02": "Aerospace engineering",
    "14.05": "Biomedical engineering", "14.07": "Chemical engineering",
    "14.08": "Civil engineering", "14.09": "Computer engineering",
    "14.10": "Electrical engineering", "14.19": "Mechanical engineering",
    "22.01": "Law", "22.03": "Legal support (paralegal)", "26.01": "Biology",
    "26.02": "Biochemistry", "27.01": "Mathematics", "27.05": "Statistics",
    "40.05": "Chemistry", "40.06": "Geosciences", "40.08": "Physics",
    "43.01": "Criminal justice", "43.03": "Homeland security", "44.07": "Social work",
    "45.06": "Economics", "45.09": "International relations", "45.10": "Political science",
    "48.05": "Welding", "49.01": "Aviation", "50.09": "Music", "51.04": "Dentistry",
    "51.12": "Medicine", "51.20": "Pharmacy", "51.22": "Public health", "51.38": "Nursing",
    "51.23": "Rehabilitation therapies", "52.03": "Accounting", "52.13": "Actuarial science",
    "09.04": "Journalism",
}  # fmt: skip

# Phrase → code. Checked longest first, so a specific phrase claims its words before a general one.
SYNONYMS: dict[str, str] = {
    "civil rights law": "22.01", "environmental law": "22.01", "pre-law": "22.01", "prelaw": "22.01",
    "law": "22.01", "legal studies": "22.01", "paralegal": "22.03",
    "homeland security": "43.03", "criminal justice": "43.01", "criminology": "43.01",
    "cybersecurity": "11.1003", "cyber security": "11.1003", "information security": "11.1003",
    "computer science": "11.07", "software engineering": "14.09", "computer engineering": "14.09",
    "data science": "11.01", "information technology": "11.10", "computing": "11.01",
    "informatics": "11.01", "programming": "11.07",
    "mechanical engineering": "14.19", "electrical engineering": "14.10",
    "civil engineering": "14.08", "chemical engineering": "14.07",
    "biomedical engineering": "14.05", "aerospace engineering": "14.02", "aerospace": "14.02",
    "engineering": "14.01", "robotics": "14.01",
    "pre-nursing": "51.38", "prenursing": "51.38", "nursing": "51.38", "nurse": "51.38",
    "bsn": "51.38", "pre-med": "51.12", "premed": "51.12", "medicine": "51.12", "medical": "51.12",
    "pre-dental": "51.04", "dentistry": "51.04", "dental": "51.04", "pharmacy": "51.20",
    "pre-pharmacy": "51.20", "public health": "51.22", "physical therapy": "51.23",
    "occupational therapy": "51.23", "kinesiology": "31", "health sciences": "51",
    "veterinary": "51", "pre-vet": "51",
    "biochemistry": "26.02", "biology": "26.01", "neuroscience": "26", "microbiology": "26",
    "genetics": "26", "ecology": "26", "chemistry": "40.05", "physics": "40.08",
    "geology": "40.06", "geoscience": "40.06", "geosciences": "40.06", "astronomy": "40",
    "mathematics": "27.01", "math": "27.01", "applied math": "27.01", "statistics": "27.05",
    "actuarial science": "52.13", "actuarial": "52.13",
    "accounting": "52.03", "accountancy": "52.03", "finance": "52", "business": "52",
    "marketing": "52", "management": "52", "entrepreneurship": "52", "mba": "52",
    "economics": "45.06", "political science": "45.10", "government": "45.10",
    "international relations": "45.09", "international affairs": "45.09",
    "global studies": "45.09", "sociology": "45", "anthropology": "45", "geography": "45",
    "psychology": "42", "social work": "44.07", "public policy": "44", "public administration": "44",
    "education": "13", "teaching": "13.12", "teacher": "13.12", "early childhood education": "13.12",
    "journalism": "09.04", "communications": "09", "communication": "09", "media": "09",
    "english": "23", "creative writing": "23", "literature": "23", "history": "54",
    "philosophy": "38", "religion": "38", "spanish": "16", "french": "16", "german": "16",
    "chinese": "16", "japanese": "16", "arabic": "16", "languages": "16", "linguistics": "16",
    "music": "50.09", "art": "50", "arts": "50", "film": "50", "theater": "50", "theatre": "50",
    "dance": "50", "graphic design": "50", "design": "50", "architecture": "04",
    "landscape architecture": "04", "agriculture": "01", "agricultural": "01",
    "animal science": "01.09", "forestry": "03", "environmental science": "03.01",
    "environmental studies": "03.01", "sustainability": "03", "conservation": "03",
    "aviation": "49.01", "pilot": "49.01", "aeronautics": "49.01", "welding": "48.05",
    "construction": "46", "automotive": "47", "electrician": "46",
}  # fmt: skip

_ORDERED = sorted(SYNONYMS, key=len, reverse=True)


@lru_cache(maxsize=4096)
def major_to_cip(major: str | None) -> frozenset[str]:
    """The CIP codes a free-text major names (empty when nothing is recognised)."""
    if not major:
        return frozenset()
    text = " " + re.sub(r"[^a-z0-9\- ]+", " ", major.lower()) + " "
    found: set[str] = set()
    for phrase in _ORDERED:
        pattern = f" {phrase} "
        if pattern in text:
            found.add(SYNONYMS[phrase])
            text = text.replace(pattern, " | ")  # the words are claimed
    return frozenset(found)


def cip_name(code: str) -> str:
    return PROGRAMMES.get(code) or FAMILIES.get(code[:2], code)


def field_matches(student_codes: frozenset[str], rule_codes: list[str]) -> bool:
    """A student's field satisfies a rule's codes when one is the other's prefix family: the
    rule's code covers the student's more specific one (rule "14" ⊇ student "14.08")."""
    return any(s.startswith(r) for s in student_codes for r in rule_codes)


def is_broader(student_codes: frozenset[str], rule_codes: list[str]) -> bool:
    """The student named only a family, and the rule wants a programme inside it ("health
    sciences" vs nursing): not a mismatch, a question."""
    return any(r.startswith(s) and r != s for s in student_codes for r in rule_codes)
