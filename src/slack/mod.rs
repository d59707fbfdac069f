//! Posting to Slack: an incoming webhook, or a bot token with `chat.postMessage` to one or more
//! channels. Slack's answer is checked (a non-2xx status or `"ok": false` is an error carrying
//! Slack's reason); 429 waits for `Retry-After`; connection errors and 5xx retry with jittered
//! backoff, a bounded number of times and within a bounded total time. Nothing here prints a webhook URL or a token.

pub mod message;
pub mod template;

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backoff;
use crate::duration::human;
use crate::render::progress::Progress;
use crate::secret::{redact, Secret};

/// Where chat.postMessage lives; `ECS_SHIP_SLACK_API_URL` overrides it (tests, proxies).
pub const DEFAULT_API_URL: &str = "https://slack.com/api";
/// Tries per message, the first included.
const MAX_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A 429 asking for a longer wait than this is reported instead of waited for.
const MAX_RETRY_AFTER: Duration = TOTAL;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// All tries of one message together, so a Slack that hangs costs a deploy seconds, not
/// minutes, and never carries a command far past its `--timeout`.
const TOTAL: Duration = Duration::from_secs(10);

/// How long one message may take: TOTAL, or less when the command must end sooner.
fn budget(now: Instant, hard_stop: Option<Instant>) -> Duration {
    hard_stop.map_or(TOTAL, |stop| TOTAL.min(stop.saturating_duration_since(now)))
}

/// Where messages go.
#[derive(Debug, Clone)]
pub enum Destination {
    Webhook(Secret),
    Bot {
        token: Secret,
        channels: Vec<String>,
        api_url: String,
    },
}

impl Destination {
    pub fn describe(&self) -> String {
        match self {
            Destination::Webhook(url) => {
                let host = url
                    .expose()
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split('/').next())
                    // Never the `user:password@` part.
                    .and_then(|authority| authority.rsplit('@').next())
                    .unwrap_or("?");
                format!("incoming webhook on {host}")
            }
            Destination::Bot { channels, .. } => {
                format!("chat.postMessage to {}", channels.join(", "))
            }
        }
    }

    pub fn transport(&self) -> &'static str {
        match self {
            Destination::Webhook(_) => "webhook",
            Destination::Bot { .. } => "chat.postMessage",
        }
    }

    fn secret(&self) -> &Secret {
        match self {
            Destination::Webhook(url) => url,
            Destination::Bot { token, .. } => token,
        }
    }
}

/// Why a message was not delivered; already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackError(pub String);

impl fmt::Display for SlackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A delivered message: the channel and timestamp chat.postMessage answers (none for webhooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub channel: Option<String>,
    pub ts: Option<String>,
}

pub struct Slack {
    client: reqwest::Client,
    destination: Destination,
    progress: Progress,
}

/// What one HTTP exchange came to.
enum Attempt {
    Answer { status: u16, body: String },
    Retry { why: String, wait: Option<Duration> },
}

