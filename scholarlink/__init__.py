"""ScholarLink: scholarships students qualify for, essay help, deadlines — and a Command Center agent."""
