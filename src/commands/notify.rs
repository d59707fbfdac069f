//! `ecs-ship notify` (post a status message to Slack) and `--notify` on `run-task` and `deploy`
//! (post the command's outcome when it ends; a Slack failure is a warning unless
//! `--notify-strict`).

use regex::Regex;
use serde_json::json;

use crate::ci_context::CiContext;
use crate::cli::{Command, NotifyArgs, NotifyEvent, NotifyStatus};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{self, CommandResult, NotifyResult, PostedMessage};
use crate::render;
use crate::report::Report;
use crate::secret::{redact, Secret};
use crate::slack::message::{self, status_word, Summary};
use crate::slack::template::{self, Variables};
use crate::slack::{Delivered, Destination, Slack, DEFAULT_API_URL};

/// The process environment, the only impure input.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub async fn run(context: &Context, args: &NotifyArgs) -> Result<Report> {
    let ci = CiContext::from_env(process_env);
    let status = args.status.or(ci.job_status).unwrap_or(NotifyStatus::Pass);
    let global = &context.global;
    let summary = Summary {
        env: global.env.clone(),
        cluster: global.cluster.clone(),
        services: global.services.clone(),
        ..Summary::default()
    };
    let delivery = deliver(
        context,
        &ci,
        status,
        &summary,
        args.text.as_deref(),
        &process_env,
    )
    .await?;
    Ok(Report::of(CommandResult::Notify(NotifyResult {
        command: "notify",
        status: status_word(status),
        delivery: delivery.output(),
    })))
}

/// `--notify-start`: posts a `started` message before `run-task` or `deploy` begins, and hands
/// back how that went (for the result's `notify_start`). A Slack failure is a warning; with
/// `--notify-strict` it is an error, and the command stops before it changes anything.
pub async fn before_command(
    context: &Context,
    command: &Command,
) -> Result<Option<output::Delivery>> {
    if !context.global.notify_start {
        return Ok(None);
    }
    let dry_run = match command {
        Command::RunTask(args) => args.dry_run,
        Command::Deploy(args) => args.dry_run,
        other => {
            context.progress.warn(format_args!(
                "--notify-start applies to run-task and deploy, not {}; not posting",
                output::command_name(other)
            ));
            return Ok(None);
        }
    };
    if dry_run {
        context
            .progress
            .say("--notify-start: not posting the start of a dry run");
        return Ok(None);
    }
    let ci = CiContext::from_env(process_env);
    let global = &context.global;
    let summary = Summary {
        command: Some(output::command_name(command).to_string()),
        env: global.env.clone(),
        cluster: global.cluster.clone(),
        services: global.services.clone(),
        ..Summary::default()
    };
    match deliver(
        context,
        &ci,
        NotifyStatus::Started,
        &summary,
        None,
        &process_env,
    )
    .await
    {
        Ok(delivery) => Ok(Some(delivery.output())),
        Err(error) if global.notify_strict => Err(error),
        Err(error) => {
            let message = match &error {
                Error::Other(message) => message.clone(),
                other => format!("could not post to Slack: {other}"),
            };
            context.progress.warn(format_args!(
                "{message} (going on; --notify-strict makes this stop the command)"
            ));
            Ok(Some(output::Delivery::Failed { reason: message }))
        }
    }
}