impl Slack {
    pub fn new(destination: Destination, progress: Progress) -> Result<Self, SlackError> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ecs-ship/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SlackError(format!("cannot start an HTTP client: {e}")))?;
        Ok(Slack {
            client,
            destination,
            progress,
        })
    }

    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Posts `payload` (a Slack message: `text`, `blocks`, ...) to every destination. Every
    /// channel is tried; the error lists those that failed. All tries together end by
    /// `hard_stop` (the command's `--timeout` and its grace to report), and within TOTAL.
    pub async fn post(
        &self,
        payload: &Value,
        hard_stop: Option<Instant>,
    ) -> Result<Vec<Delivered>, SlackError> {
        let budget = budget(Instant::now(), hard_stop);
        let why = if budget < TOTAL {
            " (all that --timeout left)"
        } else {
            ""
        };
        tokio::time::timeout(budget, self.post_unbounded(payload))
            .await
            .unwrap_or_else(|_| {
                Err(SlackError(format!(
                    "no answer from Slack within {}{why}",
                    human(budget)
                )))
            })
    }

    async fn post_unbounded(&self, payload: &Value) -> Result<Vec<Delivered>, SlackError> {
        match &self.destination {
            Destination::Webhook(url) => {
                let (status, body) = self.send(url.expose(), None, payload).await?;
                check_webhook_answer(status, &body)
                    .map(|()| {
                        vec![Delivered {
                            channel: None,
                            ts: None,
                        }]
                    })
                    .map_err(|e| self.scrub(e))
            }
            Destination::Bot {
                token,
                channels,
                api_url,
            } => {
                let url = format!("{}/chat.postMessage", api_url.trim_end_matches('/'));
                let mut delivered = vec![];
                let mut failed = vec![];
                for channel in channels {
                    let mut message = payload.clone();
                    if let Value::Object(map) = &mut message {
                        map.insert("channel".into(), json!(channel));
                    }
                    let result = match self.send(&url, Some(token), &message).await {
                        Ok((status, body)) => check_api_answer(status, &body),
                        Err(error) => Err(error),
                    };
                    match result {
                        Ok(mut answer) => {
                            answer.channel = answer.channel.or_else(|| Some(channel.clone()));
                            delivered.push(answer);
                        }
                        Err(error) => failed.push(format!("#{channel}: {error}")),
                    }
                }
                if failed.is_empty() {
                    Ok(delivered)
                } else {
                    Err(self.scrub(SlackError(failed.join("; "))))
                }
            }
        }
    }

    fn scrub(&self, error: SlackError) -> SlackError {
        SlackError(redact(&error.0, &[self.destination.secret()]))
    }

    /// One POST with retries; the answer's status and body, or why there is none.
    async fn send(
        &self,
        url: &str,
        token: Option<&Secret>,
        payload: &Value,
    ) -> Result<(u16, String), SlackError> {
        let mut last = String::new();
        for attempt in 1..=MAX_ATTEMPTS {
            let mut request = self.client.post(url).json(payload);
            if let Some(token) = token {
                request = request.bearer_auth(token.expose());
            }
            let (why, wait) = match classify(request.send().await).await {
                Attempt::Answer { status, body } => return Ok((status, body)),
                Attempt::Retry { why, wait } => (why, wait),
            };
            last = why;
            if attempt == MAX_ATTEMPTS {
                break;
            }
            let wait = match wait {
                Some(wait) if wait > MAX_RETRY_AFTER => {
                    return Err(self.scrub(SlackError(format!(
                    "{last}; Slack asked to wait {}s before retrying, longer than ecs-ship waits",
                    wait.as_secs()
                ))))
                }
                Some(wait) => wait,
                None => backoff::jittered(FIRST_BACKOFF, attempt, MAX_BACKOFF),
            };
            self.progress.debug(redact(
                &format!(
                    "Slack: {last}; retrying in {:.1}s (attempt {}/{MAX_ATTEMPTS})",
                    wait.as_secs_f64(),
                    attempt + 1
                ),
                &[self.destination.secret()],
            ));
            tokio::time::sleep(wait).await;
        }
        Err(self.scrub(SlackError(format!(
            "{last} (gave up after {MAX_ATTEMPTS} attempts)"
        ))))
    }
}

