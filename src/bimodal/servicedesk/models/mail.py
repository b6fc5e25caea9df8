"""Emails received by the desk: one row per message, so that reading a mailbox again adds nothing twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from bimodal.servicedesk.choices import MailOutcome


class InboundMail(models.Model):
    """An email the desk received (by IMAP, a maildir or an mbox) and what became of it."""

    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20, choices=MailOutcome.choices)
    reason = models.TextField(blank=True)
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_mails"
    )
    received_at = models.DateTimeField(default=timezone.now)

    objects: models.Manager[InboundMail] = models.Manager()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"
