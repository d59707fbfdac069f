//! The built-in Block Kit messages (started / succeeded / failed) and the variables templates
//! can use, built purely from the status, the CI context and a summary of the outcome.

use std::time::Duration;

use serde_json::{json, Value};

use crate::ci_context::CiContext;
use crate::cli::NotifyStatus;
use crate::duration::human;

/// Slack's limits: a section's text, a field's text, a header's text, fields per section.
const SECTION_TEXT_MAX: usize = 3000;
const FIELD_TEXT_MAX: usize = 2000;
const HEADER_TEXT_MAX: usize = 150;
const FIELDS_PER_SECTION: usize = 10;

/// What happened, as far as the message is concerned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// `deploy`, `run-task`, or none for a plain `notify`.
    pub command: Option<String>,
    pub env: Option<String>,
    pub cluster: Option<String>,
    pub services: Vec<String>,
    /// Task-definition ARN or `family:revision`.
    pub task_definitions: Vec<String>,
    pub duration: Option<Duration>,
    pub exit_code: Option<i32>,
    /// Why it failed, one line.
    pub reason: Option<String>,
    /// The stopped tasks' stoppedReason (and containers' reasons), deduplicated.
    pub stopped_reasons: Vec<String>,
    /// More about the failure, one line each (per-service results, rollbacks).
    pub details: Vec<String>,
    pub log_tail: Vec<String>,
    pub events: Vec<String>,
    pub console_url: Option<String>,
    /// The command's own result when it says more than pass or fail (`paused`).
    pub result: Option<String>,
    /// Scheduled tasks moved to the new revision (`rule default/nightly target job: web:7 →
    /// web:8`), one line each.
    pub scheduled: Vec<String>,
}

impl Summary {
    fn subject(&self) -> &'static str {
        match self.command.as_deref() {
            Some("run-task") => "Migration task",
            Some("deploy") => "Deploy",
            Some("rollback") => "Rollback",
            _ => "Deployment",
        }
    }
}

pub fn status_word(status: NotifyStatus) -> &'static str {
    match status {
        NotifyStatus::Started => "started",
        NotifyStatus::Pass => "succeeded",
        NotifyStatus::Fail => "failed",
        NotifyStatus::Cancelled => "cancelled",
    }
}

fn status_emoji(status: NotifyStatus) -> &'static str {
    match status {
        NotifyStatus::Started => "🚀",
        NotifyStatus::Pass => "✅",
        NotifyStatus::Fail => "❌",
        NotifyStatus::Cancelled => "⚪",
    }
}