async fn classify(result: reqwest::Result<reqwest::Response>) -> Attempt {
    let response = match result {
        Ok(response) => response,
        Err(error) => {
            let why = format!("cannot reach Slack: {}", describe(error));
            return Attempt::Retry { why, wait: None };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = match response.text().await {
        Ok(body) => body,
        Err(error) => {
            return Attempt::Retry {
                why: format!("cannot read Slack's answer: {}", describe(error)),
                wait: None,
            }
        }
    };
    let reason = slack_reason(&body);
    match status {
        429 => Attempt::Retry {
            why: format!("Slack is rate limiting (429 {reason})"),
            wait: Some(retry_after.unwrap_or(Duration::from_secs(1))),
        },
        500..=599 => Attempt::Retry {
            why: format!("Slack answered {status} {reason}"),
            wait: retry_after.filter(|w| !w.is_zero()),
        },
        _ => {
            // chat.postMessage answers 200 with ok:false for its own transient failures.
            if matches!(
                reason.as_str(),
                "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ) && (200..300).contains(&status)
            {
                return Attempt::Retry {
                    why: format!("Slack answered {reason}"),
                    wait: retry_after,
                };
            }
            Attempt::Answer { status, body }
        }
    }
}

/// An HTTP library error without its URL, with its causes.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

/// Slack's reason in an answer: `error` of a JSON answer, else the (short) text itself.
fn slack_reason(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            return error.to_string();
        }
    }
    let body = body.trim();
    let mut reason: String = body.chars().take(200).collect();
    if reason.len() < body.len() {
        reason.push('…');
    }
    if reason.is_empty() {
        "(empty answer)".into()
    } else {
        reason
    }
}

fn check_webhook_answer(status: u16, body: &str) -> Result<(), SlackError> {
    if !(200..300).contains(&status) {
        return Err(SlackError(format!(
            "the Slack webhook answered {status}: {}{}",
            slack_reason(body),
            hint(&slack_reason(body))
        )));
    }
    // Workflow webhooks and proxies answer JSON; an explicit ok:false is a failure.
    if let Ok(value) = serde_json::from_str::<Value>(body) {
        if value.get("ok") == Some(&Value::Bool(false)) {
            let reason = slack_reason(body);
            return Err(SlackError(format!(
                "the Slack webhook refused the message: {reason}{}",
                hint(&reason)
            )));
        }
    }
    Ok(())
}

fn check_api_answer(status: u16, body: &str) -> Result<Delivered, SlackError> {
    let reason = slack_reason(body);
    if !(200..300).contains(&status) {
        return Err(SlackError(format!(
            "chat.postMessage answered {status}: {reason}{}",
            hint(&reason)
        )));
    }
    let value: Value = serde_json::from_str(body).map_err(|_| {
        SlackError(format!(
            "chat.postMessage answered {status} with something that is not Slack's JSON: {reason}"
        ))
    })?;
    if value.get("ok") != Some(&Value::Bool(true)) {
        return Err(SlackError(format!(
            "Slack refused the message: {reason}{}",
            hint(&reason)
        )));
    }
    Ok(Delivered {
        channel: value
            .get("channel")
            .and_then(Value::as_str)
            .map(str::to_string),
        ts: value.get("ts").and_then(Value::as_str).map(str::to_string),
    })
}

/// What to do about Slack's common refusals.
fn hint(reason: &str) -> &'static str {
    match reason {
        "channel_not_found" => {
            " (check --channel; for a private channel, invite the app to it first)"
        }
        "not_in_channel" => " (invite the app to the channel: /invite @your-app)",
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => {
            " (check SLACK_ACCESS_TOKEN)"
        }
        "missing_scope" => " (the token needs the chat:write scope)",
        "no_service" | "no_team" | "invalid_token" | "team_disabled" => {
            " (the webhook URL is wrong or was revoked; check SLACK_WEBHOOK_URL)"
        }
        "channel_is_archived" | "is_archived" => " (the channel is archived)",
        "invalid_blocks" | "invalid_blocks_format" | "invalid_payload" | "invalid_attachments" => {
            " (the message is not valid Block Kit; check --template)"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_never_outlasts_the_command() {
        let now = Instant::now();
        assert_eq!(budget(now, None), TOTAL);
        assert_eq!(budget(now, Some(now + Duration::from_secs(60))), TOTAL);
        assert_eq!(
            budget(now, Some(now + Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            budget(now + Duration::from_secs(5), Some(now)),
            Duration::ZERO
        );
    }

    #[test]
    fn webhook_answers() {
        assert_eq!(check_webhook_answer(200, "ok"), Ok(()));
        let error = check_webhook_answer(404, "no_service").unwrap_err().0;
        assert!(
            error.contains("404: no_service") && error.contains("revoked"),
            "{error}"
        );
        let error = check_webhook_answer(200, r#"{"ok":false,"error":"invalid_blocks"}"#)
            .unwrap_err()
            .0;
        assert!(error.contains("invalid_blocks"), "{error}");
    }

    #[test]
    fn api_answers() {
        let delivered = check_api_answer(200, r#"{"ok":true,"channel":"C1","ts":"1.2"}"#).unwrap();
        assert_eq!(
            delivered,
            Delivered {
                channel: Some("C1".into()),
                ts: Some("1.2".into())
            }
        );
        let error = check_api_answer(200, r#"{"ok":false,"error":"channel_not_found"}"#)
            .unwrap_err()
            .0;
        assert!(
            error.contains("channel_not_found") && error.contains("--channel"),
            "{error}"
        );
        assert!(check_api_answer(200, "<html>").is_err());
        assert!(
            check_api_answer(403, r#"{"ok":false,"error":"invalid_auth"}"#)
                .unwrap_err()
                .0
                .contains("SLACK_ACCESS_TOKEN")
        );
    }

    #[test]
    fn long_answers_are_cut() {
        let reason = slack_reason(&"x".repeat(1000));
        assert!(reason.chars().count() <= 201, "{reason}");
    }

    #[test]
    fn destinations_describe_themselves_without_the_secret() {
        let hook = Destination::Webhook(Secret::new("https://hooks.slack.com/services/T/B/sekrit"));
        assert_eq!(hook.describe(), "incoming webhook on hooks.slack.com");
        assert!(!format!("{hook:?}").contains("sekrit"));
        let userinfo = Destination::Webhook(Secret::new("https://user:SECRET@hooks.example.com/x"));
        assert_eq!(userinfo.describe(), "incoming webhook on hooks.example.com");
    }
}
