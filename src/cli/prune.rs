//! `prune`'s arguments, and the `--keep` / `--prune` count it shares with `deploy`.

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct PruneArgs {
    /// Keep the newest N ACTIVE revisions of each family (N ≥ 1); older ones are deregistered,
    /// except those in use, whatever their age.
    #[arg(long, env = "ECS_SHIP_KEEP", value_name = "N", required = true, value_parser = keep_count)]
    pub keep: u32,

    /// Another family to prune, besides the services' (repeatable; comma-separated in the env).
    #[arg(
        long = "family",
        alias = "families",
        value_name = "FAMILY",
        env = "ECS_SHIP_FAMILY",
        value_delimiter = ','
    )]
    pub families: Vec<String>,

    /// EventBridge rule [BUS/]NAME whose ECS targets' revisions are in use (repeatable; bus
    /// `default` unless given; a comma-separated list in the env var).
    #[arg(
        long = "rule",
        alias = "rules",
        value_name = "[BUS/]NAME",
        env = "ECS_SHIP_RULE",
        value_delimiter = ','
    )]
    pub rules: Vec<String>,

    /// EventBridge Scheduler schedule [GROUP/]NAME whose revision is in use (repeatable; group
    /// `default` unless given; a comma-separated list in the env var).
    #[arg(
        long = "schedule",
        alias = "schedules",
        value_name = "[GROUP/]NAME",
        env = "ECS_SHIP_SCHEDULE",
        value_delimiter = ','
    )]
    pub schedules: Vec<String>,

    /// Also delete the revisions deregistered (DeleteTaskDefinitions): they cannot be run again.
    #[arg(long, env = "ECS_SHIP_DELETE")]
    pub delete: bool,

    /// List what would go and why the rest stays; change nothing.
    #[arg(long, env = "ECS_SHIP_DRY_RUN")]
    pub dry_run: bool,
}

/// `--keep N` and `deploy --prune N`: at least 1. Keeping 0 would aim at the revision the
/// service runs (kept anyway, as in use): a count that says something else is refused.
pub fn keep_count(value: &str) -> Result<u32, String> {
    let count: u32 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a count of revisions (a whole number ≥ 1)"))?;
    if count == 0 {
        return Err(
            "keep at least 1 revision per family (0 would leave a family without one to run)"
                .into(),
        );
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command};
    use clap::Parser;

    #[test]
    fn keep_is_required_and_at_least_one() {
        let parse = |args: &[&str]| Cli::try_parse_from([&["ecs-ship", "prune"], args].concat());
        let error = parse(&["--family", "web"]).unwrap_err().to_string();
        assert!(error.contains("--keep"), "{error}");
        for bad in ["0", "-1", "three"] {
            let error = parse(&["--keep", bad]).unwrap_err().to_string();
            assert!(error.contains("--keep"), "{bad}: {error}");
        }
        let cli = parse(&["--keep", "3", "--family", "web,batch", "--family", "cron"]).unwrap();
        let Command::Prune(args) = cli.command else {
            panic!("not prune")
        };
        assert_eq!(
            (args.keep, args.families),
            (3, vec!["web".into(), "batch".into(), "cron".into()])
        );
    }
}
