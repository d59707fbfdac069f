//! What the command line accepts. Every flag also reads `ECS_SHIP_<FLAG>` and, through
//! `config.rs`, `ecs-ship.toml`; nothing here talks to AWS.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aws;
use crate::checks;
use crate::duration;
use crate::secret::Secret;

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
    /// Post a status message to Slack.
    Notify(NotifyArgs),
    /// ECR helpers: docker login, resolve a tag to its digest.
    #[command(subcommand)]
    Ecr(EcrCommand),
    /// Read-only preflight of what `deploy` with the same flags would ship: images and their
    /// platforms, roles and their trust, secrets, log groups, Fargate size, load balancers.
    Verify(DeployArgs),
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
            Command::Notify(_) => "notify",
            Command::Ecr(_) => "ecr",
            // It checks what `deploy` would ship, so it reads deploy's settings.
            Command::Verify(_) => "deploy",
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

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterWait {
    /// Stop the task.
    Stop,
    /// Leave the task running.
    Leave,
}

#[derive(Args, Debug, Clone)]
pub struct RunTaskArgs {
    /// FAMILY[:REVISION] or ARN (default: the service's current task definition).
    #[arg(long, env = "ECS_SHIP_TASK_DEFINITION")]
    pub task_definition: Option<String>,

    /// CONTAINER=IMAGE[:TAG|@DIGEST], or CONTAINER=:TAG to keep the container's repository: run a
    /// revision with this image (repeatable).
    #[arg(long = "image", env = "ECS_SHIP_IMAGE", value_delimiter = ' ')]
    pub images: Vec<String>,

    /// The aws-ecs orb's format: 'container=X,tag=Y' (also image= and image-and-tag=), space-separated.
    #[arg(long, env = "ECS_SHIP_CONTAINER_IMAGE_NAME_UPDATES")]
    pub container_image_name_updates: Option<String>,

    /// Command for the watched container, split like a shell would ("rails db:migrate").
    #[arg(long, env = "ECS_SHIP_COMMAND", conflicts_with = "command_json")]
    pub command: Option<String>,

    /// Command for the watched container as a JSON array.
    #[arg(long, env = "ECS_SHIP_COMMAND_JSON")]
    pub command_json: Option<String>,

    /// CONTAINER:KEY=VALUE environment override (repeatable).
    #[arg(long = "set-env", env = "ECS_SHIP_SET_ENV", value_delimiter = '\n')]
    pub set_env: Vec<String>,

    /// Raw ECS TaskOverride JSON, or @FILE.
    #[arg(long, env = "ECS_SHIP_OVERRIDES")]
    pub overrides: Option<String>,

    /// Refuse an --overrides with an unknown top-level key (without it: a warning).
    #[arg(long, env = "ECS_SHIP_STRICT")]
    pub strict: bool,

    /// EC2, FARGATE or EXTERNAL (default: the service's).
    #[arg(
        long,
        env = "ECS_SHIP_LAUNCH_TYPE",
        conflicts_with = "capacity_provider_strategy",
        value_parser = ["EC2", "FARGATE", "EXTERNAL"]
    )]
    pub launch_type: Option<String>,

    /// provider=NAME,weight=N,base=N entries separated by spaces, or JSON.
    #[arg(long, env = "ECS_SHIP_CAPACITY_PROVIDER_STRATEGY")]
    pub capacity_provider_strategy: Option<String>,

    /// Subnet ids, comma-separated (awsvpc tasks).
    #[arg(long, env = "ECS_SHIP_SUBNETS", value_delimiter = ',', value_parser = checks::non_empty)]
    pub subnets: Vec<String>,

    /// Security group ids, comma-separated.
    #[arg(long, env = "ECS_SHIP_SECURITY_GROUPS", value_delimiter = ',', value_parser = checks::non_empty)]
    pub security_groups: Vec<String>,

    /// Give the task a public IP (Fargate in public subnets).
    #[arg(long, env = "ECS_SHIP_ASSIGN_PUBLIC_IP", value_enum)]
    pub assign_public_ip: Option<Toggle>,

    /// Fargate platform version.
    #[arg(long, env = "ECS_SHIP_PLATFORM_VERSION")]
    pub platform_version: Option<String>,

    /// How many tasks to run; every one must succeed.
    #[arg(long, env = "ECS_SHIP_COUNT", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub count: u32,

    /// The task's startedBy tag.
    #[arg(long, env = "ECS_SHIP_STARTED_BY", default_value = "ecs-ship", value_parser = checks::started_by)]
    pub started_by: String,

    /// Do not stream the containers' CloudWatch logs.
    #[arg(long, env = "ECS_SHIP_NO_LOGS")]
    pub no_logs: bool,

    /// After the task stops, keep reading its logs until they have been quiet this long
    /// (CloudWatch may ingest the last lines late); 0 = one final read. Default 3s.
    #[arg(long, env = "ECS_SHIP_LOG_SETTLE", value_parser = duration::parse)]
    pub log_settle: Option<Duration>,

    /// Keep --image tags as given instead of pinning ECR images to their digest (as deploy does,
    /// so both run the same revision).
    #[arg(long, env = "ECS_SHIP_NO_PIN_DIGEST")]
    pub no_pin_digest: bool,

    /// What to do with the task when --timeout passes.
    #[arg(long, env = "ECS_SHIP_ON_TIMEOUT", value_enum, default_value_t = AfterWait::Stop)]
    pub on_timeout: AfterWait,

    /// What to do with the task on SIGINT / SIGTERM / SIGHUP.
    #[arg(long, env = "ECS_SHIP_ON_CANCEL", value_enum, default_value_t = AfterWait::Stop)]
    pub on_cancel: AfterWait,

    /// Print the revision it would register and the RunTask request; start nothing.
    #[arg(long, env = "ECS_SHIP_DRY_RUN")]
    pub dry_run: bool,

    /// Run `verify` on the revision first; on any ✗ nothing is registered or started (exit 1).
    #[arg(long, env = "ECS_SHIP_VERIFY")]
    pub verify: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    Enabled,
    Disabled,
}

