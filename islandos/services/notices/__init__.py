"""Notices (お知らせ): drafts, audiences, sending, confirmations, reports and pictures."""
