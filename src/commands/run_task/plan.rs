//! What run-task was asked to do, checked before anything touches AWS: the command, the
//! environment and image changes, `--overrides` and the capacity provider strategy; and the
//! TaskOverride they make for the task definition it runs.

use serde_json::{json, Map, Value};

use crate::checks;
use crate::cli::RunTaskArgs;
use crate::error::{Error, Result};
use crate::image_update::{self, ImageUpdate};
use crate::task_definition::{Change, TaskDefinition};

/// The flags, checked before anything touches AWS.
pub(super) struct Plan {
    pub(super) images: Vec<Change>,
    /// `--image CONTAINER=:TAG` and `--container-image-name-updates`, applied to the images
    /// the task definition has.
    pub(super) image_updates: Vec<ImageUpdate>,
    command: Option<Vec<String>>,
    set_env: Vec<Change>,
    overrides: Map<String, Value>,
    pub(super) capacity_provider_strategy: Option<Value>,
    /// What is odd but allowed (an unknown `--overrides` key without `--strict`).
    pub(super) warnings: Vec<String>,
}

impl Plan {
    pub(super) fn from_args(args: &RunTaskArgs) -> Result<Self> {
        let command = match (&args.command, &args.command_json) {
            (Some(text), _) => Some(shell_words::split(text).map_err(|e| {
                Error::input(format!(
                    "--command `{text}` cannot be split into words: {e}"
                ))
            })?),
            (None, Some(text)) => Some(serde_json::from_str::<Vec<String>>(text).map_err(|e| {
                Error::input_with_hint(
                    format!("--command-json is not a JSON array of strings: {e}"),
                    r#"e.g. --command-json '["rails", "db:migrate"]'"#,
                )
            })?),
            (None, None) => None,
        };
        if command.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::input("the command is empty"));
        }
        let overrides = match &args.overrides {
            Some(text) => match read_json_argument(text, "--overrides")? {
                Value::Object(map) => map,
                _ => {
                    return Err(Error::input(
                        "--overrides must be a JSON object (an ECS TaskOverride)",
                    ))
                }
            },
            None => Map::new(),
        };
        let warnings = checks::unknown_override_keys(&overrides);
        if let (true, Some(unknown)) = (args.strict, warnings.first()) {
            return Err(Error::Usage(format!("{unknown}; refused under --strict")));
        }
        let (images, image_updates) =
            image_update::parse_flags(&args.images, args.container_image_name_updates.as_deref())?;
        let set_env: Vec<Change> = args
            .set_env
            .iter()
            .map(|s| Change::set_env(s))
            .collect::<Result<_>>()?;
        let changes: Vec<Change> = images.iter().chain(&set_env).cloned().collect();
        image_update::conflicts(&changes, &image_updates)?;
        let capacity_provider_strategy = args
            .capacity_provider_strategy
            .as_deref()
            .map(parse_capacity_provider_strategy)
            .transpose()?;
        if let Some(strategy) = &capacity_provider_strategy {
            checks::capacity_provider_strategy(strategy)?;
        }
        Ok(Plan {
            images,
            image_updates,
            command,
            set_env,
            overrides,
            capacity_provider_strategy,
            warnings,
        })
    }

    /// The TaskOverride for RunTask; every container it names must exist in `definition`.
    pub(super) fn overrides(
        &self,
        definition: &TaskDefinition,
        watched: Option<&str>,
    ) -> Result<Value> {
        let mut overrides = self.overrides.clone();
        let mut containers: Vec<Value> = match overrides.remove("containerOverrides") {
            Some(Value::Array(list)) => list,
            None => vec![],
            Some(_) => {
                return Err(Error::input(
                    "--overrides: containerOverrides must be a list",
                ))
            }
        };
        for entry in &containers {
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            definition.require_container(name, "--overrides containerOverrides")?;
        }
        if let Some(command) = &self.command {
            let container = watched.ok_or_else(|| {
                Error::input_with_hint(
                    format!(
                        "--command needs a container: task definition {} has several essential containers ({})",
                        definition.name(),
                        definition.essential_containers().join(", ")
                    ),
                    "pass --container NAME",
                )
            })?;
            checks::command_conflict(&self.overrides, container)?;
            let index = override_entry(&mut containers, container);
            containers[index]["command"] = json!(command);
        }
        for change in &self.set_env {
            let Change::SetEnv {
                container,
                key,
                value,
            } = change
            else {
                continue;
            };
            definition.require_container(container, "--set-env")?;
            let index = override_entry(&mut containers, container);
            let environment = containers[index]
                .as_object_mut()
                .expect("override entries are objects")
                .entry("environment")
                .or_insert_with(|| json!([]));
            let list = environment
                .as_array_mut()
                .ok_or_else(|| Error::input("--overrides: environment must be a list"))?;
            list.retain(|e| e.get("name").and_then(Value::as_str) != Some(key));
            list.push(json!({ "name": key, "value": value }));
        }
        if !containers.is_empty() {
            overrides.insert("containerOverrides".into(), Value::Array(containers));
        }
        Ok(Value::Object(overrides))
    }
}

