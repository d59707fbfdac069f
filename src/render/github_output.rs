//! `--github-output FILE` (the GitHub Action passes `$GITHUB_OUTPUT`): the command's result as
//! step outputs, in the file format GitHub reads (`name<<DELIMITER` … `DELIMITER`):
//! `result` (the `--output json` document, whatever `--output` says), `task-definition-arn`,
//! `task-arn` and `deployment-id` (several separated by spaces). The exit code is the
//! action's to write: a usage error ends the run before any result exists.

use std::io::Write;
use std::path::Path;

use crate::output::CommandResult;
use crate::report::Report;

/// The outputs of one result, in a fixed order; absent values are empty.
pub fn outputs(report: &Report) -> Vec<(&'static str, String)> {
    let (mut definitions, tasks, deployments): (Vec<String>, Vec<String>, Vec<String>) =
        match &report.result {
            CommandResult::RunTask(run) => (
                vec![run.task_definition.clone()],
                run.tasks.iter().map(|t| t.task_arn.clone()).collect(),
                vec![],
            ),
            CommandResult::RunTaskDryRun(plan) => {
                (vec![plan.task_definition.clone()], vec![], vec![])
            }
            CommandResult::Deploy(deploy) => {
                let mut definitions = deploy.task_definition.as_slice().to_vec();
                if definitions.iter().all(String::is_empty) {
                    definitions = deploy
                        .services
                        .iter()
                        .map(|s| s.task_definition.clone())
                        .collect();
                }
                let ids = deploy
                    .services
                    .iter()
                    .map(|s| s.deployment_id.clone())
                    .collect();
                (definitions, vec![], ids)
            }
            CommandResult::Wait(wait) => (
                wait.services
                    .iter()
                    .map(|s| s.task_definition.clone())
                    .collect(),
                vec![],
                wait.services
                    .iter()
                    .map(|s| {
                        let arn = s.service_deployment_arn.as_ref();
                        arn.filter(|_| s.deployment_id.is_empty())
                            .unwrap_or(&s.deployment_id)
                            .clone()
                    })
                    .collect(),
            ),
            _ => (vec![], vec![], vec![]),
        };
    definitions.retain(|d| !d.is_empty());
    definitions.dedup();
    let listed = |mut values: Vec<String>| {
        values.retain(|v| !v.is_empty());
        values.join(" ")
    };
    let result = match report.result {
        CommandResult::None => String::new(),
        _ => crate::render::json::document(report, false),
    };
    vec![
        ("result", result),
        ("task-definition-arn", definitions.join(" ")),
        ("task-arn", listed(tasks)),
        ("deployment-id", listed(deployments)),
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

/// Appends the outputs of `report` to `path`.
pub fn append(path: &Path, report: &Report) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(render(&outputs(report)).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    fn get(outputs: &[(&str, String)], name: &str) -> String {
        outputs.iter().find(|(n, _)| *n == name).unwrap().1.clone()
    }

    #[test]
    fn run_task_result_gives_the_task_definition_and_task_arns() {
        let report = Report::of(CommandResult::RunTask(fixtures::run_task(&[
            "arn:task/a",
            "arn:task/b",
        ])));
        let outputs = outputs(&report);
        assert_eq!(get(&outputs, "task-definition-arn"), fixtures::WEB_8);
        assert_eq!(get(&outputs, "task-arn"), "arn:task/a arn:task/b");
        assert_eq!(get(&outputs, "deployment-id"), "");
        let result: serde_json::Value = serde_json::from_str(&get(&outputs, "result")).unwrap();
        assert_eq!(result["tasks"][1]["task_arn"], "arn:task/b");
        assert_eq!(result["command"], "run-task");
    }

    #[test]
    fn deploy_result_gives_each_services_deployment() {
        let report = Report::of(CommandResult::Deploy(fixtures::deploy(&[
            ("web", fixtures::WEB_8),
            ("worker", fixtures::WORKER_3),
        ])));
        let outputs = outputs(&report);
        assert_eq!(
            get(&outputs, "task-definition-arn"),
            format!("{} {}", fixtures::WEB_8, fixtures::WORKER_3)
        );
        assert_eq!(get(&outputs, "deployment-id"), "ecs-svc/web ecs-svc/worker");
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