/// `@here`, `@channel`, `@everyone`, user ids (`U…`, `W…`), group ids (`S…`), comma- or
/// space-separated, as Slack's mention syntax; also accepts already-formatted `<…>` mentions.
pub fn parse_mentions(text: &str) -> Result<Vec<String>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(|mention| {
            let bare = mention.trim_start_matches('@');
            let id_like = |rest: &str| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            };
            match bare {
                "here" | "channel" | "everyone" => Ok(format!("<!{bare}>")),
                _ if mention.starts_with('<') && mention.ends_with('>') => Ok(mention.to_string()),
                _ if (bare.starts_with('U') || bare.starts_with('W')) && id_like(&bare[1..]) => {
                    Ok(format!("<@{bare}>"))
                }
                _ if bare.starts_with('S') && id_like(&bare[1..]) => {
                    Ok(format!("<!subteam^{bare}>"))
                }
                _ => Err(format!(
                    "--mention: `{mention}` is not @here, @channel, a user id (U…) or a group id (S…)"
                )),
            }
        })
        .collect()
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn link(url: &str, label: &str) -> String {
    let url = url
        .replace('|', "%7C")
        .replace('>', "%3E")
        .replace('<', "%3C");
    format!("<{url}|{}>", escape(label).replace('|', "¦"))
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `family:revision` from a task-definition ARN.
pub fn revision(task_definition: &str) -> &str {
    task_definition
        .rsplit_once("task-definition/")
        .map_or(task_definition, |(_, name)| name)
}

/// One line for notifications and the `text` fallback of block messages.
pub fn headline(status: NotifyStatus, ci: &CiContext, summary: &Summary) -> String {
    let paused = status == NotifyStatus::Pass && summary.result.as_deref() == Some("paused");
    let mut line = format!(
        "{} {} {}",
        if paused { "⏸" } else { status_emoji(status) },
        summary.subject(),
        if paused {
            "paused, waiting for approval"
        } else {
            status_word(status)
        }
    );
    match (&ci.project, &summary.env) {
        (Some(project), Some(env)) => line.push_str(&format!(" — {project} ({env})")),
        (Some(project), None) => line.push_str(&format!(" — {project}")),
        (None, Some(env)) => line.push_str(&format!(" — {env}")),
        (None, None) => {}
    }
    line
}

/// The full built-in message: `text` fallback plus blocks.
pub fn build(
    status: NotifyStatus,
    ci: &CiContext,
    summary: &Summary,
    mentions: &[String],
) -> Value {
    let headline = headline(status, ci, summary);
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(&headline, HEADER_TEXT_MAX), "emoji": true },
    })];
    if !mentions.is_empty() {
        blocks.push(section(&mentions.join(" ")));
    }
    let fields = fields(ci, summary);
    for chunk in fields.chunks(FIELDS_PER_SECTION) {
        blocks.push(json!({
            "type": "section",
            "fields": chunk.iter().map(|f| json!({ "type": "mrkdwn", "text": f })).collect::<Vec<_>>(),
        }));
    }
    if status == NotifyStatus::Fail {
        blocks.extend(failure_blocks(summary));
    } else if !summary.details.is_empty() {
        let details: Vec<String> = summary
            .details
            .iter()
            .map(|d| format!("• {}", escape(d)))
            .collect();
        blocks.push(section(&details.join("\n")));
    }
    let mut context = vec![format!("ecs-ship {}", env!("CARGO_PKG_VERSION"))];
    context.push(ci.provider.name().to_string());
    if let Some(url) = &summary.console_url {
        context.push(link(url, "ECS console"));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": context.join(" · ") }],
    }));
    let mut text = headline;
    if let Some(reason) = summary
        .reason
        .as_deref()
        .filter(|_| status == NotifyStatus::Fail)
    {
        text.push_str(": ");
        text.push_str(&truncate(reason, 300));
    }
    if !mentions.is_empty() {
        text = format!("{} {text}", mentions.join(" "));
    }
    json!({ "text": text, "blocks": blocks })
}

fn section(text: &str) -> Value {
    json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX) },
    })
}

fn fields(ci: &CiContext, summary: &Summary) -> Vec<String> {
    let mut fields = vec![];
    let mut add = |label: &str, value: String| {
        fields.push(truncate(&format!("*{label}*\n{value}"), FIELD_TEXT_MAX));
    };
    if let Some(project) = &ci.project {
        add("Project", escape(project));
    }
    if let Some(env) = &summary.env {
        add("Environment", escape(env));
    }
    if let Some(branch) = &ci.branch {
        add("Branch", format!("`{}`", escape(branch)));
    } else if let Some(tag) = &ci.tag {
        add("Tag", format!("`{}`", escape(tag)));
    }
    if let Some(short) = ci.short_sha() {
        add(
            "Commit",
            match &ci.commit_url {
                Some(url) => link(url, short),
                None => format!("`{}`", escape(short)),
            },
        );
    }
    if let Some(actor) = &ci.actor {
        add("Triggered by", escape(actor));
    }
    if ci.job_url.is_some() || ci.job_name.is_some() {
        let mut label = ci.job_name.clone().unwrap_or_else(|| "job".into());
        if let Some(number) = &ci.build_number {
            label.push_str(&format!(" #{number}"));
        }
        add(
            "CI job",
            match &ci.job_url {
                Some(url) => link(url, &label),
                None => escape(&label),
            },
        );
    }
    if let Some(duration) = summary.duration {
        add("Duration", human(duration));
    }
    if let Some(cluster) = &summary.cluster {
        add("Cluster", escape(cluster));
    }
    if !summary.services.is_empty() {
        add(
            if summary.services.len() == 1 {
                "Service"
            } else {
                "Services"
            },
            escape(&summary.services.join(", ")),
        );
    }
    if !summary.task_definitions.is_empty() {
        let names: Vec<&str> = summary
            .task_definitions
            .iter()
            .map(|t| revision(t))
            .collect();
        add(
            "Task definition",
            format!("`{}`", escape(&names.join("`, `"))),
        );
    }
    if !summary.scheduled.is_empty() {
        add(
            "Scheduled tasks moved",
            escape(&summary.scheduled.join("\n")),
        );
    }
    fields
}

