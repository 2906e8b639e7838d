"""Privacy: keyed pseudonymisation, redaction, generalisation and the right to erasure."""
