"""The demo database: seeded, vectorised data that tells the story of the research behind
the product (generate), with its outreach (outreach) and the sampling helper both use."""
