"""Knowledge app: the knowledge base of articles (life cycle, versions, search, deflection, feedback)."""
