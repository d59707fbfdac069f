//! `run-task`'s arguments.

use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::checks;
use crate::duration;

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
