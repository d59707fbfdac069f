//! `ecs-ship iam-policy`: the least-privilege IAM policy for the calls the other commands
//! make. The role CI assumes with `--role-arn` also needs a trust policy allowing
//! `sts:AssumeRoleWithWebIdentity` from the CI's OIDC provider; that lives on the role, not here.
//! With `--assume-role-arn`, the policy is the target role's, and a note on stderr gives the
//! trust policy that role needs and the one permission the base identity needs.

use serde_json::{json, Value};

use crate::cli::IamPolicyArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::CommandResult;
use crate::report::Report;

/// `scheduled-tasks` is `deploy --rule / --schedule`: apart, so a deploy without scheduled
/// tasks is not allowed to rewrite every rule's targets. `auto-scaling` is `deploy
/// --suspend-auto-scaling` / `--auto-scaling-min/max`, apart for the same reason.
/// `daemons` is `deploy --daemon`: apart too, so a deploy of services cannot update daemons.
const COMMANDS: [&str; 12] = [
    "run-task",
    "deploy",
    "scheduled-tasks",
    "auto-scaling",
    "daemons",
    "continue",
    "rollback",
    "wait",
    "ecr",
    "notify",
    "status",
    "prune",
];

/// With `--assume-role-arn`: says on stderr what the cross-account setup needs.
pub fn say_cross_account_note(context: &Context) {
    if let Some(role) = &context.global.assume_role_arn {
        let note = cross_account_note(role, context.global.external_id.as_deref());
        context.progress.say(note);
    }
}

pub fn run(args: &IamPolicyArgs) -> Result<Report> {
    let mut commands = selected(&args.commands)?;
    let events_roles: Vec<&str> = args
        .events_role_arn
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .collect();
    if !events_roles.is_empty() && !commands.contains(&"scheduled-tasks") {
        commands.push("scheduled-tasks");
    }
    // Not in the default set: teams with tight policies opt in to verify's extra reads.
    if args.verify && !commands.contains(&"verify") {
        commands.push("verify");
    }
    let mut policy = policy(
        &commands,
        args.task_role_arn.as_deref(),
        args.execution_role_arn.as_deref(),
    );
    if commands.contains(&"scheduled-tasks") {
        add_events_pass_role(&mut policy, &events_roles);
    }
    Ok(Report::of(CommandResult::IamPolicy(policy)))
}

/// What a cross-account deploy needs besides the policy printed (which goes on the target
/// role): the target role's trust policy, and `sts:AssumeRole` for the base identity.
fn cross_account_note(role: &str, external_id: Option<&str>) -> String {
    let account = role.split(':').nth(4).unwrap_or("ACCOUNT");
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "AWS": "arn:aws:iam::BASE_ACCOUNT_ID:role/BASE_ROLE" },
        "Action": "sts:AssumeRole",
    });
    if let Some(id) = external_id {
        statement["Condition"] = json!({ "StringEquals": { "sts:ExternalId": id } });
    }
    let trust = json!({ "Version": "2012-10-17", "Statement": [statement] });
    let base = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role }],
    });
    let pretty =
        |value: &Value| serde_json::to_string_pretty(value).expect("JSON values serialize");
    let who = "the base identity (the keys, profile or --role-arn role ecs-ship starts with; replace the Principal)";
    format!(
        "--assume-role-arn: the policy on stdout goes on {role} (account {account}). Its trust policy must let {who} assume it:\n{}\nand the base identity needs:\n{}",
        pretty(&trust),
        pretty(&base)
    )
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
            "wait" => "wait",
            "ecr" => "ecr",
            "notify" => "notify",
            "scheduled-tasks" | "rule" | "schedule" => "scheduled-tasks",
            "auto-scaling" | "suspend-auto-scaling" => "auto-scaling",
            "daemons" | "daemon" => "daemons",
            "verify" => "verify",
            "status" => "status",
            "prune" => "prune",
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

/// CODE_DEPLOY services: find the deployment group (deploy, continue, rollback).
const CODEDEPLOY_FIND_GROUP: [&str; 4] = [
    "codedeploy:ListApplications",
    "codedeploy:ListDeploymentGroups",
    "codedeploy:BatchGetDeploymentGroups",
    "codedeploy:GetDeploymentGroup",
];

