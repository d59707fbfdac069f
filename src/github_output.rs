//! `--github-output FILE` (the GitHub Action passes `$GITHUB_OUTPUT`): the command's result as
//! step outputs, in the file format GitHub reads (`name<<DELIMITER` … `DELIMITER`):
//! `result` (the `--output json` document, whatever `--output` says), `task-definition-arn`,
//! `task-arn` and `deployment-id` (several separated by spaces). The exit code is the
//! action's to write: a usage error ends the run before any result exists.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

/// The outputs of one result document, in a fixed order; absent values are empty.
pub fn outputs(json: &Value) -> Vec<(&'static str, String)> {
    let strings = |value: &Value| -> Vec<String> {
        match value {
            Value::String(s) if !s.is_empty() => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            _ => vec![],
        }
    };
    let each = |list: &str, key: &str| -> Vec<String> {
        json.get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|entry| strings(&entry[key]))
            .collect()
    };
    let mut definitions = strings(&json["task_definition"]);
    if definitions.is_empty() {
        definitions = each("services", "task_definition");
    }
    definitions.dedup();
    let result = if json.is_null() {
        String::new()
    } else {
        serde_json::to_string(json).expect("JSON values serialize")
    };
    vec![
        ("result", result),
        ("task-definition-arn", definitions.join(" ")),
        ("task-arn", each("tasks", "task_arn").join(" ")),
        ("deployment-id", each("services", "deployment_id").join(" ")),
    ]
}

/// `name<<DELIMITER\nvalue\nDELIMITER\n` for each output, with a delimiter no value contains.
pub fn render(outputs: &[(&str, String)]) -> String {
    let mut delimiter = String::from("ECS_SHIP_EOF");
    while outputs.iter().any(|(_, value)| value.contains(&delimiter)) {
        delimiter.push('_');
    }
    outputs
        .iter()
        .map(|(name, value)| format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
        .collect()
}

/// Appends the outputs of `json` to `path`.
pub fn append(path: &Path, json: &Value) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(render(&outputs(json)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get(outputs: &[(&str, String)], name: &str) -> String {
        outputs.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }

    #[test]
    fn run_task_result_gives_the_task_definition_and_task_arns() {
        let json = json!({
            "command": "run-task", "task_definition": "arn:td/web:8",
            "tasks": [{"task_arn": "arn:task/a"}, {"task_arn": "arn:task/b"}],
        });
        let outputs = outputs(&json);
        assert_eq!(get(&outputs, "task-definition-arn"), "arn:td/web:8");
        assert_eq!(get(&outputs, "task-arn"), "arn:task/a arn:task/b");
        assert_eq!(get(&outputs, "deployment-id"), "");
        let result: Value = serde_json::from_str(&get(&outputs, "result")).unwrap();
        assert_eq!(result, json);
    }

    #[test]
    fn deploy_result_gives_each_services_deployment() {
        let json = json!({
            "command": "deploy", "task_definition": ["arn:td/web:8", "arn:td/worker:3"],
            "services": [
                {"service": "web", "deployment_id": "ecs-svc/1", "task_definition": "arn:td/web:8"},
                {"service": "worker", "deployment_id": "ecs-svc/2", "task_definition": "arn:td/worker:3"},
            ],
        });
        let outputs = outputs(&json);
        assert_eq!(
            get(&outputs, "task-definition-arn"),
            "arn:td/web:8 arn:td/worker:3"
        );
        assert_eq!(get(&outputs, "deployment-id"), "ecs-svc/1 ecs-svc/2");
        assert_eq!(get(&outputs, "task-arn"), "");
    }

    #[test]
    fn rendering_picks_a_delimiter_no_value_contains() {
        let text = render(&[("result", "a\nECS_SHIP_EOF\nb".to_string())]);
        assert_eq!(
            text,
            "result<<ECS_SHIP_EOF_\na\nECS_SHIP_EOF\nb\nECS_SHIP_EOF_\n"
        );
    }
}
