//! `deploy`'s (and `verify`'s) arguments, and what `continue` and `rollback` share with it.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Args, Debug, Clone)]
pub struct DeployArgs {
    /// CONTAINER=IMAGE[:TAG|@DIGEST], or CONTAINER=:TAG to keep the container's repository
    /// (repeatable).
    #[arg(long = "image", env = "ECS_SHIP_IMAGE", value_delimiter = ' ')]
    pub images: Vec<String>,

    /// The aws-ecs orb's format: 'container=X,tag=Y' (also image= and image-and-tag=), space-separated.
    #[arg(long, env = "ECS_SHIP_CONTAINER_IMAGE_NAME_UPDATES")]
    pub container_image_name_updates: Option<String>,

    /// CONTAINER:KEY=VALUE environment variable to set (repeatable).
    #[arg(long = "set-env", env = "ECS_SHIP_SET_ENV", value_delimiter = '\n')]
    pub set_env: Vec<String>,

    /// CONTAINER:KEY environment variable to remove (repeatable).
    #[arg(long = "unset-env", env = "ECS_SHIP_UNSET_ENV", value_delimiter = '\n')]
    pub unset_env: Vec<String>,

    /// CONTAINER:NAME=VALUE_FROM secret to set (repeatable).
    #[arg(
        long = "secret",
        env = "ECS_SHIP_SECRET",
        value_delimiter = '\n',
        hide_env_values = true
    )]
    pub secrets: Vec<String>,

    /// Deploy this FAMILY[:REVISION] or ARN instead of deriving one.
    #[arg(
        long,
        env = "ECS_SHIP_TASK_DEFINITION",
        conflicts_with = "task_definition_file"
    )]
    pub task_definition: Option<String>,

    /// Register this task-definition JSON (with ${VAR} expansion) and deploy it.
    #[arg(long, env = "ECS_SHIP_TASK_DEFINITION_FILE")]
    pub task_definition_file: Option<PathBuf>,

    /// Set the service's desired count.
    #[arg(long, env = "ECS_SHIP_DESIRED_COUNT", value_parser = clap::value_parser!(u32).range(..=i64::from(i32::MAX)))]
    pub desired_count: Option<u32>,

    /// Start a new deployment even if the task definition is unchanged.
    #[arg(long, env = "ECS_SHIP_FORCE_NEW_DEPLOYMENT")]
    pub force_new_deployment: bool,

    /// Give up after this many polls (with --poll-interval; the aws-ecs orb's knob).
    #[arg(long, env = "ECS_SHIP_MAX_POLL_ATTEMPTS", conflicts_with = "timeout", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_poll_attempts: Option<u32>,

    /// Keep image tags as given instead of pinning ECR images to their digest.
    #[arg(long, env = "ECS_SHIP_NO_PIN_DIGEST")]
    pub no_pin_digest: bool,

    /// On failure or timeout, point the service back to the previous revision and wait for it.
    #[arg(long, env = "ECS_SHIP_ROLLBACK_ON_FAILURE")]
    pub rollback_on_failure: bool,

    /// Print what would change and change nothing.
    #[arg(long, env = "ECS_SHIP_DRY_RUN")]
    pub dry_run: bool,

    /// Run `verify` on the revision first; on any ✗ nothing is registered or updated (exit 1).
    #[arg(long, env = "ECS_SHIP_VERIFY")]
    pub verify: bool,

    /// Set for `ecs-ship verify`: stop after the checks.
    #[arg(skip)]
    pub verify_only: bool,

    /// EventBridge rule [BUS/]NAME whose ECS targets move to the new revision (repeatable; bus
    /// `default` unless given; a comma-separated list in the env var).
    #[arg(
        long = "rule",
        alias = "rules",
        value_name = "[BUS/]NAME",
        env = "ECS_SHIP_RULE",
        value_delimiter = ','
    )]
    pub rules: Vec<String>,

    /// EventBridge Scheduler schedule [GROUP/]NAME that moves to the new revision (repeatable;
    /// group `default` unless given; a comma-separated list in the env var).
    #[arg(
        long = "schedule",
        alias = "schedules",
        value_name = "[GROUP/]NAME",
        env = "ECS_SHIP_SCHEDULE",
        value_delimiter = ','
    )]
    pub schedules: Vec<String>,

    /// ECS daemon name or ARN to roll (repeatable).
    #[arg(
        long = "daemon",
        alias = "daemons",
        value_name = "NAME",
        env = "ECS_SHIP_DAEMON",
        value_delimiter = ','
    )]
    pub daemons: Vec<String>,

    /// Move rules and schedules before the services are updated, not after they succeeded.
    #[arg(long, env = "ECS_SHIP_SCHEDULES_FIRST")]
    pub schedules_first: bool,

    /// After a deploy that ended well, prune the families deployed: keep the newest N ACTIVE
    /// revisions and every one in use (as `ecs-ship prune --keep N`); a prune failure is a warning.
    #[arg(long, env = "ECS_SHIP_PRUNE", value_name = "N", value_parser = super::keep_count)]
    pub prune: Option<u32>,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub codedeploy: CodeDeployArgs,

    #[command(flatten)]
    pub auto_scaling: super::AutoScalingArgs,

    /// CODE_DEPLOY services: an AppSpec lifecycle hook, STAGE=LAMBDA (BeforeInstall,
    /// AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic; repeatable).
    #[arg(
        long = "codedeploy-hook",
        env = "ECS_SHIP_CODEDEPLOY_HOOK",
        value_delimiter = ' '
    )]
    pub codedeploy_hooks: Vec<String>,

    /// CODE_DEPLOY services: the deployment configuration (default: the deployment group's).
    #[arg(long, env = "ECS_SHIP_CODEDEPLOY_CONFIG")]
    pub codedeploy_config: Option<String>,
}