/// CODE_DEPLOY services: start a deployment (deploy, rollback).
const CODEDEPLOY_CREATE: [&str; 3] = [
    "codedeploy:GetDeploymentConfig",
    "codedeploy:CreateDeployment",
    "codedeploy:RegisterApplicationRevision",
];

/// Express services: read the configuration, change it (deploy, rollback). The execution and
/// task roles the update names are passed as for task definitions (EcsShipPassTaskRoles).
const EXPRESS: [&str; 2] = [
    "ecs:DescribeExpressGatewayService",
    "ecs:UpdateExpressGatewayService",
];

/// One statement per command (Sid named after it), plus one scoped iam:PassRole.
pub fn policy(commands: &[&str], task_role: Option<&str>, execution_role: Option<&str>) -> Value {
    let mut statements = vec![];
    let mut needs_pass_role = false;
    for command in commands {
        // Slack only (`notify`): no AWS permission.
        let Some((sid, actions)) = statement_actions(command) else {
            continue;
        };
        needs_pass_role |= matches!(*command, "run-task" | "deploy" | "daemons");
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

/// A command's statement: its Sid and actions; `None` for a command without AWS permissions.
fn statement_actions(command: &str) -> Option<(&'static str, Vec<&'static str>)> {
    let statement = match command {
        "run-task" => ("EcsShipRunTask", run_task_actions()),
        "deploy" => ("EcsShipDeploy", deploy_actions()),
        "continue" => ("EcsShipContinue", continue_actions()),
        "rollback" => ("EcsShipRollback", rollback_actions()),
        "wait" => ("EcsShipWait", wait_actions()),
        // deploy --rule / --schedule: read and move the targets.
        "scheduled-tasks" => (
            "EcsShipScheduledTasks",
            vec![
                "events:ListTargetsByRule",
                "events:PutTargets",
                "scheduler:GetSchedule",
                "scheduler:UpdateSchedule",
            ],
        ),
        // deploy --suspend-auto-scaling / --auto-scaling-min/max: read the services' scalable
        // targets, change their suspended state and bounds. Only existing targets are updated,
        // so the service-linked role already exists: no iam:CreateServiceLinkedRole (needed only
        // by the first registration of an ECS target in the account), and no iam:PassRole.
        "auto-scaling" => (
            "EcsShipAutoScaling",
            vec![
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:RegisterScalableTarget",
            ],
        ),
        // `prune` and `deploy --prune`: list and deregister/delete revisions; read every use.
        "prune" => ("EcsShipPrune", prune_actions()),
        // deploy --daemon: find the daemon, derive and register its daemon task definition
        // with its tags (read apart, set on create), update it and follow the daemon
        // deployment (ECR pins are deploy's).
        "daemons" => (
            "EcsShipDaemons",
            vec![
                "ecs:ListDaemons",
                "ecs:DescribeDaemon",
                "ecs:DescribeDaemonRevisions",
                "ecs:DescribeDaemonTaskDefinition",
                "ecs:ListTagsForResource",
                "ecs:RegisterDaemonTaskDefinition",
                "ecs:TagResource",
                "ecs:UpdateDaemon",
                "ecs:DescribeDaemonDeployments",
            ],
        ),
        "ecr" => (
            "EcsShipEcr",
            vec!["ecr:DescribeImages", "ecr:GetAuthorizationToken"],
        ),
        // `status`: reads only; CodeDeploy only for a deployment in progress.
        "status" => (
            "EcsShipStatus",
            vec![
                "ecs:ListServices",
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecs:DescribeServiceDeployments",
                "codedeploy:GetDeployment",
                "application-autoscaling:DescribeScalableTargets",
            ],
        ),
        // `verify` and `--verify`: reads only (values of secrets and parameters never).
        "verify" => (
            "EcsShipVerify",
            vec![
                "ecs:DescribeServices",
                "ecs:DescribeTaskDefinition",
                "ecr:BatchGetImage",
                "iam:GetRole",
                "secretsmanager:DescribeSecret",
                "ssm:GetParameters",
                "logs:DescribeLogGroups",
            ],
        ),
        _ => return None,
    };
    Some(statement)
}

fn run_task_actions() -> Vec<&'static str> {
    vec![
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
    ]
}

fn deploy_actions() -> Vec<&'static str> {
    [
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
            // --desired-count is checked against the service's auto scaling bounds.
            "application-autoscaling:DescribeScalableTargets",
        ][..],
        &EXPRESS,
        // CODE_DEPLOY services: find the deployment group, deploy, follow, stop.
        &CODEDEPLOY_FIND_GROUP,
        &CODEDEPLOY_CREATE,
        &[
            "codedeploy:GetDeployment",
            "codedeploy:GetDeploymentTarget",
            "codedeploy:StopDeployment",
        ],
    ]
    .concat()
}

