"""Controlled vocabularies of the rule language (see scholarlink/data/catalogue/FORMAT.md)."""

from __future__ import annotations

LEVELS: dict[str, str] = {
    "high_school_junior": "High-school junior",
    "high_school_senior": "High-school senior",
    "community_college": "Community college",
    "undergraduate": "Undergraduate",
    "graduate": "Graduate",
}
HIGH_SCHOOL = frozenset({"high_school_junior", "high_school_senior"})
# Class years a level can have (undergraduate 5 = a fifth year).
CLASS_YEARS: dict[str, int] = {"community_college": 2, "undergraduate": 5, "graduate": 7}

CITIZENSHIP: dict[str, str] = {
    "us_citizen": "US citizen",
    "us_national": "US national",
    "permanent_resident": "Permanent resident",
    "daca": "DACA / undocumented",
    "refugee_asylee": "Refugee or asylee",
    "other_eligible_noncitizen": "Other eligible non-citizen",
    "international": "International student",
}

DEMOGRAPHICS: dict[str, str] = {
    "hispanic_latino": "Hispanic / Latino",
    "black_african_american": "Black / African American",
    "asian_pacific_islander": "Asian / Pacific Islander",
    "native_american": "Native American / Alaska Native",
    "women": "Woman",
    "lgbtq": "LGBTQ+",
    "first_generation": "First-generation college student",
    "military_family": "Military family",
    "veteran": "Veteran",
    "disability": "Person with a disability",
    "foster_youth": "Foster youth",
}

INSTITUTION_KINDS: dict[str, str] = {
    "hbcu": "a historically Black college or university (HBCU)",
    "tribal_college": "a tribal college or university",
    "hsi": "a Hispanic-Serving Institution",
    "community_college": "a community college",
    "in_state_public": "a public college in your state",
    "in_state_any": "a college in your state",
    "four_year": "a four-year college",
    "accredited_us": "an accredited US college",
}

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "US Virgin Islands", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

KINDS: dict[str, str] = {
    "private": "Private scholarship",
    "state": "State aid",
    "federal": "Federal aid",
    "military": "Military",
    "institutional": "College's own award",
}