/// Which CodeDeploy deployment group deploys a CODE_DEPLOY service (default: the one whose
/// ECS services include it).
#[derive(Args, Debug, Clone, Default)]
pub struct CodeDeployArgs {
    /// CodeDeploy application of CODE_DEPLOY services.
    #[arg(
        long,
        env = "ECS_SHIP_CODEDEPLOY_APPLICATION",
        requires = "codedeploy_deployment_group"
    )]
    pub codedeploy_application: Option<String>,

    /// CodeDeploy deployment group of CODE_DEPLOY services.
    #[arg(
        long,
        env = "ECS_SHIP_CODEDEPLOY_DEPLOYMENT_GROUP",
        requires = "codedeploy_application"
    )]
    pub codedeploy_deployment_group: Option<String>,
}

/// How far to follow an ECS-native (blue/green, linear, canary) deployment; shared by
/// `deploy` and `continue`.
#[derive(Args, Debug, Clone)]
pub struct FollowArgs {
    /// complete: until ECS calls the deployment done; traffic-shifted: until production traffic
    /// is on the new revision (bake time and clean-up left to ECS).
    #[arg(long, env = "ECS_SHIP_WAIT_UNTIL", value_enum, default_value_t = WaitUntil::Complete)]
    pub wait_until: WaitUntil,

    /// At a PAUSE lifecycle hook: exit (0, result `paused`; `ecs-ship continue` resumes it) or
    /// wait for someone to continue it until --timeout.
    #[arg(long, env = "ECS_SHIP_ON_PAUSE", value_enum, default_value_t = OnPause::Exit)]
    pub on_pause: OnPause,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitUntil {
    Complete,
    TrafficShifted,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPause {
    Exit,
    Wait,
}

#[derive(Args, Debug, Clone)]
pub struct ContinueArgs {
    /// Roll the paused deployment back instead of letting it go on.
    #[arg(long, env = "ECS_SHIP_ROLLBACK")]
    pub rollback: bool,

    /// The lifecycle hook to continue, when several wait.
    #[arg(long, env = "ECS_SHIP_HOOK")]
    pub hook: Option<String>,

    /// Give up after this many polls (with --poll-interval).
    #[arg(long, env = "ECS_SHIP_MAX_POLL_ATTEMPTS", conflicts_with = "timeout", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_poll_attempts: Option<u32>,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub codedeploy: CodeDeployArgs,
}

#[derive(Args, Debug, Clone)]
pub struct RollbackArgs {
    /// With no deployment in progress, roll back to this FAMILY[:REVISION] or ARN instead of
    /// the revision the service ran before.
    #[arg(long, env = "ECS_SHIP_TASK_DEFINITION")]
    pub task_definition: Option<String>,

    /// Give up after this many polls (with --poll-interval).
    #[arg(long, env = "ECS_SHIP_MAX_POLL_ATTEMPTS", conflicts_with = "timeout", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_poll_attempts: Option<u32>,

    #[command(flatten)]
    pub codedeploy: CodeDeployArgs,
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn rules_and_schedules_are_repeatable_and_comma_separated() {
        let cli = Cli::try_parse_from([
            "ecs-ship",
            "deploy",
            "--rule",
            "nightly,orders/hourly",
            "--rule",
            "weekly",
            "--schedule",
            "batch/reports",
        ])
        .unwrap();
        let Command::Deploy(args) = cli.command else {
            panic!("not deploy")
        };
        assert_eq!(args.rules, ["nightly", "orders/hourly", "weekly"]);
        assert_eq!(args.schedules, ["batch/reports"]);
        assert!(!args.schedules_first);
    }

    #[test]
    fn daemons_are_repeatable_and_comma_separated() {
        let cli = Cli::try_parse_from([
            "ecs-ship",
            "deploy",
            "--daemon",
            "agent,logs",
            "--daemon",
            "arn:aws:ecs:us-east-1:1:daemon/prod/x",
        ])
        .unwrap();
        let Command::Deploy(args) = cli.command else {
            panic!("not deploy")
        };
        assert_eq!(
            args.daemons,
            ["agent", "logs", "arn:aws:ecs:us-east-1:1:daemon/prod/x"]
        );
    }
}
