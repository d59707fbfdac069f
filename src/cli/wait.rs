//! `wait`'s arguments: which deployment to follow, and how far.

use clap::Args;

use super::{CodeDeployArgs, FollowArgs};

#[derive(Args, Debug, Clone)]
pub struct WaitArgs {
    /// Follow this deployment instead of the one in progress: an ECS deployment id
    /// (ecs-svc/…), a service deployment ARN, or a CodeDeploy deployment id (d-…).
    #[arg(long, env = "ECS_SHIP_DEPLOYMENT", value_name = "ID")]
    pub deployment: Option<String>,

    /// Give up after this many polls (with --poll-interval).
    #[arg(long, env = "ECS_SHIP_MAX_POLL_ATTEMPTS", conflicts_with = "timeout", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_poll_attempts: Option<u32>,

    #[command(flatten)]
    pub follow: FollowArgs,

    #[command(flatten)]
    pub codedeploy: CodeDeployArgs,
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command, OnPause, WaitUntil};
    use clap::Parser;

    #[test]
    fn wait_takes_a_deployment_and_how_far_to_follow_it() {
        let cli = Cli::try_parse_from([
            "ecs-ship",
            "wait",
            "--service",
            "web,worker",
            "--deployment",
            "ecs-svc/123",
            "--wait-until",
            "traffic-shifted",
            "--on-pause",
            "wait",
        ])
        .unwrap();
        let Command::Wait(args) = cli.command else {
            panic!("not wait")
        };
        assert_eq!(cli.global.services, ["web", "worker"]);
        assert_eq!(args.deployment.as_deref(), Some("ecs-svc/123"));
        assert_eq!(args.follow.wait_until, WaitUntil::TrafficShifted);
        assert_eq!(args.follow.on_pause, OnPause::Wait);
    }
}