fn failure_blocks(summary: &Summary) -> Vec<Value> {
    let mut why = vec![];
    if let Some(reason) = &summary.reason {
        why.push(format!("*Why:* {}", escape(reason)));
    }
    if let Some(code) = summary.exit_code {
        why.push(format!("*Exit code:* {code}"));
    }
    for reason in &summary.stopped_reasons {
        why.push(format!("*Stopped reason:* {}", escape(reason)));
    }
    for detail in &summary.details {
        why.push(format!("• {}", escape(detail)));
    }
    let mut blocks = vec![];
    if !why.is_empty() {
        blocks.push(section(&why.join("\n")));
    }
    if !summary.log_tail.is_empty() {
        let title = format!(
            "*Last {} log line{} of the task*\n",
            summary.log_tail.len(),
            if summary.log_tail.len() == 1 { "" } else { "s" }
        );
        blocks.push(section(&format!(
            "{title}```{}```",
            tail_that_fits(
                &summary.log_tail,
                SECTION_TEXT_MAX - title.len() - 6,
                |line| {
                    // A ``` inside a log line would end the code block.
                    escape(line).replace("```", "`\u{200b}``")
                }
            )
        )));
    }
    if !summary.events.is_empty() {
        let title = "*Latest service events*\n";
        blocks.push(section(&format!(
            "{title}{}",
            tail_that_fits(&summary.events, SECTION_TEXT_MAX - title.len(), |event| {
                format!("• {}", escape(event))
            })
        )));
    }
    blocks
}

/// The last lines (after `render`) that fit in `budget` characters, joined by newlines.
fn tail_that_fits(lines: &[String], budget: usize, render: impl Fn(&str) -> String) -> String {
    let mut kept: Vec<String> = vec![];
    let mut used = 0;
    for line in lines.iter().rev() {
        let line = truncate(&render(line), 500);
        let cost = line.chars().count() + 1;
        if used + cost > budget {
            break;
        }
        used += cost;
        kept.push(line);
    }
    kept.reverse();
    kept.join("\n")
}