fn continue_actions() -> Vec<&'static str> {
    [
        &[
            "ecs:DescribeServices",
            "ecs:ListServiceDeployments",
            "ecs:DescribeServiceDeployments",
            "ecs:ContinueServiceDeployment",
        ][..],
        &CODEDEPLOY_FIND_GROUP,
        &[
            "codedeploy:ListDeployments",
            "codedeploy:GetDeployment",
            "codedeploy:GetDeploymentTarget",
            "codedeploy:ContinueDeployment",
            "codedeploy:StopDeployment",
        ],
    ]
    .concat()
}

fn rollback_actions() -> Vec<&'static str> {
    [
        &[
            "ecs:DescribeServices",
            "ecs:DescribeTasks",
            "ecs:ListTasks",
            "ecs:UpdateService",
            "ecs:ListServiceDeployments",
            "ecs:DescribeServiceDeployments",
            "ecs:DescribeServiceRevisions",
            "ecs:StopServiceDeployment",
        ][..],
        &EXPRESS,
        &CODEDEPLOY_FIND_GROUP,
        &CODEDEPLOY_CREATE,
        &[
            "codedeploy:ListDeployments",
            "codedeploy:GetDeployment",
            "codedeploy:GetDeploymentTarget",
            "codedeploy:StopDeployment",
        ],
    ]
    .concat()
}

/// Reads only: wait follows deployments and changes nothing.
fn wait_actions() -> Vec<&'static str> {
    [
        &[
            "ecs:DescribeServices",
            "ecs:DescribeTasks",
            "ecs:ListTasks",
            "ecs:ListServiceDeployments",
            "ecs:DescribeServiceDeployments",
        ][..],
        &CODEDEPLOY_FIND_GROUP,
        &[
            "codedeploy:ListDeployments",
            "codedeploy:GetDeployment",
            "codedeploy:GetDeploymentTarget",
        ],
    ]
    .concat()
}

/// Lists and deregisters (deletes) revisions; reads every use so that none in use goes.
fn prune_actions() -> Vec<&'static str> {
    vec![
        "ecs:ListTaskDefinitions",
        "ecs:DeregisterTaskDefinition",
        "ecs:DeleteTaskDefinitions",
        "ecs:ListServices",
        "ecs:DescribeServices",
        "ecs:ListTasks",
        "ecs:DescribeTasks",
        // --rule / --schedule: their targets' revisions are in use (read only).
        "events:ListTargetsByRule",
        "scheduler:GetSchedule",
    ]
}

