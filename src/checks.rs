//! Local checks of values AWS (or Slack) would refuse, and of inputs that contradict each
//! other: each fails before any AWS call, as a usage error naming the flag (and, for a
//! conflict, both sides). The `fn(&str) -> Result<String, String>` ones are clap value parsers,
//! so a bad value from a flag, an `ECS_SHIP_*` variable or `ecs-ship.toml` is refused alike.
//! Pure functions of their input: nothing here imports the command line or a command, so
//! `cli.rs` can use them without a loop (`preflight.rs` checks what needs more).

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// An entry of a list flag (`--subnets a,,b`), or a name, that must not be empty.
pub fn non_empty(text: &str) -> std::result::Result<String, String> {
    if text.trim().is_empty() {
        return Err("is empty (an empty entry, or `,,`?)".into());
    }
    Ok(text.to_string())
}

/// `--region`: what AWS region names look like (`us-east-1`, `cn-north-1`, `us-gov-west-1`).
pub fn region(text: &str) -> std::result::Result<String, String> {
    if text.is_empty() {
        return Err("--region is empty".into());
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "`{text}` is not an AWS region name (e.g. us-east-1, ap-northeast-1)"
        ));
    }
    Ok(text.to_string())
}

/// An image reference (`ecr resolve IMAGE`), as the OCI distribution spec reads it.
pub fn image(text: &str) -> std::result::Result<String, String> {
    crate::image_reference::check(text).map(|()| text.to_string())
}

/// `--started-by`: ECS takes up to 128 letters, digits, `-` and `_`.
pub fn started_by(text: &str) -> std::result::Result<String, String> {
    let ok = (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err("ECS takes 1 to 128 letters, digits, `-` and `_`".into());
    }
    Ok(text.to_string())
}

/// `--branch-pattern`: a regular expression.
pub fn regex(text: &str) -> std::result::Result<String, String> {
    regex::Regex::new(text)
        .map(|_| text.to_string())
        .map_err(|e| format!("not a valid regular expression: {e}"))
}

/// `--image ''`: images were given, and every one is empty — which would deploy nothing new.
/// (Single empty entries are the gaps of a space-separated `ECS_SHIP_IMAGE`.)
pub fn images_given(images: &[String]) -> Result<()> {
    if !images.is_empty() && images.iter().all(|i| i.trim().is_empty()) {
        return Err(Error::Usage(
            "--image is empty: give CONTAINER=IMAGE[:TAG|@DIGEST] (or leave --image out)".into(),
        ));
    }
    Ok(())
}

/// A Slack webhook URL is http(s) (the message never repeats it).
pub fn webhook_url(url: &Secret) -> Result<()> {
    if !url.expose().starts_with("https://") && !url.expose().starts_with("http://") {
        return Err(Error::Usage(
            "the Slack webhook URL does not start with https:// (check SLACK_WEBHOOK_URL / --webhook-url)"
                .into(),
        ));
    }
    Ok(())
}

/// An environment variable (or secret) name ECS accepts: no whitespace, `=` or control
/// characters.
pub fn env_name(name: &str, flag: &str) -> Result<()> {
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '=')
    {
        return Err(Error::Usage(format!(
            "{flag}: the variable name `{name}` contains {bad:?}, which ECS does not accept in a name"
        )));
    }
    Ok(())
}

/// The top-level keys of an ECS `TaskOverride`.
const TASK_OVERRIDE_KEYS: [&str; 9] = [
    "containerOverrides",
    "cpu",
    "ephemeralStorage",
    "executionRoleArn",
    "inferenceAcceleratorOverrides",
    "memory",
    "taskRoleArn",
    "volumeConfigurations",
    "tags",
];

/// The unknown top-level keys of an `--overrides` document, each with the nearest known one.
pub fn unknown_override_keys(overrides: &Map<String, Value>) -> Vec<String> {
    overrides
        .keys()
        .filter(|key| !TASK_OVERRIDE_KEYS.contains(&key.as_str()))
        .map(|key| {
            let nearest = TASK_OVERRIDE_KEYS
                .iter()
                .min_by_key(|known| edit_distance(key, known))
                .expect("known keys");
            format!("--overrides: unknown TaskOverride key `{key}` (did you mean `{nearest}`?)")
        })
        .collect()
}

