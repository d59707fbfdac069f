//! `status`'s arguments (the services are the global `--service`).

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// Every service of the cluster (every page of ListServices), instead of `--service`.
    #[arg(long, env = "ECS_SHIP_ALL")]
    pub all: bool,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn all_is_a_switch_of_status() {
        let cli = Cli::try_parse_from(["ecs-ship", "status", "--all", "--cluster", "c"]).unwrap();
        assert!(matches!(cli.command, Command::Status(args) if args.all));
        let cli = Cli::try_parse_from(["ecs-ship", "status", "--service", "a,b"]).unwrap();
        assert!(matches!(cli.command, Command::Status(args) if !args.all));
        assert_eq!(cli.global.services, ["a", "b"]);
    }
}
