//! `ecs-ship iam-policy`: the least-privilege IAM policy for the calls the other commands
//! make. The role CI assumes with `--role-arn` also needs a trust policy allowing
//! `sts:AssumeRoleWithWebIdentity` from the CI's OIDC provider; that lives on the role, not here.

use serde_json::{json, Value};

use crate::cli::IamPolicyArgs;
use crate::error::{Error, Result};
use crate::report::Report;

const COMMANDS: [&str; 6] = [
    "run-task", "deploy", "continue", "rollback", "ecr", "notify",
];

pub fn run(args: &IamPolicyArgs) -> Result<Report> {
    let commands = selected(&args.commands)?;
    let policy = policy(
        &commands,
        args.task_role_arn.as_deref(),
        args.execution_role_arn.as_deref(),
    );
    let text = serde_json::to_string_pretty(&policy).expect("JSON values serialize");
    Ok(Report {
        json: policy,
        stdout: vec![text],
        ..Report::default()
    })
}

/// The `--command` list checked, with aliases; empty means every command.
fn selected(given: &[String]) -> Result<Vec<&'static str>> {
    if given.is_empty() {
        return Ok(COMMANDS.to_vec());
    }
    let mut commands = vec![];
    for name in given.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let canonical = match name {
            "run-task" | "migrate" => "run-task",
            "deploy" | "update-service" => "deploy",
            "continue" => "continue",
            "rollback" => "rollback",
            "ecr" => "ecr",
            "notify" => "notify",
            _ => {
                return Err(Error::input_with_hint(
                    format!("--command `{name}` is not an ecs-ship command with AWS permissions"),
                    format!("use any of: {}", COMMANDS.join(", ")),
                ))
            }
        };
        if !commands.contains(&canonical) {
            commands.push(canonical);
        }
    }
    Ok(commands)
}

