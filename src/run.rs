//! Parse, layer the config file in, dispatch, render the result once, and map it to an exit code.

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::cli::{Cli, Command, OutputFormat};
use crate::commands;
use crate::config::{ConfigFile, ParseFailure};
use crate::context::Context;
use crate::error::Error;
use crate::output::{self, CommandResult};
use crate::poll::Cancel;
use crate::render;
use crate::render::progress::Progress;
use crate::report::Report;
use crate::usage_error;

pub fn run(argv: Vec<OsString>) -> i32 {
    forget_empty_settings();
    let argv_flags: Vec<String> = argv
        .iter()
        .filter_map(|a| a.to_str())
        .filter(|a| a.starts_with("--"))
        .map(|a| a.split('=').next().unwrap_or(a).to_string())
        .collect();
    let cli = match parse(argv.clone()) {
        Ok(cli) => cli,
        Err(Exit::Clap(error)) => {
            // A value that does not parse is a usage error (2), like an unknown flag; when it
            // came from an `ECS_SHIP_*` variable, the message names the variable.
            return usage_error::print_clap(&error, &argv, env_source(&error, &argv_flags));
        }
        Err(Exit::Error(error)) => {
            usage_error::print(&format!("error: {error}"), error.code(), &argv);
            return error.code();
        }
    };
    if let Err(error) = crate::preflight::before_aws(&cli) {
        return finish(into_report(&cli.command, Err(error)), cli.global.output);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return 1;
        }
    };
    let output = cli.global.output;
    let github_output = cli.global.github_output.clone();
    let summary =
        render::summary::destination(cli.global.summary.clone(), |name| std::env::var(name).ok());
    let progress = Progress::new(cli.global.quiet, cli.global.verbose);
    let report = runtime.block_on(async {
        let context = Context {
            global: cli.global,
            progress,
            cancel: Cancel::install(),
        };
        let report = match commands::notify::before_command(&context, &cli.command).await {
            Ok(start) => {
                let mut report = into_report(&cli.command, dispatch(&context, &cli.command).await);
                report.notify_start = start;
                report
            }
            Err(error) => into_report(&cli.command, Err(error)),
        };
        commands::notify::after_command(&context, &cli.command, report).await
    });
    if let Some(path) = &github_output {
        if let Err(error) = render::github_output::append(path, &report) {
            eprintln!(
                "warning: cannot write the step outputs to {}: {error}",
                path.display()
            );
        }
    }
    if let Some(path) = &summary {
        if let Err(error) = render::summary::append(path, &report) {
            eprintln!(
                "warning: cannot write the job summary to {}: {error}",
                path.display()
            );
        }
    }
    finish(report, output)
}

/// An empty `ECS_SHIP_*` variable counts as unset, so CI templates (the orb) can pass every
/// parameter, empty or not, without overriding the config file. So does `0` for the two poll
/// knobs and `deploy --prune`, where it is the orb's "not set" (0 polls, a 0s interval or
/// keeping 0 revisions mean nothing else).
/// Runs before any thread exists.
fn forget_empty_settings() {
    let unset = |key: &str, value: &std::ffi::OsStr| {
        key.starts_with("ECS_SHIP_")
            && (value.is_empty()
                || (value == "0"
                    && matches!(
                        key,
                        "ECS_SHIP_MAX_POLL_ATTEMPTS" | "ECS_SHIP_POLL_INTERVAL" | "ECS_SHIP_PRUNE"
                    )))
    };
    let empty: Vec<OsString> = std::env::vars_os()
        .filter(|(key, value)| key.to_str().is_some_and(|k| unset(k, value)))
        .map(|(key, _)| key)
        .collect();
    for key in empty {
        std::env::remove_var(key);
    }
}

/// The environment variable a rejected value came from: the flag's `ECS_SHIP_*` variable,
/// when it is set and the flag is not on the command line.
fn env_source(error: &clap::Error, argv_flags: &[String]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let ContextValue::String(arg) = error.get(ContextKind::InvalidArg)? else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    if argv_flags
        .iter()
        .any(|f| f.strip_prefix("--") == Some(long))
    {
        return None;
    }
    // The same flag may read different variables in different commands: take the one set.
    fn set_env_of(command: &clap::Command, long: &str) -> Option<String> {
        command
            .get_arguments()
            .filter(|a| a.get_long() == Some(long))
            .filter_map(|a| a.get_env())
            .find(|env| std::env::var_os(env).is_some())
            .map(|env| env.to_string_lossy().into_owned())
            .or_else(|| {
                command
                    .get_subcommands()
                    .find_map(|sub| set_env_of(sub, long))
            })
    }
    set_env_of(&Cli::command(), long)
}

