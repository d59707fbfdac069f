//! `iam-policy`'s arguments.

use clap::Args;

use crate::aws;

#[derive(Args, Debug, Clone)]
pub struct IamPolicyArgs {
    /// Only the permissions of these commands (run-task, deploy, scheduled-tasks = deploy --rule /
    /// --schedule, auto-scaling, continue, rollback, wait, notify, ecr, status, prune),
    /// comma-separated.
    #[arg(long = "command", env = "ECS_SHIP_IAM_COMMANDS", value_delimiter = ',')]
    pub commands: Vec<String>,

    /// Task role ARN the tasks use (scopes iam:PassRole).
    #[arg(long, env = "ECS_SHIP_TASK_ROLE_ARN", value_parser = aws::parse_role_arn)]
    pub task_role_arn: Option<String>,

    /// Execution role ARN the tasks use (scopes iam:PassRole).
    #[arg(long, env = "ECS_SHIP_EXECUTION_ROLE_ARN", value_parser = aws::parse_role_arn)]
    pub execution_role_arn: Option<String>,

    /// Add the read-only statements `verify` and `--verify` need.
    #[arg(long, env = "ECS_SHIP_IAM_VERIFY")]
    pub verify: bool,

    /// Role(s) the EventBridge rule targets and schedules run tasks with (scopes their
    /// iam:PassRole), comma-separated.
    #[arg(
        long,
        env = "ECS_SHIP_EVENTS_ROLE_ARN",
        value_delimiter = ',',
        value_name = "ARN",
        value_parser = aws::parse_role_arn
    )]
    pub events_role_arn: Vec<String>,
}