/// PutTargets and UpdateSchedule pass the targets' own role (the one EventBridge or Scheduler
/// runs the task with) to the service: scoped to `--events-role-arn` when given.
fn add_events_pass_role(policy: &mut Value, roles: &[&str]) {
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.push(json!({
            "Sid": "EcsShipPassEventsRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": if roles.is_empty() { json!("*") } else { json!(roles) },
            "Condition": { "StringEquals": { "iam:PassedToService": ["events.amazonaws.com", "scheduler.amazonaws.com"] } },
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cross_account_note_gives_the_trust_policy_with_the_external_id() {
        let role = "arn:aws:iam::210987654321:role/deploy";
        let note = cross_account_note(role, Some("team-a"));
        assert!(note.contains("account 210987654321"), "{note}");
        assert!(note.contains(r#""sts:ExternalId": "team-a""#), "{note}");
        assert!(
            note.contains(r#""Resource": "arn:aws:iam::210987654321:role/deploy""#),
            "{note}"
        );
        assert!(!cross_account_note(role, None).contains("sts:ExternalId"));
    }

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
                "EcsShipScheduledTasks",
                "EcsShipAutoScaling",
                "EcsShipDaemons",
                "EcsShipContinue",
                "EcsShipRollback",
                "EcsShipWait",
                "EcsShipEcr",
                "EcsShipStatus",
                "EcsShipPrune",
                "EcsShipPassTaskRoles"
            ]
        );
    }

    #[test]
    fn status_reads_services_revisions_deployments_and_scalable_targets_and_changes_nothing() {
        let policy = policy(&selected(&["status".into()]).unwrap(), None, None);
        let status = actions(&policy, "EcsShipStatus");
        for needed in [
            "ecs:ListServices",
            "ecs:DescribeServices",
            "ecs:DescribeTaskDefinition",
            "ecs:DescribeServiceDeployments",
            "codedeploy:GetDeployment",
            "application-autoscaling:DescribeScalableTargets",
        ] {
            assert!(status.contains(&needed.to_string()), "{needed} missing");
        }
        let reads = ["List", "Describe", "Get"];
        for action in &status {
            let name = action.split(':').nth(1).unwrap();
            assert!(
                reads.iter().any(|r| name.starts_with(r)),
                "{action} is not a read"
            );
        }
        assert!(!policy.to_string().contains("iam:PassRole"));
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
            "ecs:DescribeExpressGatewayService",
            "ecs:UpdateExpressGatewayService",
        ] {
            assert!(deploy.contains(&needed.to_string()), "{needed} missing");
        }
        assert!(!deploy
            .iter()
            .any(|a| a == "ecs:RunTask" || a.ends_with('*')));
        assert!(policy.to_string().contains("iam:PassRole"));
    }

    #[test]
    fn auto_scaling_reads_and_registers_targets_and_passes_no_role() {
        let commands = selected(&["deploy".into(), "suspend-auto-scaling".into()]).unwrap();
        assert_eq!(commands, ["deploy", "auto-scaling"]);
        let scaling = policy(&["auto-scaling"], None, None);
        assert_eq!(
            actions(&scaling, "EcsShipAutoScaling"),
            [
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:RegisterScalableTarget"
            ]
        );
        assert!(!scaling.to_string().contains("iam:"), "{scaling}");
        let deploy = actions(&policy(&["deploy"], None, None), "EcsShipDeploy");
        assert!(deploy.contains(&"application-autoscaling:DescribeScalableTargets".into()));
        assert!(!deploy.contains(&"application-autoscaling:RegisterScalableTarget".into()));
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
            "ecs:UpdateExpressGatewayService",
            "codedeploy:StopDeployment",
        ] {
            assert!(rollback.contains(&needed.to_string()), "{needed} missing");
        }
        assert!(!resume.iter().any(|a| a == "ecs:UpdateService"));
    }

    #[test]
    fn wait_only_reads() {
        let policy = policy(&["wait"], None, None);
        let wait = actions(&policy, "EcsShipWait");
        for needed in [
            "ecs:DescribeServices",
            "ecs:DescribeServiceDeployments",
            "ecs:ListTasks",
            "codedeploy:GetDeployment",
        ] {
            assert!(wait.contains(&needed.to_string()), "{needed} missing");
        }
        let writes = [
            "Update", "Stop", "Continue", "Create", "Register", "Run", "Tag",
        ];
        for action in &wait {
            let verb = action.split(':').nth(1).unwrap_or_default();
            assert!(!writes.iter().any(|w| verb.starts_with(w)), "{action}");
        }
        assert!(!policy.to_string().contains("iam:PassRole"));
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
    fn daemons_get_the_daemon_calls_and_pass_their_roles() {
        let task = "arn:aws:iam::123456789012:role/agent-task";
        let policy = policy(&selected(&["daemon".into()]).unwrap(), Some(task), None);
        let daemons = actions(&policy, "EcsShipDaemons");
        assert_eq!(
            daemons,
            [
                "ecs:ListDaemons",
                "ecs:DescribeDaemon",
                "ecs:DescribeDaemonRevisions",
                "ecs:DescribeDaemonTaskDefinition",
                "ecs:ListTagsForResource",
                "ecs:RegisterDaemonTaskDefinition",
                "ecs:TagResource",
                "ecs:UpdateDaemon",
                "ecs:DescribeDaemonDeployments",
            ]
        );
        let pass = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"] == "iam:PassRole")
            .expect("daemon task definitions pass their roles");
        assert_eq!(pass["Resource"], json!([task]));
        let deploy = actions(&self::policy(&["deploy"], None, None), "EcsShipDeploy");
        assert!(!deploy.iter().any(|a| a.contains("Daemon")), "{deploy:?}");
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
    fn scheduled_tasks_read_and_move_targets_and_pass_only_the_events_roles() {
        let policy = policy(&["deploy", "scheduled-tasks"], None, None);
        assert_eq!(
            actions(&policy, "EcsShipScheduledTasks"),
            [
                "events:ListTargetsByRule",
                "events:PutTargets",
                "scheduler:GetSchedule",
                "scheduler:UpdateSchedule"
            ]
        );
        assert!(!actions(&policy, "EcsShipDeploy")
            .iter()
            .any(|a| a.starts_with("events:") || a.starts_with("scheduler:")));
        let args = IamPolicyArgs {
            commands: vec!["deploy".into()],
            task_role_arn: None,
            execution_role_arn: None,
            events_role_arn: vec!["arn:aws:iam::123456789012:role/ecsEventsRole".into()],
            verify: false,
        };
        let CommandResult::IamPolicy(policy) = run(&args).unwrap().result else {
            panic!("iam-policy returns its policy");
        };
        let pass = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "EcsShipPassEventsRoles")
            .expect("--events-role-arn adds the scheduled-tasks statements");
        assert_eq!(
            pass["Resource"],
            json!(["arn:aws:iam::123456789012:role/ecsEventsRole"])
        );
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            json!(["events.amazonaws.com", "scheduler.amazonaws.com"])
        );
        assert!(actions(&policy, "EcsShipScheduledTasks").contains(&"events:PutTargets".into()));
    }

    #[test]
    fn verify_reads_are_added_only_when_asked_and_read_no_secret_value() {
        let args = |verify, commands: Vec<String>| IamPolicyArgs {
            commands,
            task_role_arn: None,
            execution_role_arn: None,
            events_role_arn: vec![],
            verify,
        };
        let policy_of = |args: &IamPolicyArgs| {
            let CommandResult::IamPolicy(policy) = run(args).unwrap().result else {
                panic!("iam-policy returns a policy")
            };
            policy
        };
        let policy = policy_of(&args(false, vec![]));
        let sids: Vec<&Value> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["Sid"])
            .collect();
        assert!(!sids.contains(&&json!("EcsShipVerify")), "{sids:?}");
        let policy = policy_of(&args(true, vec!["deploy".into()]));
        let verify = actions(&policy, "EcsShipVerify");
        for action in [
            "iam:GetRole",
            "secretsmanager:DescribeSecret",
            "ssm:GetParameters",
            "ecr:BatchGetImage",
            "logs:DescribeLogGroups",
        ] {
            assert!(verify.contains(&action.to_string()), "{action}");
        }
        assert!(!verify
            .iter()
            .any(|a| a == "secretsmanager:GetSecretValue" || a == "ssm:GetParameter"));
        assert!(!actions(&policy, "EcsShipDeploy").is_empty());
        let only = policy_of(&args(false, vec!["verify".into()]));
        assert_eq!(only["Statement"].as_array().unwrap().len(), 1, "{only}");
    }

    #[test]
    fn prune_lists_deregisters_deletes_and_reads_every_use_but_changes_no_service() {
        let policy = policy(&selected(&["prune".into()]).unwrap(), None, None);
        let prune = actions(&policy, "EcsShipPrune");
        for needed in [
            "ecs:ListTaskDefinitions",
            "ecs:DeregisterTaskDefinition",
            "ecs:DeleteTaskDefinitions",
            "ecs:ListServices",
            "ecs:DescribeServices",
            "ecs:ListTasks",
            "ecs:DescribeTasks",
            "events:ListTargetsByRule",
            "scheduler:GetSchedule",
        ] {
            assert!(prune.contains(&needed.to_string()), "{needed} missing");
        }
        assert!(!prune.iter().any(|a| a.starts_with("ecs:Update")
            || a.ends_with("PutTargets")
            || a.ends_with("UpdateSchedule")
            || a.ends_with('*')));
        assert_eq!(
            policy["Statement"].as_array().unwrap().len(),
            1,
            "no iam:PassRole"
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
