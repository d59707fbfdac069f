//! What the command line accepts. Every flag also reads `ECS_SHIP_<FLAG>` and, through
//! `config.rs`, `ecs-ship.toml`; nothing here talks to AWS.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aws;
use crate::checks;
use crate::duration;
use crate::secret::Secret;

mod auto_scaling;
mod completions;
mod deploy;
mod ecr;
mod iam_policy;
mod notify;
mod prune;
mod run_task;
mod status;
mod wait;

pub use auto_scaling::AutoScalingArgs;
pub use completions::CompletionsArgs;
pub use deploy::{
    CodeDeployArgs, ContinueArgs, DeployArgs, FollowArgs, OnPause, RollbackArgs, WaitUntil,
};
pub use ecr::{EcrCommand, EcrLoginArgs, EcrResolveArgs};
pub use iam_policy::IamPolicyArgs;
pub use notify::{NotifyArgs, NotifyStatus};
pub use prune::{keep_count, PruneArgs};
pub use run_task::{AfterWait, RunTaskArgs};
pub use status::StatusArgs;
pub use wait::WaitArgs;

#[derive(Parser, Debug)]
#[command(
    name = "ecs-ship",
    version,
    about = "Ship container apps to AWS ECS from CI: run the migration as a one-off task, roll the service, tell Slack.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a one-off task (a migration), stream its logs, wait for it and exit with its result.
    #[command(visible_alias = "migrate")]
    RunTask(RunTaskArgs),
    /// Register a new task-definition revision, update the service(s) and wait for this deployment.
    #[command(visible_alias = "update-service")]
    Deploy(DeployArgs),
    /// Continue (or --rollback) a deployment waiting at a PAUSE hook, then wait for it.
    Continue(ContinueArgs),
    /// Roll back the deployment in progress, or return to the revision the service ran before.
    Rollback(RollbackArgs),
    /// Follow the deployment in progress on the service(s), whoever started it, to its verdict;
    /// changes nothing.
    Wait(WaitArgs),
    /// Post a status message to Slack.
    Notify(NotifyArgs),
    /// ECR helpers: docker login, resolve a tag to its digest.
    #[command(subcommand)]
    Ecr(EcrCommand),
    /// Read-only preflight of what `deploy` with the same flags would ship: images and their
    /// platforms, roles and their trust, secrets, log groups, Fargate size, load balancers.
    Verify(DeployArgs),
    /// Where each service stands: revision, counts, deployment in progress, pending pauses,
    /// auto scaling, last events. Changes nothing.
    Status(StatusArgs),
    /// Deregister (--delete: and delete) task-definition revisions beyond the newest --keep N,
    /// never one in use by a service, a running task, or a rule / schedule named.
    Prune(PruneArgs),
    /// Print the least-privilege IAM policy the other commands need.
    IamPolicy(IamPolicyArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

impl Command {
    /// The name `ecs-ship.toml` sections use for this command (`[env.stg.run-task]`).
    pub fn config_section(&self) -> &'static str {
        match self {
            Command::RunTask(_) => "run-task",
            Command::Deploy(_) => "deploy",
            Command::Continue(_) => "continue",
            Command::Rollback(_) => "rollback",
            Command::Wait(_) => "wait",
            Command::Notify(_) => "notify",
            Command::Ecr(_) => "ecr",
            // It checks what `deploy` would ship, so it reads deploy's settings.
            Command::Verify(_) => "deploy",
            Command::Status(_) => "status",
            Command::Prune(_) => "prune",
            Command::IamPolicy(_) => "iam-policy",
            Command::Completions(_) => "completions",
        }
    }
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// ECS cluster name or ARN.
    #[arg(long, global = true, env = "ECS_SHIP_CLUSTER")]
    pub cluster: Option<String>,

    /// ECS service name (repeatable for `deploy`; a comma-separated list in the env var).
    #[arg(
        long = "service",
        global = true,
        env = "ECS_SHIP_SERVICE",
        value_delimiter = ',',
        value_parser = checks::non_empty
    )]
    pub services: Vec<String>,

    /// Container to watch or change (default: the only essential container).
    #[arg(long, global = true, env = "ECS_SHIP_CONTAINER")]
    pub container: Option<String>,

    /// Environment: selects the `[env.NAME]` section of the config file.
    #[arg(long, global = true, env = "ECS_SHIP_ENV")]
    pub env: Option<String>,

    /// Config file (absent is fine).
    #[arg(
        long,
        global = true,
        env = "ECS_SHIP_CONFIG",
        default_value = "ecs-ship.toml"
    )]
    pub config: PathBuf,

    /// AWS region (default: AWS_REGION / the profile's region).
    #[arg(long, global = true, env = "ECS_SHIP_REGION", value_parser = checks::region)]
    pub region: Option<String>,

    /// AWS profile from ~/.aws/config.
    #[arg(long, global = true, env = "ECS_SHIP_PROFILE")]
    pub profile: Option<String>,

    /// Assume this role with CircleCI's OIDC token (CIRCLE_OIDC_TOKEN_V2) or AWS_WEB_IDENTITY_TOKEN_FILE.
    #[arg(long, global = true, env = "ECS_SHIP_ROLE_ARN", value_parser = aws::parse_role_arn)]
    pub role_arn: Option<String>,

    /// Then assume this role with those credentials (AssumeRole), for deploying into another
    /// account; every AWS call is signed by that session, renewed during long waits.
    #[arg(long, global = true, env = "ECS_SHIP_ASSUME_ROLE_ARN", value_name = "ARN", value_parser = aws::parse_role_arn)]
    pub assume_role_arn: Option<String>,

    /// The external id the assumed role's trust policy asks for (`sts:ExternalId`).
    #[arg(long, global = true, env = "ECS_SHIP_EXTERNAL_ID", requires = "assume_role_arn", value_parser = aws::parse_external_id)]
    pub external_id: Option<String>,

    /// Session name of the assumed role [default: ecs-ship-<CI build number>].
    #[arg(long, global = true, env = "ECS_SHIP_ROLE_SESSION_NAME", requires = "assume_role_arn", value_parser = aws::parse_session_name)]
    pub role_session_name: Option<String>,

    /// Time between polls while waiting (10s, 1m, or seconds) [default: 5s].
    #[arg(long, global = true, env = "ECS_SHIP_POLL_INTERVAL", value_parser = duration::parse)]
    pub poll_interval: Option<Duration>,

    /// Give up waiting after this long; 0 means no limit [default: 30m].
    #[arg(long, global = true, env = "ECS_SHIP_TIMEOUT", value_parser = duration::parse)]
    pub timeout: Option<Duration>,

    /// Start the work and exit without waiting for it.
    #[arg(long, global = true, env = "ECS_SHIP_NO_WAIT")]
    pub no_wait: bool,

    /// Format of the result on stdout.
    #[arg(long, global = true, env = "ECS_SHIP_OUTPUT", value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,

    /// Also append the result to this GitHub Actions output file (result, task-definition-arn,
    /// task-arn, deployment-id); the GitHub Action passes $GITHUB_OUTPUT.
    #[arg(
        long,
        global = true,
        env = "ECS_SHIP_GITHUB_OUTPUT",
        value_name = "FILE"
    )]
    pub github_output: Option<PathBuf>,

    /// Also append a Markdown summary of the result to this file (default: $GITHUB_STEP_SUMMARY
    /// when GitHub Actions sets it); never truncates what is there.
    #[arg(long, global = true, env = "ECS_SHIP_SUMMARY", value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// Post the outcome to Slack when done (SLACK_WEBHOOK_URL or SLACK_ACCESS_TOKEN + --channel).
    #[arg(long, global = true, env = "ECS_SHIP_NOTIFY")]
    pub notify: bool,

    /// Post a `started` message to Slack when run-task or deploy begins (as --notify posts the
    /// outcome when it ends).
    #[arg(long, global = true, env = "ECS_SHIP_NOTIFY_START")]
    pub notify_start: bool,

    /// Make a failed Slack post with --notify (or --notify-start) fail the command.
    #[arg(long, global = true, env = "ECS_SHIP_NOTIFY_STRICT")]
    pub notify_strict: bool,

    #[command(flatten)]
    pub slack: SlackArgs,

    /// Print only errors and the result.
    #[arg(
        short,
        long,
        global = true,
        env = "ECS_SHIP_QUIET",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,

    /// Print every AWS call and more detail.
    #[arg(short, long, global = true, env = "ECS_SHIP_VERBOSE")]
    pub verbose: bool,
}