enum Exit {
    Clap(clap::Error),
    Error(Error),
}

/// Parses twice: once to learn `--env` and `--config` (and to let --help / --version exit
/// before any file is read), then again with the config file's values appended.
fn parse(argv: Vec<OsString>) -> Result<Cli, Exit> {
    // Matching in place builds the command tree once; a clone of the built tree (every global
    // flag copied into every subcommand) doubled the start-up of `--version` on musl's malloc.
    let mut root = Cli::command();
    let matches = root.try_get_matches_from_mut(&argv).map_err(Exit::Clap)?;
    let Some((name, sub)) = matches.subcommand() else {
        return Cli::from_arg_matches(&matches).map_err(Exit::Clap);
    };
    let (mut leaf, mut leaf_matches) = (
        root.find_subcommand(name)
            .expect("matched subcommand exists"),
        sub,
    );
    while let Some((name, sub)) = leaf_matches.subcommand() {
        leaf = leaf
            .find_subcommand(name)
            .expect("matched subcommand exists");
        leaf_matches = sub;
    }
    let env_name = leaf_matches.get_one::<String>("env").cloned();
    let path = leaf_matches
        .get_one::<std::path::PathBuf>("config")
        .cloned()
        .unwrap_or_else(|| "ecs-ship.toml".into());
    let explicit = matches!(
        leaf_matches.value_source("config"),
        Some(clap::parser::ValueSource::CommandLine | clap::parser::ValueSource::EnvVariable)
    );
    if let Some(file) = ConfigFile::load(&path, explicit).map_err(Exit::Error)? {
        file.check_keys(&root, env_name.as_deref())
            .map_err(Exit::Error)?;
        let injected = file
            .arguments_for(leaf, leaf_matches, name, env_name.as_deref())
            .map_err(Exit::Error)?;
        return file
            .parse_with(&argv, &injected)
            .map_err(|failure| match failure {
                ParseFailure::Clap(error) => Exit::Clap(error),
                ParseFailure::Config(error) => Exit::Error(error),
            });
    } else if let Some(env_name) = env_name {
        return Err(Exit::Error(Error::Config {
            path: path.display().to_string(),
            line: None,
            key: None,
            message: format!("--env {env_name} needs a config file with an [env.{env_name}] section, and there is none"),
        }));
    }
    Cli::try_parse_from(argv).map_err(Exit::Clap)
}

async fn dispatch(context: &Context, command: &Command) -> Result<Report, Error> {
    match command {
        Command::RunTask(args) => commands::run_task::run(context, args).await,
        Command::Notify(args) => commands::notify::run(context, args).await,
        Command::Deploy(args) => commands::deploy::run(context, args).await,
        Command::Continue(args) => commands::continue_::run(context, args).await,
        Command::Rollback(args) => commands::rollback::run(context, args).await,
        Command::Wait(args) => commands::wait::run(context, args).await,
        Command::Ecr(command) => commands::ecr::run(context, command).await,
        Command::Verify(args) => commands::deploy::run_verify(context, args).await,
        Command::Status(args) => commands::status::run(context, args).await,
        Command::Prune(args) => commands::prune::run(context, args).await,
        Command::IamPolicy(args) => {
            commands::iam_policy::say_cross_account_note(context);
            // It reads nothing but its flags: every error is one of their values.
            commands::iam_policy::run(args).map_err(Error::invalid_value)
        }
        Command::Completions(args) => {
            let mut stdout = std::io::stdout().lock();
            clap_complete::generate(args.shell, &mut Cli::command(), "ecs-ship", &mut stdout);
            Ok(Report::of(CommandResult::None))
        }
    }
}

/// A failed command still has a report (for `--output json` and `--notify`).
fn into_report(command: &Command, result: Result<Report, Error>) -> Report {
    result.unwrap_or_else(|error| Report::error(output::command_name(command), error))
}

fn finish(report: Report, output: OutputFormat) -> i32 {
    let mut stdout = std::io::stdout().lock();
    let printed = match output {
        OutputFormat::Json => writeln!(stdout, "{}", render::json::document(&report, true)),
        OutputFormat::Human => render::human::lines(&report.result)
            .iter()
            .try_for_each(|line| writeln!(stdout, "{line}")),
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    if let Err(error) = printed.and_then(|()| stdout.flush()) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {error}");
        }
    }
    if let Some(error) = &report.failure {
        eprintln!("error: {error}");
    }
    report.exit_code()
}
