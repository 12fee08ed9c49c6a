"""The README's CI example in Python, standard library only: smtplib for SMTP, urllib for
mockmx's HTTP API. A sender meets Gmail's "450 4.2.1" once, retries, and gets through.

Run against a mockmx (npm start, or the container):
    MOCKMX_SMTP=127.0.0.1:2525 MOCKMX_API=http://127.0.0.1:8025/api/v1 python3 test_retry.py
"""
import json
import os
import smtplib
import unittest
import urllib.parse
import urllib.request

SMTP_HOST, SMTP_PORT = os.environ.get("MOCKMX_SMTP", "127.0.0.1:2525").rsplit(":", 1)
API = os.environ.get("MOCKMX_API", "http://127.0.0.1:8025/api/v1")


def api(method, path, body=None, content_type="application/json"):
    data = body.encode() if isinstance(body, str) else body
    headers = {"content-type": content_type} if data is not None else {}
    request = urllib.request.Request(API + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


def send(to):
    with smtplib.SMTP(SMTP_HOST, int(SMTP_PORT), timeout=10) as smtp:
        smtp.sendmail("app@example.com", [to], "Subject: Your receipt\r\n\r\nThanks!\r\n")


class RetryAfterRateLimit(unittest.TestCase):
    def setUp(self):
        # a clean slate: a scenario where bob is rate limited once, no old messages
        api("PUT", "/scenario", 'rules:\n  - { id: slow-bob, when: { rcpt: "bob@*" }, then: gmail.rate-limited-recipient, times: 1 }\n', "text/yaml")
        api("DELETE", "/messages")

    def test_retry_gets_through(self):
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
            send("bob@example.com")
        code, text = refused.exception.recipients["bob@example.com"]
        self.assertEqual(code, 450)
        self.assertIn(b"4.2.1 The user you are trying to contact", text)

        send("bob@example.com")  # the retry

        query = urllib.parse.urlencode({"to": "bob@example.com", "timeout": "10s"})
        message = api("GET", "/messages/wait?" + query)
        self.assertEqual(message["envelope"]["mailFrom"], "app@example.com")

        rejections = api("GET", "/rejections?" + urllib.parse.urlencode({"rule": "slow-bob"}))
        self.assertEqual(len(rejections["items"]), 1)


if __name__ == "__main__":
    unittest.main()