/// Where and how Slack messages go; shared by `notify` and `--notify`.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Slack options")]
pub struct SlackArgs {
    /// Slack incoming-webhook URL (also read from SLACK_WEBHOOK_URL or SLACK_WEBHOOK). Never
    /// printed.
    #[arg(
        long,
        global = true,
        env = "SLACK_WEBHOOK_URL",
        hide_env_values = true,
        value_parser = Secret::parse
    )]
    pub webhook_url: Option<Secret>,

    /// Channel(s) for a bot token (SLACK_ACCESS_TOKEN, via chat.postMessage), comma-separated.
    #[arg(long, global = true, env = "ECS_SHIP_CHANNEL")]
    pub channel: Option<String>,

    /// Block Kit JSON template with ${VAR} placeholders.
    #[arg(long, global = true, env = "ECS_SHIP_TEMPLATE")]
    pub template: Option<PathBuf>,

    /// Mention in the message: @here, @channel, user (U…) or group (S…) ids, comma-separated.
    #[arg(long, global = true, env = "ECS_SHIP_MENTION")]
    pub mention: Option<String>,

    /// Which outcomes to post.
    #[arg(long, global = true, env = "ECS_SHIP_EVENT", value_enum, default_value_t = NotifyEvent::Always)]
    pub event: NotifyEvent,

    /// Post only when the branch matches this regular expression.
    #[arg(long, global = true, env = "ECS_SHIP_BRANCH_PATTERN", value_parser = checks::regex)]
    pub branch_pattern: Option<String>,

    /// Leave unknown template placeholders empty instead of failing.
    #[arg(long, global = true, env = "ECS_SHIP_ALLOW_MISSING")]
    pub allow_missing: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyEvent {
    Pass,
    Fail,
    #[default]
    Always,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_flag_reads_an_ecs_ship_env_var() {
        let command = Cli::command();
        let mut missing = vec![];
        let mut visit = |cmd: &clap::Command| {
            for arg in cmd.get_arguments() {
                let positional = arg.get_long().is_none();
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !positional && !builtin && arg.get_env().is_none() {
                    missing.push(format!("{} --{}", cmd.get_name(), arg.get_long().unwrap()));
                }
            }
        };
        visit(&command);
        for sub in command.get_subcommands() {
            visit(sub);
            sub.get_subcommands().for_each(&mut visit);
        }
        assert!(missing.is_empty(), "flags without env var: {missing:?}");
    }

    #[test]
    fn aliases_parse_to_the_same_command() {
        let migrate = Cli::try_parse_from(["ecs-ship", "migrate", "--cluster", "c"]).unwrap();
        assert!(matches!(migrate.command, Command::RunTask(_)));
        let update = Cli::try_parse_from(["ecs-ship", "update-service"]).unwrap();
        assert!(matches!(update.command, Command::Deploy(_)));
    }

    #[test]
    fn service_is_repeatable_and_comma_separated() {
        let cli = Cli::try_parse_from(["ecs-ship", "deploy", "--service", "a,b", "--service", "c"])
            .unwrap();
        assert_eq!(cli.global.services, ["a", "b", "c"]);
    }

    #[test]
    fn bad_duration_is_a_usage_error_naming_the_flag() {
        let error = Cli::try_parse_from(["ecs-ship", "run-task", "--timeout", "soon"]).unwrap_err();
        assert!(error.to_string().contains("--timeout"), "{error}");
    }
}