/// `--notify`: posts the outcome in `report` and records how that went in it. Only a
/// `--notify-strict` failure changes the result, and only of a command that had succeeded.
pub async fn after_command(context: &Context, command: &Command, mut report: Report) -> Report {
    if !context.global.notify {
        return report;
    }
    match command {
        Command::RunTask(_) | Command::Deploy(_) | Command::Continue(_) | Command::Rollback(_) => {}
        Command::Wait(_) => {}
        Command::Notify(_) => return report,
        other => {
            context.progress.warn(format_args!(
                "--notify applies to run-task and deploy, not {}; not posting",
                output::command_name(other)
            ));
            return report;
        }
    };
    let ci = CiContext::from_env(process_env);
    let (status, summary) =
        render::slack::outcome(&report, &context.global, context.progress.elapsed());
    if report.result.is_dry_run() {
        context
            .progress
            .say("--notify: not posting the outcome of a dry run");
        return report;
    }
    let result = deliver(context, &ci, status, &summary, None, &process_env).await;
    let notify = match result {
        Ok(delivery) => delivery.output(),
        Err(error) => {
            let message = match &error {
                Error::Other(message) => message.clone(),
                other => format!("could not post to Slack: {other}"),
            };
            let strict = context.global.notify_strict;
            if strict && report.failure.is_none() {
                report.result.fail(1, message.clone());
                report.failure = Some(Error::Other(message.clone()));
            } else {
                let unchanged = if report.failure.is_some() {
                    format!("exit code stays {}", report.exit_code())
                } else if strict {
                    String::new()
                } else {
                    "the command's result is unchanged; --notify-strict makes this fail".into()
                };
                context.progress.warn(format_args!(
                    "{message}{}",
                    if unchanged.is_empty() {
                        String::new()
                    } else {
                        format!(" ({unchanged})")
                    }
                ));
            }
            output::Delivery::Failed { reason: message }
        }
    };
    report.notify = Some(notify);
    report
}

/// What came of a message that was due, or why none was.
enum Delivery {
    Posted {
        destination: Destination,
        messages: Vec<Delivered>,
    },
    Skipped(String),
}

impl Delivery {
    fn output(&self) -> output::Delivery {
        match self {
            Delivery::Posted {
                destination,
                messages,
            } => output::Delivery::Posted {
                transport: destination.transport(),
                messages: messages
                    .iter()
                    .map(|m| PostedMessage {
                        channel: m.channel.clone(),
                        ts: m.ts.clone(),
                    })
                    .collect(),
            },
            Delivery::Skipped(reason) => output::Delivery::Skipped {
                reason: reason.clone(),
            },
        }
    }
}

/// Checks the message settings, builds the message, and posts it when `--event` and
/// `--branch-pattern` say it is due.
async fn deliver(
    context: &Context,
    ci: &CiContext,
    status: NotifyStatus,
    summary: &Summary,
    text: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Delivery> {
    let settings = &context.global.slack;
    let progress = &context.progress;
    let mentions = match &settings.mention {
        Some(mention) => message::parse_mentions(mention).map_err(Error::input)?,
        None => vec![],
    };
    let pattern = settings
        .branch_pattern
        .as_deref()
        .map(|pattern| {
            Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
                Error::input(format!(
                    "--branch-pattern `{pattern}` is not a valid regular expression: {e}"
                ))
            })
        })
        .transpose()?;
    let variables = Variables {
        builtins: message::variables(status, ci, summary, &mentions),
        env,
        allow_missing: settings.allow_missing,
    };
    // The message is built (and a bad template reported) even when it is not due.
    let payload = payload(context, status, ci, summary, text, &mentions, &variables)?;
    if let Some(why) = not_due(context, status, ci, pattern.as_ref()) {
        return Ok(Delivery::Skipped(why));
    }

    let destination = destination(context, env)?;
    let secret = match &destination {
        Destination::Webhook(url) => url.clone(),
        Destination::Bot { token, .. } => token.clone(),
    };
    progress.debug(redact(&format!("Slack message: {payload}"), &[&secret]));
    let slack =
        Slack::new(destination, progress.clone()).map_err(|e| Error::Other(e.to_string()))?;
    progress.say(format_args!(
        "posting the `{}` message to Slack ({})",
        status_word(status),
        slack.destination().describe()
    ));
    let messages = slack
        .post(&payload, context.hard_stop())
        .await
        .map_err(|e| Error::Other(format!("could not post to Slack: {e}")))?;
    progress.say("✓ posted to Slack");
    Ok(Delivery::Posted {
        destination: slack.destination().clone(),
        messages,
    })
}

