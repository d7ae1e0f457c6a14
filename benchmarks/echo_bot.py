"""The benchmark's baseline: line-bot-sdk v3's own flask-echo bot, pointed at the fake LINE API.

Same shape as the SDK's examples/flask-echo: a Flask app, a `WebhookHandler` with one
`@handler.add(MessageEvent, message=TextMessageContent)` that replies with the same text, and
an `ApiClient(configuration)` opened per event as the example does. Two differences only:
`Configuration(host=...)` points at `LINE_API_BASE_URL` (the fake), and the request body is not
logged. Serve it with gunicorn: `gunicorn 'benchmarks.echo_bot:app'`.
"""

from __future__ import annotations

import os
import sys

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent

channel_secret = os.environ.get("LINE_CHANNEL_SECRET")
channel_access_token = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN")
if not channel_secret or not channel_access_token:
    sys.exit("Set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN.")

app = Flask(__name__)
handler = WebhookHandler(channel_secret)
configuration = Configuration(
    host=os.environ.get("LINE_API_BASE_URL", "https://api.line.me"),
    access_token=channel_access_token,
)


@app.post("/callback")
def callback() -> str:
    signature = request.headers.get("X-Line-Signature", "")
    body = request.get_data(as_text=True)
    try:
        handler.handle(body, signature)
    except InvalidSignatureError:
        abort(400)
    return "OK"


@handler.add(MessageEvent, message=TextMessageContent)
def handle_message(event: MessageEvent) -> None:
    with ApiClient(configuration) as api_client:
        line_bot_api = MessagingApi(api_client)
        line_bot_api.reply_message_with_http_info(
            ReplyMessageRequest(
                reply_token=event.reply_token,
                messages=[TextMessage(text=event.message.text)],
            )
        )
