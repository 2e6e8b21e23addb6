"""Business actions of the platform side: staff, access grants, disclosures."""
