"""Services: email: composing, queueing from the outbox, delivering with retries, password resets, reminders."""