/// The index of `name`'s containerOverrides entry, added when missing.
fn override_entry(containers: &mut Vec<Value>, name: &str) -> usize {
    match containers
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some(name))
    {
        Some(index) => index,
        None => {
            containers.push(json!({ "name": name }));
            containers.len() - 1
        }
    }
}

/// `JSON` or `@FILE`; a parse error names the source with its line and column.
fn read_json_argument(text: &str, flag: &str) -> Result<Value> {
    let (source, content) = match text.strip_prefix('@') {
        Some(path) => {
            let content = crate::read_file::to_string(path)
                .map_err(|e| Error::input(format!("{flag}: cannot read {path}: {e}")))?;
            (path.to_string(), content)
        }
        None => (flag.to_string(), text.to_string()),
    };
    serde_json::from_str(&content).map_err(|e| {
        Error::input(format!(
            "{source}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// `provider=FARGATE_SPOT,weight=2,base=0 provider=FARGATE,weight=1`, or the JSON list itself.
fn parse_capacity_provider_strategy(text: &str) -> Result<Value> {
    if text.trim_start().starts_with('[') {
        return read_json_argument(text, "--capacity-provider-strategy");
    }
    let mut strategy = vec![];
    for item in text.split_whitespace() {
        let mut entry = Map::new();
        for pair in item.split(',') {
            let bad = || {
                Error::input(format!("--capacity-provider-strategy: `{pair}` is not provider=NAME, weight=N or base=N"))
            };
            let (key, value) = pair.split_once('=').ok_or_else(bad)?;
            match key {
                "provider" | "capacityProvider" => {
                    entry.insert("capacityProvider".into(), json!(value))
                }
                "weight" | "base" => {
                    entry.insert(key.into(), json!(value.parse::<u32>().map_err(|_| bad())?))
                }
                _ => return Err(bad()),
            };
        }
        if !entry.contains_key("capacityProvider") {
            return Err(Error::input(format!(
                "--capacity-provider-strategy: `{item}` has no provider=NAME"
            )));
        }
        strategy.push(Value::Object(entry));
    }
    Ok(Value::Array(strategy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_provider_strategy_shorthand() {
        let parsed = parse_capacity_provider_strategy(
            "provider=FARGATE_SPOT,weight=2,base=1 provider=FARGATE,weight=1",
        )
        .unwrap();
        assert_eq!(
            parsed,
            json!([{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 1}, {"capacityProvider": "FARGATE", "weight": 1}])
        );
        assert!(parse_capacity_provider_strategy("weight=2").is_err());
        assert!(parse_capacity_provider_strategy("provider=X,weight=heavy").is_err());
    }

    #[test]
    fn json_argument_errors_carry_line_and_column() {
        let error = read_json_argument("{\n  \"containerOverrides\": [,]\n}", "--overrides")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--overrides") && error.contains("line 2"),
            "{error}"
        );
    }
}