impl Toggle {
    pub fn as_aws(self) -> &'static str {
        match self {
            Toggle::Enabled => "ENABLED",
            Toggle::Disabled => "DISABLED",
        }
    }
}

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

    /// Move rules and schedules before the services are updated, not after they succeeded.
    #[arg(long, env = "ECS_SHIP_SCHEDULES_FIRST")]
    pub schedules_first: bool,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub codedeploy: CodeDeployArgs,

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

#[derive(Args, Debug, Clone)]
pub struct NotifyArgs {
    /// The outcome to report (default: from the CI job's status when known, else pass).
    #[arg(long, env = "ECS_SHIP_STATUS", value_enum)]
    pub status: Option<NotifyStatus>,

    /// A plain-text message instead of the built-in blocks.
    #[arg(long, env = "ECS_SHIP_TEXT")]
    pub text: Option<String>,
}

/// `success`, `failure` and `cancelled` are GitHub Actions' `job.status` words, so
/// `--status ${{ job.status }}` works as it is.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyStatus {
    /// Work has begun (a deployment, a migration).
    Started,
    /// It succeeded (also `success`).
    #[value(alias = "success")]
    Pass,
    /// It failed (also `failure`).
    #[value(alias = "failure")]
    Fail,
    /// It was cancelled: a neutral message, neither success nor failure (also `canceled`).
    #[value(alias = "canceled")]
    Cancelled,
}

#[derive(Subcommand, Debug, Clone)]
pub enum EcrCommand {
    /// Print a docker-login password for the account's ECR registry, or run `docker login`.
    Login(EcrLoginArgs),
    /// Resolve REPO:TAG to its image digest.
    Resolve(EcrResolveArgs),
}

#[derive(Args, Debug, Clone)]
pub struct EcrLoginArgs {
    /// Run `docker login` with the password on stdin instead of printing it.
    #[arg(long, env = "ECS_SHIP_DOCKER")]
    pub docker: bool,
}

#[derive(Args, Debug, Clone)]
pub struct EcrResolveArgs {
    /// REPOSITORY:TAG, or a full ECR image reference.
    #[arg(value_parser = checks::image)]
    pub image: String,
}

#[derive(Args, Debug, Clone)]
pub struct IamPolicyArgs {
    /// Only the permissions of these commands (run-task, deploy, scheduled-tasks = deploy --rule /
    /// --schedule, continue, rollback, notify, ecr), comma-separated.
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

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
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
    fn notify_status_takes_github_job_status_words() {
        let status = |word: &str| {
            let cli = Cli::try_parse_from(["ecs-ship", "notify", "--status", word]).unwrap();
            let Command::Notify(args) = cli.command else {
                panic!("not notify")
            };
            args.status.unwrap()
        };
        assert_eq!(status("success"), NotifyStatus::Pass);
        assert_eq!(status("pass"), NotifyStatus::Pass);
        assert_eq!(status("failure"), NotifyStatus::Fail);
        assert_eq!(status("fail"), NotifyStatus::Fail);
        assert_eq!(status("cancelled"), NotifyStatus::Cancelled);
        assert_eq!(status("canceled"), NotifyStatus::Cancelled);
        assert_eq!(status("started"), NotifyStatus::Started);
        assert!(Cli::try_parse_from(["ecs-ship", "notify", "--status", "ok"]).is_err());
    }

    #[test]
    fn bad_duration_is_a_usage_error_naming_the_flag() {
        let error = Cli::try_parse_from(["ecs-ship", "run-task", "--timeout", "soon"]).unwrap_err();
        assert!(error.to_string().contains("--timeout"), "{error}");
    }
}
