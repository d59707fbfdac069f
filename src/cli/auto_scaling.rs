//! `deploy`'s auto scaling flags: suspend the services' scalable targets during the deploy, and
//! set their bounds before it.

use clap::Args;

#[derive(Args, Debug, Clone, Default)]
pub struct AutoScalingArgs {
    /// Suspend the services' auto scaling (dynamic scale-in and scale-out, scheduled) during the
    /// deploy; the state found is restored afterwards, whatever the outcome.
    #[arg(long, env = "ECS_SHIP_SUSPEND_AUTO_SCALING")]
    pub suspend_auto_scaling: bool,

    /// Set the scalable target's minimum capacity before the deploy (it stays).
    #[arg(long, env = "ECS_SHIP_AUTO_SCALING_MIN", value_name = "N", value_parser = clap::value_parser!(u32).range(..=i64::from(i32::MAX)))]
    pub auto_scaling_min: Option<u32>,

    /// Set the scalable target's maximum capacity before the deploy (it stays).
    #[arg(long, env = "ECS_SHIP_AUTO_SCALING_MAX", value_name = "N", value_parser = clap::value_parser!(u32).range(..=i64::from(i32::MAX)))]
    pub auto_scaling_max: Option<u32>,
}

impl AutoScalingArgs {
    /// Whether deploy has anything to do with auto scaling.
    pub fn any(&self) -> bool {
        self.suspend_auto_scaling
            || self.auto_scaling_min.is_some()
            || self.auto_scaling_max.is_some()
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["ecs-ship", "deploy"].iter().chain(args))
    }

    #[test]
    fn bounds_are_non_negative_numbers() {
        let cli = parse(&[
            "--suspend-auto-scaling",
            "--auto-scaling-min",
            "2",
            "--auto-scaling-max",
            "10",
        ])
        .unwrap();
        let Command::Deploy(args) = cli.command else {
            panic!("not deploy")
        };
        assert!(args.auto_scaling.suspend_auto_scaling);
        assert_eq!(args.auto_scaling.auto_scaling_min, Some(2));
        assert_eq!(args.auto_scaling.auto_scaling_max, Some(10));
        let error = parse(&["--auto-scaling-min=-1"]).unwrap_err();
        assert!(error.to_string().contains("--auto-scaling-min"), "{error}");
        assert!(parse(&["--auto-scaling-max", "ten"]).is_err());
    }
}