/// The `${VAR}`s a template can use (besides the CI system's own variables).
pub fn variables(
    status: NotifyStatus,
    ci: &CiContext,
    summary: &Summary,
    mentions: &[String],
) -> Vec<(&'static str, String)> {
    let opt = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        ("ECS_SHIP_STATUS", status_word(status).to_string()),
        ("ECS_SHIP_STATUS_EMOJI", status_emoji(status).to_string()),
        ("ECS_SHIP_HEADLINE", headline(status, ci, summary)),
        ("ECS_SHIP_COMMAND", opt(&summary.command)),
        ("ECS_SHIP_ENV", opt(&summary.env)),
        ("ECS_SHIP_CI", ci.provider.name().to_string()),
        ("ECS_SHIP_PROJECT", opt(&ci.project)),
        ("ECS_SHIP_BRANCH", opt(&ci.branch)),
        ("ECS_SHIP_TAG", opt(&ci.tag)),
        ("ECS_SHIP_COMMIT", opt(&ci.sha)),
        (
            "ECS_SHIP_COMMIT_SHORT",
            ci.short_sha().unwrap_or_default().to_string(),
        ),
        ("ECS_SHIP_COMMIT_URL", opt(&ci.commit_url)),
        ("ECS_SHIP_ACTOR", opt(&ci.actor)),
        ("ECS_SHIP_JOB_NAME", opt(&ci.job_name)),
        ("ECS_SHIP_JOB_URL", opt(&ci.job_url)),
        ("ECS_SHIP_BUILD_NUMBER", opt(&ci.build_number)),
        (
            "ECS_SHIP_DURATION",
            summary.duration.map(human).unwrap_or_default(),
        ),
        ("ECS_SHIP_CLUSTER", opt(&summary.cluster)),
        ("ECS_SHIP_SERVICE", summary.services.join(", ")),
        (
            "ECS_SHIP_TASK_DEFINITION",
            summary
                .task_definitions
                .iter()
                .map(|t| revision(t))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "ECS_SHIP_EXIT_CODE",
            summary.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("ECS_SHIP_REASON", opt(&summary.reason)),
        (
            "ECS_SHIP_STOPPED_REASON",
            summary.stopped_reasons.join("; "),
        ),
        ("ECS_SHIP_LOG_TAIL", summary.log_tail.join("\n")),
        ("ECS_SHIP_EVENTS", summary.events.join("\n")),
        ("ECS_SHIP_CONSOLE_URL", opt(&summary.console_url)),
        ("ECS_SHIP_SCHEDULED_TASKS", summary.scheduled.join("\n")),
        ("ECS_SHIP_MENTION", mentions.join(" ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci_context::Provider;

    fn ci() -> CiContext {
        CiContext {
            provider: Provider::CircleCi,
            project: Some("hoge-inc/hoge".into()),
            branch: Some("production".into()),
            tag: None,
            sha: Some("0123456789abcdef".into()),
            commit_url: Some("https://github.com/hoge-inc/hoge/commit/0123456789abcdef".into()),
            actor: Some("nari".into()),
            job_name: Some("deploy".into()),
            job_url: Some("https://circleci.com/gh/hoge-inc/hoge/42".into()),
            build_number: Some("42".into()),
            job_status: None,
        }
    }

    fn field_texts(message: &Value) -> Vec<String> {
        message["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| b["fields"].as_array())
            .flatten()
            .map(|f| f["text"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn success_has_header_fields_and_links() {
        let summary = Summary {
            command: Some("deploy".into()),
            env: Some("prod".into()),
            cluster: Some("hoge-prod".into()),
            services: vec!["hoge-service-prod".into()],
            task_definitions: vec![
                "arn:aws:ecs:ap-northeast-1:1:task-definition/hoge-apps-service-prod:12".into(),
            ],
            duration: Some(Duration::from_secs(95)),
            ..Summary::default()
        };
        let message = build(NotifyStatus::Pass, &ci(), &summary, &[]);
        assert_eq!(message["blocks"][0]["type"], "header");
        assert_eq!(
            message["blocks"][0]["text"]["text"],
            "✅ Deploy succeeded — hoge-inc/hoge (prod)"
        );
        assert_eq!(
            message["text"],
            "✅ Deploy succeeded — hoge-inc/hoge (prod)"
        );
        let fields = field_texts(&message);
        for expected in [
            "*Project*\nhoge-inc/hoge",
            "*Environment*\nprod",
            "*Branch*\n`production`",
            "*Commit*\n<https://github.com/hoge-inc/hoge/commit/0123456789abcdef|0123456>",
            "*Triggered by*\nnari",
            "*CI job*\n<https://circleci.com/gh/hoge-inc/hoge/42|deploy #42>",
            "*Cluster*\nhoge-prod",
            "*Service*\nhoge-service-prod",
            "*Task definition*\n`hoge-apps-service-prod:12`",
        ] {
            assert!(
                fields.contains(&expected.to_string()),
                "{expected:?} not in {fields:#?}"
            );
        }
        assert!(fields.iter().any(|f| f.starts_with("*Duration*\n")));
        let text = message.to_string();
        assert!(!text.contains("Why"), "{text}");
    }

    #[test]
    fn failure_says_why_with_log_tail_and_events() {
        let summary = Summary {
            command: Some("run-task".into()),
            exit_code: Some(3),
            reason: Some("task failed with exit code 3: Essential container in task exited".into()),
            stopped_reasons: vec!["Essential container in task exited".into()],
            log_tail: vec![
                "== 20240101 AddThings: migrating".into(),
                "rake aborted! <PG::Error> & ```x".into(),
            ],
            events: vec!["(service s) failed to launch a task".into()],
            ..Summary::default()
        };
        let message = build(NotifyStatus::Fail, &ci(), &summary, &["<!here>".into()]);
        let blocks = message["blocks"].as_array().unwrap();
        assert_eq!(
            blocks[0]["text"]["text"],
            "❌ Migration task failed — hoge-inc/hoge"
        );
        assert_eq!(blocks[1]["text"]["text"], "<!here>");
        let texts: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b["text"]["text"].as_str())
            .collect();
        let why = texts.iter().find(|t| t.starts_with("*Why:*")).unwrap();
        assert!(
            why.contains("*Exit code:* 3") && why.contains("*Stopped reason:* Essential container"),
            "{why}"
        );
        let logs = texts
            .iter()
            .find(|t| t.starts_with("*Last 2 log lines"))
            .unwrap();
        assert!(
            logs.contains("rake aborted! &lt;PG::Error&gt; &amp; `\u{200b}``x```"),
            "{logs}"
        );
        let events = texts
            .iter()
            .find(|t| t.starts_with("*Latest service events*"))
            .unwrap();
        assert!(
            events.contains("• (service s) failed to launch a task"),
            "{events}"
        );
        assert!(message["text"]
            .as_str()
            .unwrap()
            .starts_with("<!here> ❌ Migration task failed"));
    }

    #[test]
    fn long_log_tails_keep_the_last_lines_within_slack_limits() {
        let summary = Summary {
            log_tail: (0..20)
                .map(|i| format!("{i:02} {}", "x".repeat(400)))
                .collect(),
            ..Summary::default()
        };
        let message = build(NotifyStatus::Fail, &ci(), &summary, &[]);
        for block in message["blocks"].as_array().unwrap() {
            if let Some(text) = block["text"]["text"].as_str() {
                assert!(text.chars().count() <= SECTION_TEXT_MAX, "{}", text.len());
            }
        }
        let text = message.to_string();
        assert!(text.contains("19 xxx") && !text.contains("00 xxx"));
    }

    #[test]
    fn cancelled_is_neutral_without_a_failure_section() {
        let summary = Summary {
            env: Some("stg".into()),
            reason: Some("interrupted by SIGINT".into()),
            ..Summary::default()
        };
        let message = build(NotifyStatus::Cancelled, &ci(), &summary, &[]);
        assert_eq!(
            message["blocks"][0]["text"]["text"],
            "⚪ Deployment cancelled — hoge-inc/hoge (stg)"
        );
        assert_eq!(
            message["text"],
            "⚪ Deployment cancelled — hoge-inc/hoge (stg)"
        );
        let text = message.to_string();
        assert!(!text.contains("❌") && !text.contains("✅"), "{text}");
    }

    #[test]
    fn mentions() {
        assert_eq!(
            parse_mentions("@here, U123ABC S0G1 <@W9>").unwrap(),
            ["<!here>", "<@U123ABC>", "<!subteam^S0G1>", "<@W9>"]
        );
        assert!(parse_mentions("@bob").unwrap_err().contains("`@bob`"));
    }

    #[test]
    fn started_has_no_failure_section_and_variables_cover_the_fields() {
        let summary = Summary {
            env: Some("stg".into()),
            ..Summary::default()
        };
        let message = build(NotifyStatus::Started, &ci(), &summary, &[]);
        assert_eq!(
            message["blocks"][0]["text"]["text"],
            "🚀 Deployment started — hoge-inc/hoge (stg)"
        );
        let vars = variables(NotifyStatus::Started, &ci(), &summary, &[]);
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(get("ECS_SHIP_STATUS"), "started");
        assert_eq!(get("ECS_SHIP_COMMIT_SHORT"), "0123456");
        assert_eq!(get("ECS_SHIP_ENV"), "stg");
    }
}
