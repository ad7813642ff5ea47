"""Prints one stored mail as JSON, read by Python's own e-mail parser: headers decoded, and each
part's content type and decoded content."""
import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as file:
    message = email.message_from_binary_file(file, policy=email.policy.default)

HEADERS = ["From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "X-MailFrom", "X-RcptTo"]
print(json.dumps({
    "headers": {name: str(message[name]) if message[name] is not None else None for name in HEADERS},
    "content_type": message.get_content_type(),
    "parts": [[part.get_content_type(), part.get_content()] for part in message.iter_parts()],
}))
