"""场景智答: answers, cases and drafts over city digital-scenario documents."""
