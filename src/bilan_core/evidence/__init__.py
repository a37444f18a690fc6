"""The provider's evidence: attendance, completion, agreements, feedback, BPF figures and the pack,
computed from the store's administrative records, never from the bilan's content."""
