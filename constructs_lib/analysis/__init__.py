"""What reads synthesized Terraform JSON and plans, and builds no construct: the review of a change
(:mod:`.review`), the cost estimate (:mod:`.cost`) and the pipeline identities' threat model
(:mod:`.identity_threats`)."""
