"""Persistence: the email tables: messages to deliver, email preferences, password reset and email change tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from learnapp.persistence.tables import Moment


class MailMessage(SQLModel, table=True):
    """One email, written in the transaction of its cause and delivered after commit by the mail worker.

    `cause_key` is unique: one cause (an event, a reset request, a quiet spell) is one message, whoever queues it.
    State: queued (due at next_attempt_at), sending (claimed until next_attempt_at, the lease), retrying (a failed
    attempt, due again at next_attempt_at), sent, failed (out of attempts).
    """

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    cause_key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=32)
    learner_id: int | None = Field(default=None, foreign_key="learner.id", index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    message_id: str = Field(max_length=200)  # the same on every attempt: a receiver can drop a resend
    raw: str = Field(sa_type=Text)  # the whole RFC 5322 message as composed
    state: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Moment()
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Moment()
    sent_at: datetime | None = Moment(optional=True)


class MailPreference(SQLModel, table=True):
    """Which notices a learner wants by email, and the key that signs their unsubscribe links."""

    __tablename__ = "mail_preference"
    learner_id: int = Field(foreign_key="learner.id", primary_key=True)
    course_completed: bool = True
    certificate_ready: bool = True
    milestones: bool = False
    reminders: bool = True
    signing_key: str = Field(max_length=64)
    updated_at: datetime = Moment()


class PasswordReset(SQLModel, table=True):
    """A password reset link: only the token's hash is kept; used once, within its hour."""

    __tablename__ = "password_reset"
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Moment()
    expires_at: datetime = Moment()
    used_at: datetime | None = Moment(optional=True)


class EmailChange(SQLModel, table=True):
    """A requested change of an account's email: the new address confirms it through a link (its hash kept here)."""

    __tablename__ = "email_change"
    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(foreign_key="learner.id", index=True)
    new_email: str = Field(max_length=254)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Moment()
    expires_at: datetime = Moment()
    used_at: datetime | None = Moment(optional=True)