/// One statement per command (Sid named after it), plus one scoped iam:PassRole.
pub fn policy(commands: &[&str], task_role: Option<&str>, execution_role: Option<&str>) -> Value {
    let mut statements = vec![];
    let mut needs_pass_role = false;
    for command in commands {
        let (sid, actions): (&str, &[&str]) = match *command {
            "run-task" => (
                "EcsShipRunTask",
                &[
                    // --image pins ECR tags to digests, as deploy does.
                    "ecr:DescribeImages",
                    "ecs:DescribeServices",
                    "ecs:DescribeTaskDefinition",
                    "ecs:DescribeTasks",
                    "ecs:RegisterTaskDefinition",
                    "ecs:RunTask",
                    "ecs:StopTask",
                    "ecs:TagResource",
                    "logs:GetLogEvents",
                ],
            ),
            "deploy" => (
                "EcsShipDeploy",
                &[
                    "ecr:DescribeImages",
                    "ecs:DescribeServices",
                    "ecs:DescribeTaskDefinition",
                    "ecs:DescribeTasks",
                    "ecs:ListTasks",
                    "ecs:RegisterTaskDefinition",
                    "ecs:TagResource",
                    "ecs:UpdateService",
                    // ECS-native blue/green, linear, canary: the service deployment it follows;
                    // --rollback-on-failure stops it with rollback.
                    "ecs:ListServiceDeployments",
                    "ecs:DescribeServiceDeployments",
                    "ecs:StopServiceDeployment",
                    // CODE_DEPLOY services: find the deployment group, deploy, follow, stop.
                    "codedeploy:ListApplications",
                    "codedeploy:ListDeploymentGroups",
                    "codedeploy:BatchGetDeploymentGroups",
                    "codedeploy:GetDeploymentGroup",
                    "codedeploy:GetDeploymentConfig",
                    "codedeploy:CreateDeployment",
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:GetDeployment",
                    "codedeploy:GetDeploymentTarget",
                    "codedeploy:StopDeployment",
                ],
            ),
            "continue" => (
                "EcsShipContinue",
                &[
                    "ecs:DescribeServices",
                    "ecs:ListServiceDeployments",
                    "ecs:DescribeServiceDeployments",
                    "ecs:ContinueServiceDeployment",
                    "codedeploy:ListApplications",
                    "codedeploy:ListDeploymentGroups",
                    "codedeploy:BatchGetDeploymentGroups",
                    "codedeploy:GetDeploymentGroup",
                    "codedeploy:ListDeployments",
                    "codedeploy:GetDeployment",
                    "codedeploy:GetDeploymentTarget",
                    "codedeploy:ContinueDeployment",
                    "codedeploy:StopDeployment",
                ],
            ),
            "rollback" => (
                "EcsShipRollback",
                &[
                    "ecs:DescribeServices",
                    "ecs:DescribeTasks",
                    "ecs:ListTasks",
                    "ecs:UpdateService",
                    "ecs:ListServiceDeployments",
                    "ecs:DescribeServiceDeployments",
                    "ecs:DescribeServiceRevisions",
                    "ecs:StopServiceDeployment",
                    "codedeploy:ListApplications",
                    "codedeploy:ListDeploymentGroups",
                    "codedeploy:BatchGetDeploymentGroups",
                    "codedeploy:GetDeploymentGroup",
                    "codedeploy:GetDeploymentConfig",
                    "codedeploy:CreateDeployment",
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:ListDeployments",
                    "codedeploy:GetDeployment",
                    "codedeploy:GetDeploymentTarget",
                    "codedeploy:StopDeployment",
                ],
            ),
            "ecr" => (
                "EcsShipEcr",
                &["ecr:DescribeImages", "ecr:GetAuthorizationToken"],
            ),
            // Slack only: no AWS permission.
            _ => continue,
        };
        needs_pass_role |= matches!(*command, "run-task" | "deploy");
        statements.push(json!({
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }));
    }
    if needs_pass_role {
        let roles: Vec<&str> = [task_role, execution_role].into_iter().flatten().collect();
        statements.push(json!({
            "Sid": "EcsShipPassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": if roles.is_empty() { json!("*") } else { json!(roles) },
            "Condition": { "StringEquals": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(policy: &Value, sid: &str) -> Vec<String> {
        let statement = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid}"));
        match &statement["Action"] {
            Value::Array(list) => list
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
            Value::String(one) => vec![one.clone()],
            _ => panic!("bad Action"),
        }
    }

    #[test]
    fn every_command_by_default() {
        let policy = policy(&selected(&[]).unwrap(), None, None);
        assert_eq!(policy["Version"], "2012-10-17");
        let sids: Vec<&str> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap())
            .collect();
        assert_eq!(
            sids,
            [
                "EcsShipRunTask",
                "EcsShipDeploy",
                "EcsShipContinue",
                "EcsShipRollback",
                "EcsShipEcr",
                "EcsShipPassTaskRoles"
            ]
        );
    }

    #[test]
    fn deploy_gets_what_deploy_calls_and_nothing_else() {
        let policy = policy(&["deploy"], None, None);
        let deploy = actions(&policy, "EcsShipDeploy");
        for needed in [
            "ecs:UpdateService",
            "ecs:ListTasks",
            "ecs:TagResource",
            "ecr:DescribeImages",
            "ecs:RegisterTaskDefinition",
        ] {
            assert!(deploy.contains(&needed.to_string()), "{needed} missing");
        }
        assert!(!deploy
            .iter()
            .any(|a| a == "ecs:RunTask" || a.ends_with('*')));
        assert!(policy.to_string().contains("iam:PassRole"));
    }

    #[test]
    fn continue_and_rollback_get_the_service_deployment_and_codedeploy_calls() {
        let policy = policy(&["continue", "rollback"], None, None);
        let resume = actions(&policy, "EcsShipContinue");
        for needed in [
            "ecs:ContinueServiceDeployment",
            "ecs:DescribeServiceDeployments",
            "codedeploy:ContinueDeployment",
        ] {
            assert!(resume.contains(&needed.to_string()), "{needed} missing");
        }
        let rollback = actions(&policy, "EcsShipRollback");
        for needed in [
            "ecs:StopServiceDeployment",
            "ecs:DescribeServiceRevisions",
            "ecs:UpdateService",
            "codedeploy:StopDeployment",
        ] {
            assert!(rollback.contains(&needed.to_string()), "{needed} missing");
        }
        assert!(!resume.iter().any(|a| a == "ecs:UpdateService"));
    }

    #[test]
    fn pass_role_is_scoped_to_the_given_roles_and_to_ecs_tasks() {
        let task = "arn:aws:iam::123456789012:role/app-task";
        let exec = "arn:aws:iam::123456789012:role/app-exec";
        let policy = policy(&["run-task"], Some(task), Some(exec));
        let pass = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"] == "iam:PassRole")
            .unwrap();
        assert_eq!(pass["Resource"], json!([task, exec]));
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            "ecs-tasks.amazonaws.com"
        );
        let run_task = actions(&policy, "EcsShipRunTask");
        assert_eq!(run_task.last().unwrap(), "logs:GetLogEvents");
        assert!(
            run_task.contains(&"ecr:DescribeImages".to_string()),
            "run-task --image pins digests"
        );
    }

    #[test]
    fn ecr_and_notify_need_no_pass_role() {
        let policy = policy(
            &selected(&["ecr".into(), "notify".into()]).unwrap(),
            None,
            None,
        );
        assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);
        assert_eq!(
            actions(&policy, "EcsShipEcr"),
            ["ecr:DescribeImages", "ecr:GetAuthorizationToken"]
        );
    }

    #[test]
    fn aliases_and_unknown_commands() {
        assert_eq!(
            selected(&["migrate".into(), "update-service".into()]).unwrap(),
            ["run-task", "deploy"]
        );
        let error = selected(&["delpoy".into()]).unwrap_err().to_string();
        assert!(
            error.contains("delpoy") && error.contains("deploy"),
            "{error}"
        );
    }
}