/// `--command` replaces the watched container's command: an `--overrides` that sets one too
/// contradicts it.
pub fn command_conflict(overrides: &Map<String, Value>, container: &str) -> Result<()> {
    let sets_command = overrides
        .get("containerOverrides")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|entry| {
            entry.get("name").and_then(Value::as_str) == Some(container)
                && entry.get("command").is_some()
        });
    if sets_command {
        return Err(Error::Usage(format!(
            "--command (or --command-json) and --overrides both set the command of container `{container}`; give one"
        )));
    }
    Ok(())
}

/// `--capacity-provider-strategy`: a non-empty list of objects naming a provider.
pub fn capacity_provider_strategy(strategy: &Value) -> Result<()> {
    let entries = strategy
        .as_array()
        .ok_or_else(|| Error::Usage("--capacity-provider-strategy must be a JSON list".into()))?;
    if entries.is_empty() {
        return Err(Error::Usage(
            "--capacity-provider-strategy is empty: name at least one provider (provider=FARGATE)"
                .into(),
        ));
    }
    let named = |entry: &Value| {
        entry
            .get("capacityProvider")
            .and_then(Value::as_str)
            .is_some_and(|name| !name.is_empty())
    };
    if !entries.iter().all(named) {
        return Err(Error::Usage(
            "--capacity-provider-strategy: every entry needs a non-empty capacityProvider".into(),
        ));
    }
    Ok(())
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn list_entries_and_regions_must_not_be_empty() {
        assert!(non_empty("").is_err());
        assert!(non_empty(" ").is_err());
        assert_eq!(non_empty("subnet-1"), Ok("subnet-1".into()));
        assert_eq!(region("").unwrap_err(), "--region is empty");
        assert!(region("us east 1").is_err());
        assert_eq!(region("ap-northeast-1"), Ok("ap-northeast-1".into()));
    }

    #[test]
    fn started_by_and_images_are_checked() {
        assert!(started_by("ecs-ship_ci-42").is_ok());
        for bad in ["", "has space", "ü", &"x".repeat(129)] {
            assert!(started_by(bad).is_err(), "{bad:?}");
        }
        assert!(image("repo:tag").is_ok());
        assert!(image("repo@sha256:abc").unwrap_err().contains("digest"));
    }

    #[test]
    fn env_names_with_spaces_are_refused() {
        assert!(env_name("RAILS_ENV", "--set-env").is_ok());
        let error = env_name("MY VAR", "--set-env").unwrap_err();
        assert_eq!(error.code(), 2);
        assert!(error.to_string().contains("`MY VAR`"), "{error}");
    }

    #[test]
    fn unknown_override_keys_name_the_nearest_known_one() {
        let overrides = json!({"contanerOverrides": [], "cpu": "256"});
        let warnings = unknown_override_keys(overrides.as_object().unwrap());
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("did you mean `containerOverrides`"),
            "{warnings:?}"
        );
    }

    #[test]
    fn command_and_overrides_command_conflict() {
        let overrides = json!({"containerOverrides": [{"name": "app", "command": ["x"]}]});
        let overrides = overrides.as_object().unwrap();
        assert!(command_conflict(overrides, "app").is_err());
        assert!(command_conflict(overrides, "worker").is_ok());
    }

    #[test]
    fn webhook_urls_must_be_http() {
        assert!(webhook_url(&Secret::new("https://hooks.slack.com/services/T/B/x")).is_ok());
        let error = webhook_url(&Secret::new("ftp://hooks.slack.com/services/T/B/x")).unwrap_err();
        assert_eq!(error.code(), 2);
        assert!(!error.to_string().contains("services/T"));
    }

    #[test]
    fn capacity_provider_strategies_must_name_providers() {
        assert!(capacity_provider_strategy(&json!([])).is_err());
        assert!(capacity_provider_strategy(&json!([{"weight": 1}])).is_err());
        assert!(capacity_provider_strategy(&json!([{"capacityProvider": "FARGATE"}])).is_ok());
    }
}