/// The message: the `--template`, the `--text`, or the built-in one.
fn payload(
    context: &Context,
    status: NotifyStatus,
    ci: &CiContext,
    summary: &Summary,
    text: Option<&str>,
    mentions: &[String],
    variables: &Variables,
) -> Result<serde_json::Value> {
    let settings = &context.global.slack;
    Ok(match (&settings.template, text) {
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--text and --template cannot be combined: the template is the whole message"
                    .into(),
            ))
        }
        (Some(path), None) => {
            let name = path.display().to_string();
            let source = crate::read_file::to_string(path)
                .map_err(|e| Error::input(format!("cannot read the template {name}: {e}")))?;
            let mut payload = template::render(&name, &source, variables)?;
            if payload.get("text").is_none() {
                // Slack shows `text` in notifications when a message has blocks.
                payload["text"] = json!(message::headline(status, ci, summary));
            }
            payload
        }
        (None, Some(text)) => {
            let text = template::expand_text(text, variables)?;
            let text = if mentions.is_empty() {
                text
            } else {
                format!("{} {text}", mentions.join(" "))
            };
            json!({ "text": text })
        }
        (None, None) => message::build(status, ci, summary, mentions),
    })
}

/// Why a message is not due (`--event`, `--branch-pattern`), said on the way; none when it is.
fn not_due(
    context: &Context,
    status: NotifyStatus,
    ci: &CiContext,
    pattern: Option<&Regex>,
) -> Option<String> {
    let settings = &context.global.slack;
    let progress = &context.progress;
    let wanted = matches!(
        (settings.event, status),
        (NotifyEvent::Always, _)
            | (NotifyEvent::Pass, NotifyStatus::Pass)
            | (NotifyEvent::Fail, NotifyStatus::Fail)
    );
    if !wanted {
        let why = format!(
            "--event {}: not posting a `{}` message",
            event_name(settings.event),
            status_word(status)
        );
        progress.say(format_args!("Slack: {why}"));
        return Some(why);
    }
    if let Some(pattern) = pattern {
        let skip = match ci.git_ref() {
            Some(branch) if pattern.is_match(branch) => None,
            Some(branch) => Some(format!(
                "branch `{branch}` does not match --branch-pattern `{}`",
                settings.branch_pattern.as_deref().unwrap_or_default()
            )),
            None => Some("no branch is known to match --branch-pattern against".to_string()),
        };
        if let Some(why) = skip {
            progress.say(format_args!("Slack: {why}; not posting"));
            return Some(why);
        }
    }
    None
}

fn event_name(event: NotifyEvent) -> &'static str {
    match event {
        NotifyEvent::Pass => "pass",
        NotifyEvent::Fail => "fail",
        NotifyEvent::Always => "always",
    }
}

/// A bot token with channels (chat.postMessage), else an incoming webhook.
fn destination(context: &Context, env: &dyn Fn(&str) -> Option<String>) -> Result<Destination> {
    let settings = &context.global.slack;
    let present = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let webhook = settings
        .webhook_url
        .clone()
        .filter(|url| !url.is_empty())
        .or_else(|| {
            present(env("ECS_SHIP_WEBHOOK_URL"))
                .or_else(|| present(env("SLACK_WEBHOOK")))
                .map(Secret::new)
        });
    let token = present(env("SLACK_ACCESS_TOKEN"))
        .or_else(|| present(env("SLACK_BOT_TOKEN")))
        .map(Secret::new);
    let channels: Vec<String> = settings
        .channel
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().trim_start_matches('#').to_string())
        .filter(|c| !c.is_empty())
        .collect();
    match (token, webhook) {
        (Some(token), _) if !channels.is_empty() => Ok(Destination::Bot {
            token,
            channels,
            api_url: present(env("ECS_SHIP_SLACK_API_URL"))
                .unwrap_or_else(|| DEFAULT_API_URL.into()),
        }),
        (_, Some(url)) => {
            crate::checks::webhook_url(&url)?;
            if !channels.is_empty() {
                context.progress.warn(
                    "--channel is ignored: an incoming webhook posts to the channel it was created for \
                     (set SLACK_ACCESS_TOKEN to post to channels with a bot token)",
                );
            }
            Ok(Destination::Webhook(url))
        }
        (Some(_), None) => Err(Error::input_with_hint(
            "SLACK_ACCESS_TOKEN is set but no channel is given",
            "pass --channel C0123456789 (or ECS_SHIP_CHANNEL), comma-separated for several",
        )),
        (None, None) => Err(Error::input_with_hint(
            "no Slack destination: neither a webhook URL nor a bot token is set",
            "set SLACK_WEBHOOK_URL (an incoming webhook), or SLACK_ACCESS_TOKEN and --channel",
        )),
    }
}
