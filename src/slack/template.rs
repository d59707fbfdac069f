//! `--template FILE` (Block Kit JSON with `${VAR}` placeholders) and `--text` with `${VAR}`s.
//!
//! Values come from ecs-ship's own `ECS_SHIP_*` variables (see `message::variables`), then the
//! environment (`${CIRCLE_BRANCH}`), but never from a variable whose name says it holds a secret.
//! In a template, values are inserted as JSON string content: quotes, backslashes, newlines and
//! control characters are escaped, so no value can change the document's structure.

use serde_json::Value;

use crate::error::Error;
use crate::template::{self, line_column, Lookup, TemplateError};

pub struct Variables<'a> {
    pub builtins: Vec<(&'static str, String)>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Unknown names expand to nothing instead of failing.
    pub allow_missing: bool,
}

impl Variables<'_> {
    fn lookup(&self, name: &str) -> Lookup {
        if let Some((_, value)) = self.builtins.iter().find(|(n, _)| *n == name) {
            return Lookup::Value(value.clone());
        }
        if looks_secret(name) {
            return Lookup::Refused(
                "its name says it holds a secret, so ecs-ship will not put it in a message".into(),
            );
        }
        match (self.env)(name) {
            Some(value) => Lookup::Value(value),
            None if self.allow_missing => Lookup::Value(String::new()),
            None => Lookup::Unknown,
        }
    }
}

/// Names of variables that must not be copied into a Slack message.
fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "WEBHOOK",
        "CREDENTIAL",
        "PRIVATE",
        "KEY",
        "AUTH",
        "COOKIE",
        "SESSION",
    ]
    .iter()
    .any(|word| name.contains(word))
}

fn template_error(source: &str, error: TemplateError) -> Error {
    let hint = match &error.kind {
        template::TemplateErrorKind::Unknown(_) => Some(
            "use one of ecs-ship's ECS_SHIP_* variables or an environment variable, \
             pass --allow-missing to leave unknown ones empty, or write $$ for a literal $",
        ),
        _ => None,
    };
    let message = format!("{source}: {error}");
    match hint {
        Some(hint) => Error::input_with_hint(message, hint),
        None => Error::input(message),
    }
}

/// Expands `text` (for `--text`): values go in as they are, the result is a plain string.
pub fn expand_text(text: &str, variables: &Variables) -> Result<String, Error> {
    template::expand_spans(text, |name| variables.lookup(name))
        .map(|expanded| expanded.text)
        .map_err(|error| template_error("--text", error))
}

/// Renders a Block Kit template into a Slack payload. `name` names the template in errors.
/// A JSON array is taken as the `blocks`; an object must have `blocks`, `text` or `attachments`.
pub fn render(name: &str, template: &str, variables: &Variables) -> Result<Value, Error> {
    let expanded = template::expand_spans(template, |name| match variables.lookup(name) {
        Lookup::Value(value) => Lookup::Value(json_string_content(&value)),
        other => other,
    })
    .map_err(|error| template_error(name, error))?;
    let value: Value = serde_json::from_str(&expanded.text).map_err(|error| {
        let output_offset = offset_of(&expanded.text, error.line(), error.column());
        let (source_offset, inside) = expanded.source_offset(output_offset);
        let (line, column) = line_column(template, source_offset);
        let message = error.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let inside = inside
            .map(|var| format!(" (in the value of ${{{var}}})"))
            .unwrap_or_default();
        Error::input_with_hint(
            format!(
                "{name}: not valid JSON after substituting variables, at line {line}, column {column}{inside}: {message}"
            ),
            "values are inserted as JSON string content, so put each ${VAR} inside \"quotes\"",
        )
    })?;
    let payload = match value {
        Value::Array(blocks) => serde_json::json!({ "blocks": blocks }),
        Value::Object(map)
            if ["blocks", "text", "attachments"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            Value::Object(map)
        }
        _ => {
            return Err(Error::input(format!(
                "{name}: a Slack template must be a JSON object with `blocks`, `text` or `attachments`, or a JSON array of blocks"
            )))
        }
    };
    Ok(payload)
}

/// `value` escaped as the inside of a JSON string (no surrounding quotes).
fn json_string_content(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("strings serialize");
    quoted[1..quoted.len() - 1].to_string()
}

/// The byte offset of serde_json's 1-based line and (byte) column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        match name {
            "CIRCLE_BRANCH" => Some("main".into()),
            "HOSTILE" => Some(
                "\"quoted\" \\back\\ \n new line $(rm -rf /) `id` 🚀 ${CIRCLE_BRANCH} </x>".into(),
            ),
            "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.com/services/T/B/secret".into()),
            _ => None,
        }
    }

    fn vars(allow_missing: bool) -> Variables<'static> {
        Variables {
            builtins: vec![("ECS_SHIP_STATUS", "failed".into())],
            env: &env,
            allow_missing,
        }
    }

    #[test]
    fn hostile_values_stay_inside_their_string() {
        let template = r#"{"text": "${ECS_SHIP_STATUS} on ${CIRCLE_BRANCH}: ${HOSTILE}"}"#;
        let payload = render("t.json", template, &vars(false)).unwrap();
        assert_eq!(
            payload,
            json!({ "text": format!("failed on main: {}", env("HOSTILE").unwrap()) })
        );
    }

    #[test]
    fn an_array_is_the_blocks() {
        let payload = render(
            "t.json",
            r#"[{"type": "section", "text": {"type": "mrkdwn", "text": "${CIRCLE_BRANCH}"}}]"#,
            &vars(false),
        )
        .unwrap();
        assert_eq!(payload["blocks"][0]["text"]["text"], "main");
    }

    #[test]
    fn unknown_placeholders_are_named_unless_allowed() {
        let template = "{\n  \"text\": \"${NOPE}\"\n}";
        let error = render("deploy.json", template, &vars(false))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("deploy.json: line 2, column 12: unknown variable ${NOPE}"),
            "{error}"
        );
        assert!(error.contains("--allow-missing"), "{error}");
        assert_eq!(
            render("t", template, &vars(true)).unwrap(),
            json!({"text": ""})
        );
    }

    #[test]
    fn secrets_are_refused_even_with_allow_missing() {
        let error = render("t.json", r#"{"text": "${SLACK_WEBHOOK_URL}"}"#, &vars(true))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("${SLACK_WEBHOOK_URL}") && error.contains("secret"),
            "{error}"
        );
        assert!(!error.contains("hooks.slack.com"), "{error}");
    }

    #[test]
    fn invalid_json_names_the_template_and_its_position() {
        let template = "{\n  \"text\": \"${CIRCLE_BRANCH}\",\n  \"blocks\": [,]\n}";
        let error = render("msg.json", template, &vars(false))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "msg.json: not valid JSON after substituting variables, at line 3, column 14"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_placeholder_outside_quotes_is_reported_in_its_value() {
        let template = r#"{"text": ${CIRCLE_BRANCH}}"#;
        let error = render("t.json", template, &vars(false))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("column 10 (in the value of ${CIRCLE_BRANCH})"),
            "{error}"
        );
    }

    #[test]
    fn a_template_must_be_a_message() {
        assert!(render("t", r#"{"foo": 1}"#, &vars(false)).is_err());
        assert!(render("t", "3", &vars(false)).is_err());
    }

    #[test]
    fn text_is_expanded_without_json_escaping() {
        assert_eq!(
            expand_text("deploy of ${CIRCLE_BRANCH} \"ok\" costs $5", &vars(false)).unwrap(),
            "deploy of main \"ok\" costs $5"
        );
    }
}
